"""``pumpview demo`` shows every billing page something (issue 20, section 6): a budget near its
threshold, one anomaly, idle seats and a reconciliation with one explained difference, each
checked against the simulator's ground truth for the team the demo builds; and it connects
Cursor, Claude Code and GitHub Copilot, Copilot's figures equal to the GitHub simulator's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pumpview.reports import budgets, reconciliation
from pumpview.reports.billing import DEFAULTS
from pumpview.simulator import SimConfig, truth
from pumpview.simulator.data import Team
from pumpview.simulator.github import GitHubConfig
from pumpview.simulator.github.data import Organisation
from pumpview.simulator.github.truth import billing_truth, login_emails
from pumpview.simulator.scenario import GAP_CENTS, SPIKE_MODEL, with_demo_cases
from pumpview.store import alerts
from pumpview.store.engine import make_engine
from pumpview.timeutil import day_of, from_ms
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT

PUMPVIEW = str(Path(sys.executable).with_name("pumpview"))
NOW = MONDAY_JUST_AFTER_MIDNIGHT
MEMBERS, DAYS = 50, 60
"""Enough history for an anomaly's baseline (28 days) and seats idle for 45 days, and quick."""


@dataclass(frozen=True)
class Demo:
    out: str
    engine: Engine
    team: Team
    """The team the demo's simulator serves (built from the same config: the same truth)."""
    env: dict[str, str]
    """The environment the demo ran in (its home, its present): for the CLI after it."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo run once at a fixed present, without serving."""
    home = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PUMPVIEW_HOME": str(home), "PUMPVIEW_NOW": from_ms(NOW).isoformat()}
    env.pop("PUMPVIEW_DATABASE_URL", None)
    env.pop("PUMPVIEW_SEAT_PRICE", None)
    done = subprocess.run(  # noqa: S603 - our own command
        [PUMPVIEW, "demo", "--members", str(MEMBERS), "--days", str(DAYS), "--no-serve"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    engine = make_engine(f"sqlite:///{home / 'pumpview.db'}")
    config = with_demo_cases(SimConfig(members=MEMBERS, days=DAYS, rate_limits=False), NOW)
    yield Demo(done.stdout, engine, Team(config), env)
    engine.dispose()


def _budget(demo: Demo, name: str) -> budgets.Status:
    (found,) = [s for s in budgets.listing(demo.engine, NOW, DEFAULTS) if s.budget.name == name]
    return found


def test_the_bill_budget_is_near_its_threshold(demo):
    """The bill's budget is at about 85 % of a whole-dollar amount, forecast within it: a
    warning; its actual is the paid seats at the demo's $40 plus the cycle's on-demand."""
    status = _budget(demo, "Cursor bill this cycle")
    assert status.state == "warning"
    assert Decimal(80) <= status.percent_used <= Decimal(86)
    assert status.budget.amount_cents % 100 == 0
    paid = sum(f.paid_seat for f in truth.member_facts(demo.team).values())
    on_demand = truth.overall(demo.team, truth.cycle_start(demo.team), NOW).on_demand_cents
    assert status.actual_cents == paid * 4000 + on_demand
    assert f"“Cursor bill this cycle” at {status.percent_used} % (warning)" in demo.out


def test_the_on_demand_budget_is_forecast_over(demo):
    status = _budget(demo, "On-demand this cycle")
    assert status.state == "forecast_over"


def test_the_alerts_tell_of_the_spike_the_budgets_and_the_idle_seats(demo):
    """One evaluation after the backfill: the spike's person on its day, explained by its model
    (the demo's Claude Code, of the same people, may have days of its own far above the usual);
    the bill budget's 80 % threshold; the on-demand forecast; the idle seats, priced."""
    with demo.engine.connect() as conn:
        made = alerts.listing(conn)
    spike = truth.spike(demo.team)
    assert spike is not None
    (anomaly,) = [
        a
        for a in made
        if a.rule == "anomaly" and a.scope == "person" and a.scope_value == spike.email.lower()
    ]  # Claude Code's days may be others
    assert anomaly.day == spike.day
    assert SPIKE_MODEL in anomaly.message
    bill = _budget(demo, "Cursor bill this cycle").budget
    assert [a.threshold for a in made if a.rule == "budget" and a.budget_id == bill.id] == [80]
    forecast = _budget(demo, "On-demand this cycle").budget
    assert [a.budget_id for a in made if a.rule == "forecast"] == [forecast.id]
    (digest,) = [a for a in made if a.rule == "idle_seats"]
    idle = sorted(m.email.lower() for m in truth.idle_members(demo.team))
    assert sorted(s["email"] for s in digest.details["seats"]) == idle
    assert digest.details["seat_cents"] == str(len(idle) * 4000)
    assert f"Alerts (/alerts): {len(made)}: " in demo.out
    assert f"Seats (/billing/seats): {len(idle)} idle of " in demo.out


def test_the_reconciliation_differs_on_the_gap_alone_with_a_cause(demo):
    """Of the members Cursor lists, only the gap's member differs, by exactly the gap, with a
    computed cause."""
    found = reconciliation.build(demo.engine, "current", NOW)
    differing = [r for r in found.rows if r.in_snapshot and r.status == reconciliation.DIFFERS]
    ((email, gap),) = truth.spend_gaps(demo.team).items()
    assert gap == GAP_CENTS
    assert [(r.email, r.usage_difference_cents, r.on_demand_difference_cents)
            for r in differing] == [(email.lower(), gap, gap)]  # fmt: skip
    assert differing[0].cause is not None
    assert "1 of " in demo.out
    assert "Cursor's usage value $12.50 higher" in demo.out


def test_copilot_is_connected_and_its_people_equal_the_github_simulators_billing(demo):
    """The demo connects Acme's Copilot and syncs it: ``report users --provider copilot`` over
    the demo's days gives each login (its work email where a seat's public email names a
    known person) exactly the GitHub simulator's billing truth: usage value the gross amount,
    billed the net, in cents, measured (not estimated)."""
    org = Organisation(GitHubConfig(members=MEMBERS, days=DAYS, now_ms=NOW))
    last = day_of(NOW)
    first = last - timedelta(days=DAYS - 1)
    want: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    day = first
    while day <= last:
        for (login, _model, _sku), line in billing_truth(org, day).items():
            want[login][0] += line.gross_amount * 100
            want[login][1] += line.net_amount * 100
        day += timedelta(days=1)
    done = subprocess.run(  # noqa: S603 - our own command
        [PUMPVIEW, "report", "users", "--provider", "copilot", "--format", "json",
         "--since", str(first), "--until", str(last)],
        env=demo.env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    logins = {email: login for login, email in login_emails(org).items()}
    got = {}
    for row in json.loads(done.stdout):
        person = row["email"]
        login = person.removeprefix("github:") if person.startswith("github:") else logins[person]
        assert row["estimated"] is False
        got[login] = [Decimal(row["usage_cents"]), Decimal(row["billed_cents"])]
    assert got == {login: sums for login, sums in want.items() if any(sums)}
    assert "connecting Acme's Copilot (acme)" in demo.out
