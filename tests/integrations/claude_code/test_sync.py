"""The Claude Code importer against the Anthropic simulator over real HTTP: connect, backfill,
re-sync, faults, revocation; every stored figure equal to the simulator's ground truth, on every
store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pumpview.errors import AuthError, UserInputError
from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection
from pumpview.integrations.claude_code.client import READ_ONLY_ROUTES
from pumpview.reports import usage
from pumpview.reports.scope import scope
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_API_KEY,
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    AnthropicSimulator,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import billed_cents, claude_code_truth
from pumpview.simulator.config import Faults
from pumpview.simulator.server import serve_in_thread
from pumpview.store import facts, integrations, tables
from pumpview.store.engine import snapshot
from pumpview.timeutil import day_of
from pumpview.vault import Vault

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z, a Monday
DAYS = 12
SECRET = Fernet.generate_key()


class Served:
    def __init__(self, url: str, sim: AnthropicSimulator) -> None:
        self.url, self.sim = url, sim


@pytest.fixture
def anthropic() -> Iterator[Callable[..., Served]]:
    """Start Anthropic simulators (``AnthropicConfig`` fields override the small defaults)."""
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))

        def start(**fields: object) -> Served:
            config = {"now_ms": NOW, "days": DAYS, "members": 12, "rate_limit_per_minute": None,
                      **fields}  # fmt: skip
            app = create_anthropic_simulator(AnthropicConfig(**config))  # type: ignore[arg-type]
            return Served(stack.enter_context(serve_in_thread(app)), app.state.sim)

        yield start


@pytest.fixture
def vault() -> Vault:
    return Vault(SECRET)


def _connect(engine: Engine, vault: Vault, served: Served, name: str = "claude-code") -> int:
    return connection.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=served.url,
                              team_name=None, name=name, now_ms=NOW, pacing=False)  # fmt: skip


def _sync(engine: Engine, vault: Vault, name: str = "claude-code", now_ms: int = NOW) -> None:
    runner.run_sync(engine, vault, name, pacing=False, backfill_days=DAYS,
                    clock=lambda: now_ms)  # fmt: skip


def _truth(sim: AnthropicSimulator, days: list[date]) -> dict[tuple[str, str], tuple]:
    """(person, model) -> (input, output, cache write, cache read, estimated cents)."""
    out: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, 0, Decimal(0)])
    for day in days:
        for (who, model), t in claude_code_truth(sim.org, day).items():
            if model is None:
                continue
            sums = out[who, model]
            sums[0] += t.input_tokens
            sums[1] += t.output_tokens
            sums[2] += t.cache_creation_tokens
            sums[3] += t.cache_read_tokens
            sums[4] += t.estimated_cents
    return {k: tuple(v) for k, v in out.items() if any(v)}


def _stored(engine: Engine, first: date, last: date) -> dict[tuple[str, str], tuple]:
    with snapshot(engine) as conn:
        where = scope(conn, first, last)
        assert where is not None
        rows = facts.of(conn).sums(*where.days(), by=("email", "model"), measures=(
            "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
            "estimated_cents", "spend_cents", "on_demand_cents"))  # fmt: skip
    out = {}
    for email, model, i, o, cw, cr, est, spend, on_demand in rows:
        assert spend == est == on_demand  # all of it estimated, all of it billed on demand
        if i or o or cw or cr or est:
            out[email, model] = (i, o, cw, cr, est)
    return out


def test_a_backfill_stores_every_persons_claude_code_usage_and_the_bill_exactly(
    engine, vault, anthropic
):
    served = anthropic()
    _connect(engine, vault, served)
    _sync(engine, vault)
    today = day_of(NOW)
    days = [today - timedelta(days=i) for i in range(DAYS)]
    assert _stored(engine, days[-1], today) == _truth(served.sim, days)
    with engine.connect() as conn:
        lines = conn.execute(select(tables.provider_costs.c.day,
                                    tables.provider_costs.c.amount_cents)).all()  # fmt: skip
        activity = conn.execute(
            select(tables.activity_daily.c.email, tables.activity_daily.c.measure,
                   tables.activity_daily.c.value)
        ).all()  # fmt: skip
        row = integrations.require(conn, "claude-code")
    billed: dict[date, Decimal] = defaultdict(Decimal)
    for day, cents in lines:
        billed[day] += Decimal(cents)
    assert dict(billed) == {d: billed_cents(served.sim.org, d) for d in days
                            if billed_cents(served.sim.org, d)}  # fmt: skip
    sessions: dict[str, int] = defaultdict(int)
    for email, measure, value in activity:
        if measure == "sessions":
            sessions[email] += value
    want: dict[str, int] = defaultdict(int)
    for day in days:
        for (who, model), t in claude_code_truth(served.sim.org, day).items():
            if model is None and t.sessions:
                want[who] += t.sessions
    assert dict(sessions) == dict(want)
    assert row.provider == "claude-code"
    assert row.account == served.sim.org.config.organization_id
    assert row.status == "connected"
    sent = {(c.method, c.path) for c in served.sim.calls}
    assert sent <= {("GET", path) for path in READ_ONLY_ROUTES}
    assert not served.sim.mutations


def test_a_re_sync_later_changes_nothing_but_the_days_that_grew(engine, vault, anthropic):
    served = anthropic()
    _connect(engine, vault, served)
    _sync(engine, vault)
    later = NOW + 5 * 3_600_000
    served.sim.set_now(later)
    _sync(engine, vault, now_ms=later)
    today = day_of(later)
    days = [today - timedelta(days=i) for i in range(DAYS)]
    assert _stored(engine, days[-1], today) == _truth(served.sim, days)


def test_faults_and_rate_limits_are_survived_and_the_figures_stay_exact(engine, vault, anthropic):
    served = anthropic(faults=Faults(error_rate=0.2, burst_429_rate=0.2, seed=3))
    _connect(engine, vault, served)
    _sync(engine, vault)
    today = day_of(NOW)
    days = [today - timedelta(days=i) for i in range(DAYS)]
    assert _stored(engine, days[-1], today) == _truth(served.sim, days)
    assert any(c.status in (429, 500, 529) for c in served.sim.calls)


def test_a_revoked_key_stops_the_sync_says_so_and_keeps_the_data(engine, vault, anthropic):
    served = anthropic()
    _connect(engine, vault, served)
    _sync(engine, vault)
    today = day_of(NOW)
    before = _stored(engine, today - timedelta(days=DAYS - 1), today)
    served.sim.revoke(DEMO_ANTHROPIC_KEY)
    with pytest.raises(AuthError) as caught:
        _sync(engine, vault)
    assert "revoked" in str(caught.value)
    assert DEMO_ANTHROPIC_KEY not in str(caught.value)
    with engine.connect() as conn:
        assert integrations.require(conn, "claude-code").status == "revoked"
    assert _stored(engine, today - timedelta(days=DAYS - 1), today) == before


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("not a key", "starts with 'sk-ant-admin'"),
        (DEMO_ANTHROPIC_API_KEY, "not an Admin API key"),
        ("sk-ant-admin01-" + "x" * 86, "invalid, expired or has been revoked"),
    ],
)
def test_a_bad_key_is_refused_at_its_field_before_anything_is_stored(
    engine, vault, anthropic, key, said
):
    served = anthropic()
    with pytest.raises((UserInputError, AuthError)) as caught:
        connection.connect(engine, vault, key, base_url=served.url, team_name=None,
                           now_ms=NOW, pacing=False)  # fmt: skip
    assert said in str(caught.value)
    assert key not in str(caught.value)
    with engine.connect() as conn:
        assert integrations.find(conn, "claude-code") is None


def test_another_organisations_key_is_refused_for_an_integration_that_holds_data(
    engine, vault, anthropic
):
    first, other = anthropic(), anthropic(seed=2)
    _connect(engine, vault, first)
    with pytest.raises(UserInputError) as caught:
        _connect(engine, vault, other)
    assert "another Anthropic organisation" in str(caught.value)
    _connect(engine, vault, other, name="claude-code-eu")  # beside it, under another name
    with pytest.raises(UserInputError) as again:
        _connect(engine, vault, first, name="claude-code-2")
    assert "already connected as the integration 'claude-code'" in str(again.value)


def test_the_people_report_holds_claude_codes_people_at_their_estimates(engine, vault, anthropic):
    served = anthropic()
    _connect(engine, vault, served)
    _sync(engine, vault)
    today = day_of(NOW)
    days = [today - timedelta(days=i) for i in range(DAYS)]
    want: dict[str, Decimal] = defaultdict(Decimal)
    for (who, _model), sums in _truth(served.sim, days).items():
        want[who] += sums[4]
    with snapshot(engine) as conn:
        where = scope(conn, days[-1], today)
        assert where is not None
        rows = usage.users(conn, where)
    assert {r.email: r.spend_cents for r in rows} == dict(want)
    assert all(r.estimated_cents == r.spend_cents for r in rows)
