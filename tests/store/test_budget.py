"""One request budget per Cursor team, shared by every process that calls it."""

from __future__ import annotations

from collections import Counter

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from pumpview.errors import RateLimited
from pumpview.integrations import runner
from pumpview.integrations.cursor import connection
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.pacing import EVENTS_PATH, EVENTS_PER_MINUTE, pace_bucket
from pumpview.simulator import DEMO_KEY
from pumpview.store import tables
from pumpview.store.budget import WINDOW_MS, SharedBudget, claim
from pumpview.store.engine import open_store
from pumpview.timeutil import Clock
from pumpview.vault import Vault
from tests.integrations.cursor.test_client import (  # _close_clients closes what cursor() opens
    FakeClock,
    _close_clients,  # noqa: F401
    cursor,
    day_window,
    statuses,
)


def test_claim_allows_limit_sends_in_any_minute_and_says_how_long_to_wait(engine):
    """Three sends pass; the fourth is told when the oldest leaves the minute; other teams and
    buckets are budgets of their own; nothing is recorded for a refused send."""
    t = 1_800_000_000_000
    with engine.begin() as conn:
        assert [claim(conn, "cursor", "/a", 3, t + i * 1000) for i in range(3)] == [0, 0, 0]
        assert claim(conn, "cursor", "/a", 3, t + 10_000) == WINDOW_MS - 10_000
        assert claim(conn, "cursor-eu", "/a", 3, t + 10_000) == 0
        assert claim(conn, "cursor", "/b", 3, t + 10_000) == 0
        assert claim(conn, "cursor", "/a", 3, t + WINDOW_MS - 1) == 1
        assert claim(conn, "cursor", "/a", 3, t + WINDOW_MS) == 0  # the first has left
        count = conn.execute(
            select(func.count()).where(
                tables.upstream_sends.c.team == "cursor", tables.upstream_sends.c.bucket == "/a"
            )
        ).scalar_one()
    assert count == 3  # the expired send pruned, the refused ones never written


def alternate(clients: list[CursorClient], requests: int) -> None:
    for i in range(requests):
        clients[i % 2].post(EVENTS_PATH, day_window(page_size=1))


@pytest.fixture
def _instant_retries():
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.mark.usefixtures("_instant_retries")
def test_two_processes_calling_one_team_stay_under_its_limit_together(serve, db_url):
    """Two clients with engines of their own (as two processes have) alternate 130 events
    requests against the simulator's per-team limit: no 429, and the waits are those of one
    client sending all 130 (two full minutes)."""
    clock = FakeClock(1_764_000_030.0)
    served = serve(rate_limits=True, clock=clock, days=2)
    engines = [open_store(db_url) for _ in range(2)]
    clients = [
        cursor(served, clock=clock, sleep=clock.sleep, budget=SharedBudget(e, "cursor", clock))
        for e in engines
    ]
    alternate(clients, 130)
    for engine in engines:
        engine.dispose()
    assert set(statuses(served)) == {200}
    assert sum(c.stats.rate_limited for c in clients) == 0
    assert clock.sleeps == [60.0, 60.0]
    assert 2 * EVENTS_PER_MINUTE < 130  # each client alone would have stayed under the limit


@pytest.mark.usefixtures("_instant_retries")
def test_control_two_clients_pacing_alone_are_answered_429(serve):
    """Control: the same two clients, each with only its own budget, exceed the team's limit."""
    clock = FakeClock(1_764_000_030.0)
    served = serve(rate_limits=True, clock=clock, days=2)
    clients = [cursor(served, clock=clock, sleep=clock.sleep, attempts=1) for _ in range(2)]
    with pytest.raises(RateLimited):  # each client within its own budget, not the team's
        alternate(clients, 2 * EVENTS_PER_MINUTE)
    assert statuses(served) == [200] * 60 + [429]


def test_connect_and_sync_draw_on_the_team_budget_in_the_store(serve, tmp_path):
    """A connect and a sync record every send under the integration's name, in the store."""
    served = serve(days=2, members=3)
    engine = open_store(f"sqlite:///{tmp_path / 'pv.db'}")
    vault = Vault(Fernet.generate_key())
    connection.connect(
        engine, vault, DEMO_KEY, base_url=served.url, team_name=None, name="cursor-eu",
        now_ms=served.sim.team.now,
    )  # fmt: skip
    runner.run_sync(engine, vault, "cursor-eu", clock=Clock(served.sim.team.now))
    sends = tables.upstream_sends
    with engine.connect() as conn:
        recorded = conn.execute(
            select(sends.c.bucket, func.count()).where(sends.c.team == "cursor-eu")
            .group_by(sends.c.bucket)
        ).all()  # fmt: skip
    engine.dispose()
    assert dict(recorded) == Counter(pace_bucket(call.path) for call in served.sim.calls)
