"""Claude Code reconciled with Anthropic's bill, per day, exact against the Anthropic simulator's
ground truth: the people's estimates, the cost report's model lines and other lines, and the
difference, which is zero when everyone pays per use and the subscribers' estimates when some
do not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection
from pumpview.reports import claude_code_reconciliation as recon
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.data import Organisation
from pumpview.simulator.anthropic.truth import billed_cents, billed_lines, claude_code_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import day_of
from pumpview.vault import Vault

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z, a Monday
DAYS = 10
DAY_LIST = sorted(day_of(NOW) - timedelta(days=i) for i in range(DAYS))
VAULT = Vault(Fernet.generate_key())


@pytest.fixture
def synced(engine: Engine) -> Iterator[Callable[..., Organisation]]:
    """Sync a Claude Code organisation from a simulator (``AnthropicConfig`` fields override
    the defaults) into the store; its organisation, for the truth."""
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))

        def start(**fields: object) -> Organisation:
            config = {"now_ms": NOW, "days": DAYS, "members": 12, "rate_limit_per_minute": None,
                      **fields}  # fmt: skip
            app = create_anthropic_simulator(AnthropicConfig(**config))  # type: ignore[arg-type]
            url = stack.enter_context(serve_in_thread(app))
            connection.connect(engine, VAULT, DEMO_ANTHROPIC_KEY, base_url=url, team_name=None,
                               name="claude-code", now_ms=NOW, pacing=False)  # fmt: skip
            runner.run_sync(engine, VAULT, "claude-code", pacing=False, backfill_days=DAYS,
                            clock=lambda: NOW)  # fmt: skip
            return app.state.sim.org  # type: ignore[no-any-return]

        yield start


def estimated(org: Organisation, day: date, *, billable_only: bool = False) -> Decimal:
    """Σ the claude_code report's estimates of ``day`` (of the actors billed per use only)."""
    billable = {a.identity for a in org.actors if org.billable(a)}
    return sum(
        (t.estimated_cents for (who, model), t in claude_code_truth(org, day).items()
         if model is not None and (who in billable or not billable_only)),
        Decimal(0),
    )  # fmt: skip


def other(org: Organisation, day: date) -> Decimal:
    """Σ the cost report's lines without a model (code execution, web search)."""
    return sum((c for _d, m, c in billed_lines(org, day) if m is None), Decimal(0))


def test_each_day_is_the_estimates_beside_the_bill_and_they_agree(engine, synced):
    """Every user pays per use: each day's estimate is the truth's, its bill the cost report's,
    split into model and other lines, and the model lines bill exactly the estimates."""
    org = synced()
    got = recon.build(engine)
    want = [
        recon.Day(d, estimated(org, d), billed_cents(org, d) - other(org, d), other(org, d),
                  billed_cents(org, d), Decimal(0))
        for d in DAY_LIST if estimated(org, d) or billed_cents(org, d)
    ]  # fmt: skip
    assert list(got.days) == want
    assert any(d.billed_other_cents for d in got.days)  # weekdays bill code execution
    assert got.total is not None
    assert got.total.estimated_cents == sum((d.estimated_cents for d in want), Decimal(0))
    assert got.total.billed_cents == sum((billed_cents(org, d) for d in DAY_LIST), Decimal(0))
    assert got.total.difference_cents == 0


def test_subscribers_estimates_are_the_difference_they_are_not_billed_per_use(engine, synced):
    """With subscribers in the claude_code report, each day's difference is minus their
    estimates: the report estimates their use, the cost report does not bill it."""
    org = synced(subscription_rows=True)
    got = {d.day: d for d in recon.build(engine).days}
    unbilled = {d: estimated(org, d) - estimated(org, d, billable_only=True) for d in DAY_LIST}
    assert any(unbilled.values())
    assert {d: row.difference_cents for d, row in got.items()} == {
        d: -unbilled[d] for d in got
    }  # fmt: skip
    assert {d: row.billed_cents for d, row in got.items()} == {
        d: billed_cents(org, d) for d in got
    }  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_range_and_no_claude_code_are_answered_as_asked(engine, synced):
    """A range keeps its days only; a store without Claude Code has no day and no total; the
    JSON says the amounts are estimates, with the caveat, in exact cent strings."""
    assert recon.build(engine).total is None
    org = synced()
    first, last = DAY_LIST[2], DAY_LIST[5]
    got = recon.build(engine, first, last)
    assert [d.day for d in got.days] == DAY_LIST[2:6]
    data = recon.to_json(got)
    assert (data["since"], data["until"], data["estimated"]) == (str(first), str(last), True)
    assert "estimate" in str(data["caveat"])
    totals = data["totals"]
    assert isinstance(totals, dict)
    assert Decimal(str(totals["billed_cents"])) == sum(
        (billed_cents(org, d) for d in DAY_LIST[2:6]), Decimal(0)
    )
