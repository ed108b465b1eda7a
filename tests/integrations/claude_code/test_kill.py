"""``kill -9`` of a Claude Code sync while it stores a window: the store keeps whole windows
only (the killed window's usage, activity, bill lines and bookmarks all gone, the windows before
it exact), and the next sync takes the dead run's lease at once and ends exact against the
Anthropic simulator's ground truth, on SQLite and PostgreSQL.

The sync runs in a process of its own (``tests.integrations.killing``). Inside
its second window's transaction, at the statement that writes the bill's lines (the last of the
window: its usage, activity and bookmarks are already written), it says so on stdout and waits;
this test reads that line (an event, not a sleep) and sends SIGKILL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    AnthropicSimulator,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import billed_cents
from pumpview.simulator.server import serve_in_thread
from pumpview.store import runs, tables
from pumpview.timeutil import day_of
from pumpview.vault import Vault
from tests.integrations.claude_code.test_sync import _stored, _truth
from tests.integrations.killing import days_of, kill_while_storing_window_2

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z, a Monday
DAYS = 12  # windows: today and yesterday, then 7 days, then the 3 oldest
TODAY = day_of(NOW)
ALL_DAYS = [TODAY - timedelta(days=i) for i in range(DAYS)]
FIRST_WINDOW = ALL_DAYS[:2]
SECRET = Fernet.generate_key()


@pytest.fixture
def served() -> Iterator[tuple[str, AnthropicSimulator]]:
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))
        app = create_anthropic_simulator(AnthropicConfig(
            now_ms=NOW, days=DAYS, members=12, rate_limit_per_minute=None))  # fmt: skip
        yield stack.enter_context(serve_in_thread(app)), app.state.sim


def _bill(engine: Engine) -> dict[date, Decimal]:
    c = tables.provider_costs
    out: dict[date, Decimal] = defaultdict(Decimal)
    with engine.connect() as conn:
        for day, cents in conn.execute(select(c.c.day, c.c.amount_cents)):
            out[day] += Decimal(cents)
    return dict(out)


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_kill_mid_window_keeps_whole_windows_and_a_re_sync_ends_exact(engine, db_url, served):
    """After SIGKILL inside the second window's transaction the store holds the first window
    alone, exact; the next sync takes over the dead run and every day is exact."""
    url, sim = served
    vault = Vault(SECRET)
    iid = connection.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=url, team_name=None,
                             name="claude-code", now_ms=NOW, pacing=False)  # fmt: skip
    pid = kill_while_storing_window_2(
        db_url, SECRET, NOW, DAYS, "claude-code", "INTO provider_costs"
    )

    window = set(FIRST_WINDOW)
    assert days_of(engine, tables.sync_days) == window  # the first window's bookmarks alone
    for table in (tables.usage_daily, tables.activity_daily, tables.provider_costs):
        assert days_of(engine, table) <= window, table.name  # nothing of the killed window
    assert _stored(engine, min(FIRST_WINDOW), TODAY) == _truth(sim, FIRST_WINDOW)
    assert _bill(engine) == {d: billed_cents(sim.org, d) for d in FIRST_WINDOW
                             if billed_cents(sim.org, d)}  # fmt: skip

    result = runner.run_sync(engine, vault, "claude-code", pacing=False, backfill_days=DAYS,
                             clock=lambda: NOW)  # fmt: skip
    assert result.windows >= 2  # the killed window and the one after it, at least
    assert days_of(engine, tables.sync_days) == set(ALL_DAYS)
    assert _stored(engine, min(ALL_DAYS), TODAY) == _truth(sim, ALL_DAYS)
    assert _bill(engine) == {d: billed_cents(sim.org, d) for d in ALL_DAYS
                             if billed_cents(sim.org, d)}  # fmt: skip
    with engine.connect() as conn:
        (dead,) = (r for r in runs.finished(conn, iid) if r.owner.endswith(f" pid {pid}"))
        latest = runs.latest(conn, iid)
    assert dead.outcome == "interrupted"  # taken over at once: its pid is gone
    assert latest is not None
    assert latest.outcome == "ok"
