"""One default simulator for all tests that only read; tests that change state use `serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pumpview.simulator import SimConfig, create_simulator
from pumpview.simulator.server import serve_in_thread
from tests.conftest import NOW_MS, Served


@pytest.fixture(scope="session")
def shared() -> Iterator[Served]:
    """The `serve()` defaults (12 members, 20 days, no rate limits), started once."""
    app = create_simulator(SimConfig(now_ms=NOW_MS, members=12, days=20, rate_limits=False))
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)
