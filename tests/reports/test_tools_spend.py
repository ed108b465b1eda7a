"""Every AI tool in the spend reports and the bill: Cursor, Claude Code and GitHub Copilot synced
into one store from their simulators over real HTTP, on SQLite and PostgreSQL. The providers
report, the bill, the people and teams rows and an ``all`` budget equal the simulators' ground
truths exactly; Copilot's seat fees are worked by hand from the seats' truth and the plan
prices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection as claude_connection
from pumpview.integrations.copilot import connection as copilot_connection
from pumpview.reports import bill, billing, budgets, copilot_seats, providers, spend
from pumpview.reports.billing import Billing
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import billed_cents, claude_code_truth
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.truth import billing_truth, login_emails, seat_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.simulator.truth import overall
from pumpview.store import budgets as budget_store
from pumpview.store import directory, stored_settings, tables
from pumpview.store.engine import snapshot
from pumpview.timeutil import day_start_ms
from pumpview.vault import Vault
from tests.conftest import sync_served

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z
DAYS = 8  # 2026-11-30 .. 2026-12-07: December's first day is in the range
MEMBERS = 12
TODAY = date(2026, 12, 7)
FIRST = TODAY - timedelta(days=DAYS - 1)
DECEMBER = date(2026, 12, 1)
PRICES = CopilotPrices(Decimal("19.00"), Decimal("39.00"))
CENTS = Decimal(100)


@dataclass(frozen=True)
class Truth:
    """Each tool's figures per day, in cents, from the simulators alone."""

    cursor_on_demand: Decimal
    cursor_on_demand_december: Decimal
    claude: dict[date, dict[str, Decimal]]
    """Day -> identity -> Anthropic's estimate."""
    claude_billed: dict[date, Decimal]
    """Day -> the cost report's total."""
    copilot_net: dict[date, dict[str, Decimal]]
    """Day -> person key -> GitHub's net amount."""
    copilot_gross: Decimal
    seats_cents: Decimal
    """December's Copilot seats at ``PRICES``, by hand: one seat per login, Enterprise's price,
    Business's for the seat whose plan is not given."""
    seats: int
    emails: dict[str, str]
    """Person key ``github:<login>`` -> the person's Cursor email."""

    def claude_total(self, first: date = FIRST) -> Decimal:
        return sum((sum(d.values(), Decimal(0)) for day, d in self.claude.items()
                    if day >= first), Decimal(0))  # fmt: skip

    def copilot_total(self, first: date = FIRST) -> Decimal:
        return sum((sum(d.values(), Decimal(0)) for day, d in self.copilot_net.items()
                    if day >= first), Decimal(0))  # fmt: skip


@pytest.fixture
def tools(engine: Engine, serve) -> Truth:
    """Cursor, Claude Code and Copilot (Enterprise) of one organisation synced over the same
    days, each login tied to its person by the alias ``github:<login>``."""
    cursor = serve(now_ms=NOW, days=DAYS, members=MEMBERS)
    sync_served(engine, cursor, days=DAYS, now_ms=NOW)
    anthropic = create_anthropic_simulator(
        AnthropicConfig(now_ms=NOW, days=DAYS, members=MEMBERS, rate_limit_per_minute=None)
    )
    github = create_github_simulator(
        GitHubConfig(now_ms=NOW, days=DAYS, members=MEMBERS, plan="enterprise")
    )
    vault = Vault(Fernet.generate_key())
    with (
        stamina.set_testing(True, attempts=100, cap=True),
        serve_in_thread(anthropic) as claude_url,
        serve_in_thread(github) as github_url,
    ):
        claude_connection.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=claude_url,
                                  team_name=None, now_ms=NOW, pacing=False)  # fmt: skip
        copilot_connection.connect(engine, vault, DEMO_GITHUB_TOKEN, org="acme",
                                   base_url=github_url, team_name=None, name="copilot",
                                   now_ms=NOW, pacing=False)  # fmt: skip
        for name in ("claude-code", "copilot"):
            runner.run_sync(engine, vault, name, pacing=False, backfill_days=DAYS,
                            clock=lambda: NOW)  # fmt: skip
    org, team = github.state.sim.org, cursor.sim.team
    emails = {f"github:{login}": email for login, email in login_emails(org).items()}
    aliases = tables.person_aliases
    with engine.begin() as conn:
        for key, email in emails.items():
            person = conn.execute(
                select(aliases.c.person_id).where(aliases.c.alias == email.lower())
            ).scalar()
            assert person is not None, email
            directory.add_aliases(conn, int(person), [key], "test")
    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    claude: dict[date, dict[str, Decimal]] = {}
    for day in days:
        per: dict[str, Decimal] = defaultdict(Decimal)
        for (who, model), t in claude_code_truth(anthropic.state.sim.org, day).items():
            if model is not None:
                per[who] += t.estimated_cents
        claude[day] = dict(per)
    net: dict[date, dict[str, Decimal]] = {}
    gross = Decimal(0)
    for day in days:
        per = defaultdict(Decimal)
        for (login, _model, _sku), line in billing_truth(org, day).items():
            per[f"github:{login}"] += line.net_amount * CENTS
            gross += line.gross_amount * CENTS
        net[day] = dict(per)
    plans = {s.user.login.lower(): s.plan_type for s in seat_truth(org) if s.user is not None}
    seats_cents = (
        sum(
            (Decimal(39) if plan == "enterprise" else Decimal(19) for plan in plans.values()),
            Decimal(0),
        )
        * CENTS
    )
    assert None in plans.values()  # one seat without a plan: Business's price
    on_demand = overall(team, day_start_ms(FIRST), NOW).on_demand_cents
    december = overall(team, day_start_ms(DECEMBER), NOW).on_demand_cents
    return Truth(on_demand, december, claude,
                 {d: billed_cents(anthropic.state.sim.org, d) for d in days}, net, gross,
                 seats_cents, len(plans), emails)  # fmt: skip


def test_each_tool_is_a_provider_summed_over_its_own_integrations(engine, tools):
    rows = spend.run(engine, "providers", FIRST, TODAY, copilot=PRICES)
    mine = {
        r.provider: r for r in rows if r.provider in ("Cursor", "Claude Code", "GitHub Copilot")
    }
    assert mine["Cursor"].billed_cost == tools.cursor_on_demand / CENTS  # as before: on-demand
    assert mine["Cursor"].estimated is False
    claude = mine["Claude Code"]
    assert claude.billed_cost == claude.effective_cost == claude.list_cost
    assert claude.billed_cost == tools.claude_total() / CENTS
    assert claude.estimated is True
    copilot = mine["GitHub Copilot"]
    assert copilot.billed_cost == (tools.copilot_total() + tools.seats_cents) / CENTS
    assert copilot.list_cost == (tools.copilot_gross + tools.seats_cents) / CENTS
    assert copilot.estimated is False
    by_service = {
        (r.provider, r.service): r.billed_cost
        for r in spend.run(engine, "providers", FIRST, TODAY, by_service=True, copilot=PRICES)
    }
    assert by_service["GitHub Copilot", "GitHub Copilot Seats"] == tools.seats_cents / CENTS
    assert by_service["GitHub Copilot", "GitHub Copilot Usage"] == tools.copilot_total() / CENTS
    assert by_service["Claude Code", "Claude Code"] == tools.claude_total() / CENTS


def test_each_tools_days_are_its_billed_usage(engine, tools):
    with snapshot(engine) as conn:
        where = spend.scope(conn, FIRST, TODAY)
        assert where is not None
        days = providers.provider_days(conn, where)
    per: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for d in days:
        per[d.key, d.date] += d.cents
    for day in tools.claude:
        assert per["Claude Code", day] == sum(tools.claude[day].values(), Decimal(0))
        assert per["GitHub Copilot", day] == sum(tools.copilot_net[day].values(), Decimal(0))
    assert sum(v for (s, _d), v in per.items() if s == "Cursor") == tools.cursor_on_demand


def test_copilot_seat_fees_by_plan_and_month(engine, tools):
    with snapshot(engine) as conn:
        (iid,) = conn.execute(
            select(tables.integrations.c.id).where(tables.integrations.c.provider == "copilot")
        ).scalars()
        december = copilot_seats.seat_fees(conn, [iid], FIRST, TODAY, PRICES)
        november = copilot_seats.seat_fees(conn, [iid], FIRST, FIRST, PRICES)
        dearer = copilot_seats.seat_fees(
            conn, [iid], FIRST, TODAY, replace(PRICES, enterprise=Decimal("45.50"))
        )
    assert november == []  # no month's first day in a range of November 30 alone
    assert {f.month for f in december} == {DECEMBER}
    assert len(december) == tools.seats
    assert copilot_seats.total_cents(december) == tools.seats_cents
    (unknown,) = [f for f in december if f.assumed]
    assert (unknown.plan, unknown.fee) == ("unknown", Decimal("19.00"))
    assert all(f.plan == "enterprise" and f.fee == Decimal("39.00") for f in december
               if not f.assumed)  # fmt: skip
    assert (
        copilot_seats.total_cents(dearer)
        == (Decimal("19.00") + Decimal("45.50") * (tools.seats - 1)) * CENTS
    )


def test_the_bill_has_a_line_per_tool_and_their_total(engine, tools):
    with snapshot(engine) as conn:
        bills = bill.currents(conn, None, NOW, Billing())
    assert [b.name for b in bills.bills] == ["cursor"]
    lines = {t.provider: t for t in bills.tools}
    copilot, claude = lines["copilot"], lines["claude-code"]
    assert (copilot.first_day, copilot.last_day) == (DECEMBER, TODAY)
    assert copilot.seats == tools.seats
    assert copilot.assumed_seats == 1
    assert copilot.seats_cents == tools.seats_cents
    assert copilot.billed_cents == tools.copilot_total(DECEMBER)
    assert copilot.bill_cents == tools.seats_cents + tools.copilot_total(DECEMBER)
    assert copilot.provider_cents == tools.copilot_total(DECEMBER)  # the org's net lines
    assert claude.seats_cents == 0
    assert claude.bill_cents == claude.billed_cents == tools.claude_total(DECEMBER)
    assert claude.estimated is True
    assert claude.provider_cents == sum(
        (cents for day, cents in tools.claude_billed.items() if day >= DECEMBER), Decimal(0)
    )
    # No Cursor seat price: Cursor's part of the total is its on-demand.
    assert bills.all_cents == (bills.usage.on_demand_cents + copilot.bill_cents + claude.bill_cents)
    assert bills.estimated is True
    data = bill.as_json(bills)
    assert [t["provider"] for t in data["tools"]] == ["claude-code", "copilot"]
    assert Decimal(data["all_tools"]["bill_cents"]) == bills.all_cents
    assert data["all_tools"]["estimated"] is True


def test_people_and_teams_have_each_tools_amounts(engine, tools):
    people = spend.run(engine, "people", FIRST, TODAY, copilot=PRICES)
    usd = [r for r in people if r.currency == "USD"]
    assert sum((r.claude_code_usage_cents for r in usd), Decimal(0)) == tools.claude_total()
    assert sum((r.copilot_billed_cents for r in usd), Decimal(0)) == tools.copilot_total()
    assert sum((r.copilot_usage_cents for r in usd), Decimal(0)) == tools.copilot_gross
    assert sum((r.copilot_seats_cents for r in usd), Decimal(0)) == tools.seats_cents
    assert sum((r.cursor_on_demand_cents for r in usd), Decimal(0)) == tools.cursor_on_demand
    by_email = {r.email: r for r in usd}
    net: dict[str, Decimal] = defaultdict(Decimal)
    for per in tools.copilot_net.values():
        for key, cents in per.items():
            net[tools.emails.get(key, key)] += cents
    for email, cents in net.items():
        if email in by_email:  # a Copilot login is its person's row, by the alias
            assert by_email[email].copilot_billed_cents == cents
    linked = [e for e in net if e in by_email and by_email[e].cursor_spend_cents]
    assert linked  # people with Copilot and Cursor are one row
    for row in usd:
        assert row.ai_billed_cents == (
            row.cursor_billed_cents + row.claude_code_usage_cents + row.copilot_billed_cents
            + row.copilot_seats_cents
        )  # fmt: skip
        assert row.claude_code_estimated is (row.claude_code_usage_cents != 0)
    teams = spend.run(engine, "teams", FIRST, TODAY, copilot=PRICES)
    total = sum((t.ai_billed_cents for t in teams if t.currency == "USD"), Decimal(0))
    assert total == (
        tools.cursor_on_demand + tools.claude_total() + tools.copilot_total() + tools.seats_cents
    )
    assert set(spend.COLUMNS["people"]) >= set(spend.TOOLS)


def test_a_budget_of_all_tools_counts_each_tools_truth(engine, tools):
    with engine.begin() as conn:
        made = {
            name: budget_store.add(conn, {"name": name, "scope": "organization",
                                          "provider": provider, "period": "month",
                                          "measure": measure, "amount_cents": "100000"}, NOW)
            for name, provider, measure in (("AI", "all", "on_demand"),
                                            ("AI bill", "all", "bill"),
                                            ("Cursor", "cursor", "on_demand"))
        }  # fmt: skip
        usage, billed, cursor = made["AI"], made["AI bill"], made["Cursor"]
    with snapshot(engine) as conn:
        statuses = {s.budget.id: s for s in budgets.statuses(conn, NOW, Billing())}
    every = (
        tools.cursor_on_demand_december + tools.claude_total(DECEMBER)
        + tools.copilot_total(DECEMBER)
    )  # fmt: skip
    assert statuses[usage.id].actual_cents == every
    assert statuses[billed.id].actual_cents == every + tools.seats_cents
    assert statuses[billed.id].seats_cents == tools.seats_cents  # no Cursor seat price set
    assert statuses[cursor.id].actual_cents == tools.cursor_on_demand_december


def test_copilot_prices_are_checked_and_stored_over_the_defaults(engine):
    """Business $19 and Enterprise $39 by default; a stored price wins; a bad one is refused
    with one clear line and nothing stored."""
    with snapshot(engine) as conn:
        assert billing.resolve(conn, Billing()).copilot == PRICES
    changes, errors = billing.check({billing.COPILOT_ENTERPRISE: "-1"})
    assert changes == {}
    assert errors == {billing.COPILOT_ENTERPRISE: "The Copilot Enterprise seat price cannot be "
                                                  "negative."}  # fmt: skip
    changes, errors = billing.check({billing.COPILOT_BUSINESS: "21.5"})
    assert errors == {}
    with engine.begin() as conn:
        stored_settings.write(conn, changes, NOW)
    with snapshot(engine) as conn:
        made = billing.resolve(conn, Billing())
        shown = billing.as_json(billing.choices(conn, Billing()))
    assert made.copilot == CopilotPrices(Decimal("21.5"), Decimal("39.00"))
    assert (shown[billing.COPILOT_BUSINESS], shown[billing.COPILOT_ENTERPRISE]) == ("21.5", "39.00")
