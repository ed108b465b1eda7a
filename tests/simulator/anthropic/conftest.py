"""Anthropic simulators for the contract tests: one shared, read-only organisation, and a factory
for tests that change state or need other knobs. Time is fixed: never the real clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from pumpview.simulator.anthropic import AnthropicConfig, create_anthropic_simulator
from pumpview.simulator.server import serve_in_thread
from tests.simulator.anthropic.calls import NOW, Served


def _start(stack: ExitStack, **fields: object) -> Served:
    fields.setdefault("now_ms", NOW)
    fields.setdefault("days", 30)
    fields.setdefault("rate_limit_per_minute", None)
    app = create_anthropic_simulator(AnthropicConfig(**fields))  # type: ignore[arg-type]
    url = stack.enter_context(serve_in_thread(app))
    return Served(url, app.state.sim)


@pytest.fixture(scope="session")
def anthropic() -> Iterator[Served]:
    """The defaults (50 Cursor members, seed 1) over 30 days, no rate limit, started once."""
    with ExitStack() as stack:
        yield _start(stack)


@pytest.fixture
def serve_anthropic() -> Iterator[Callable[..., Served]]:
    """Start simulators with the given ``AnthropicConfig`` fields; all stop after the test."""
    with ExitStack() as stack:
        yield lambda **fields: _start(stack, **fields)
