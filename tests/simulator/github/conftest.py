"""A GitHub Copilot simulator served over real HTTP: one shared for tests that only read, and a
factory for tests that change state or need other knobs. Time is fixed in every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date

import httpx
import pytest

from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.app import GitHubSimulator
from pumpview.simulator.server import serve_in_thread

NOW_MS = 1_796_659_200_000
"""The simulated present: 2026-12-07T16:00:00Z (a Monday)."""
TODAY = date(2026, 12, 7)
SHARED = {"members": 30, "days": 240, "now_ms": NOW_MS}
"""The shared simulator: about 20 GitHub people over 2026-04-12 .. 2026-12-07 (premium requests
until May, AI credits from June)."""


class Clock:
    """A wall clock (seconds) that only moves when a test says so."""

    def __init__(self, now: float = 1_796_659_200.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Served:
    """A running simulator: its base URL, its handle, and a client factory."""

    def __init__(self, url: str, sim: GitHubSimulator) -> None:
        self.url = url
        self.sim = sim

    def client(
        self, token: str | None = DEMO_GITHUB_TOKEN, scheme: str = "Bearer", **headers: str
    ) -> httpx.Client:
        """A client sending ``token`` as ``Authorization: <scheme> <token>`` and the API
        version 2026-03-10 (``headers`` add or replace headers; a value "" drops one)."""
        sent = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2026-03-10"}
        if token is not None:
            sent["Authorization"] = f"{scheme} {token}"
        sent.update(headers)
        return httpx.Client(base_url=self.url, headers={k: v for k, v in sent.items() if v})


@pytest.fixture(scope="session")
def shared() -> Iterator[Served]:
    """``SHARED`` with the default limits and a frozen wall clock, started once."""
    app = create_github_simulator(
        GitHubConfig(
            **SHARED,
            clock=Clock(),
            hourly_limit=10**9,  # type: ignore[arg-type]
            secondary_per_minute=10**9,
        )
    )
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start simulators with the given ``GitHubConfig`` fields (``SHARED`` and a frozen clock
    by default); all are stopped after the test."""
    with ExitStack() as stack:

        def start(**fields: object) -> Served:
            for name, value in SHARED.items():
                fields.setdefault(name, value)
            fields.setdefault("clock", Clock())
            app = create_github_simulator(GitHubConfig(**fields))  # type: ignore[arg-type]
            url = stack.enter_context(serve_in_thread(app))
            return Served(url, app.state.sim)

        yield start
