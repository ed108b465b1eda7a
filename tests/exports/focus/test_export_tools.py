"""The FOCUS export with Cursor, Claude Code and GitHub Copilot connected: each provider's
BilledCost equals what its simulator bills, Claude Code's estimates are EffectiveCost and never
billed, Copilot's net and gross are billed and list, the file keeps the form Cursor's has and
reads back whole, and ``provider`` exports one tool alone."""

from __future__ import annotations

import decimal
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from pumpview.errors import UserInputError
from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection as claude_code_connection
from pumpview.integrations.copilot import connection as copilot_connection
from pumpview.integrations.focus.importer import import_file
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.data import Organisation as AnthropicOrg
from pumpview.simulator.anthropic.truth import billed_cents, claude_code_truth
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.data import Organisation as GitHubOrg
from pumpview.simulator.github.truth import billing_truth, login_emails, seat_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.store import directory
from pumpview.store.engine import open_store
from pumpview.timeutil import day_of
from pumpview.vault import Vault
from tests.exports.focus.test_export import (
    HEADERS,
    NUMERIC,
    PLAIN_NUMBER,
    WIDE,
    rows_of,
    run_export,
    sums,
    sync,
    truth,
)

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z: Claude Code's and Copilot's present
DAYS = 8
TODAY = day_of(NOW)
TOOL_DAYS = [TODAY - timedelta(days=i) for i in range(DAYS)]
GITHUB_NOW = 1_780_070_400_000  # 2026-05-29T16:00:00Z: premium requests, some past the allowance
GITHUB_DAYS = [day_of(GITHUB_NOW) - timedelta(days=i) for i in range(DAYS)]
CURSOR_DAYS = 40  # test_export's backfill: 2025-10-16 .. 2025-11-24
VAULT = Vault(Fernet.generate_key())
CENTS = Decimal(100)


class Tools:
    """The three simulators whose data the store holds."""

    def __init__(self, cursor: object, anthropic: AnthropicOrg, github: GitHubOrg) -> None:
        self.cursor, self.anthropic, self.github = cursor, anthropic, github


@pytest.fixture
def tools(engine: Engine, serve: Callable[..., object]) -> Iterator[Tools]:
    """A store with a Cursor team, a Claude Code organisation and a Copilot organisation, each
    synced over HTTP from its simulator; Copilot's seat emails are people of the directory, so
    some logins resolve to them."""
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))
        cursor = serve(days=CURSOR_DAYS, members=6)
        sync(engine, cursor)  # type: ignore[arg-type]
        anthropic = create_anthropic_simulator(AnthropicConfig(
            now_ms=NOW, days=DAYS, members=12, rate_limit_per_minute=None))  # fmt: skip
        # A month of history: the allowance is spent from the 1st, so late May bills a net.
        github = create_github_simulator(GitHubConfig(now_ms=GITHUB_NOW, days=31, members=50))
        anthropic_url = stack.enter_context(serve_in_thread(anthropic))
        github_url = stack.enter_context(serve_in_thread(github))
        with engine.begin() as conn:
            directory.meet(conn, [(e, None) for e in sorted(login_emails(github.state.sim.org)
                                                            .values())],
                           origin="cursor", now_ms=NOW)  # fmt: skip
        claude_code_connection.connect(
            engine, VAULT, DEMO_ANTHROPIC_KEY, base_url=anthropic_url, team_name=None,
            name="claude-code", now_ms=NOW, pacing=False,
        )  # fmt: skip
        copilot_connection.connect(
            engine, VAULT, DEMO_GITHUB_TOKEN, org=github.state.sim.config.org,
            base_url=github_url, team_name=None, name="copilot", now_ms=GITHUB_NOW, pacing=False,
        )  # fmt: skip
        for name, now in (("claude-code", NOW), ("copilot", GITHUB_NOW)):
            runner.run_sync(engine, VAULT, name, pacing=False, backfill_days=DAYS,
                            clock=lambda now=now: now)  # fmt: skip
        yield Tools(cursor, anthropic.state.sim.org, github.state.sim.org)


def by(column: str) -> Callable[[dict[str, str]], object]:
    return lambda row: row[column]


def tags(row: dict[str, str]) -> dict[str, object]:
    return json.loads(row["Tags"])


def claude_code_estimates(org: AnthropicOrg) -> dict[tuple[str, str], Decimal]:
    """(identity, model) -> Σ estimated dollars over the tool days."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for day in TOOL_DAYS:
        for (who, model), t in claude_code_truth(org, day).items():
            if model is not None and t.estimated_cents:
                out[who, model] += t.estimated_cents / CENTS
    return dict(out)


def copilot_truth(org: GitHubOrg) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """github:<login> -> Σ (net, gross, gross quantity) over the tool days."""
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for day in GITHUB_DAYS:
        lines = billing_truth(org, day)
        with decimal.localcontext(WIDE):
            for (login, _model, _sku), line in lines.items():
                acc = out[f"github:{login}"]
                acc[0] += line.net_amount
                acc[1] += line.gross_amount
                acc[2] += line.gross_quantity
    return {k: (v[0], v[1], v[2]) for k, v in out.items() if any(v)}


# -- against ground truth -------------------------------------------------------------------------


def test_each_providers_billed_cost_is_what_its_simulator_bills(engine, tools, tmp_path):
    """BilledCost per provider: Cursor's on-demand, Anthropic's cost report, Copilot's net,
    each equal to its simulator's ground truth to the last decimal."""
    path = tmp_path / "all.csv"
    done = run_export(engine, path)
    rows = rows_of(path)
    billed = {k: v[0] for k, v in sums(rows, by("ProviderName")).items()}
    days_billed = [billed_cents(tools.anthropic, d) for d in TOOL_DAYS]
    nets = [v[0] for v in copilot_truth(tools.github).values()]
    with decimal.localcontext(WIDE):
        anthropic, github = sum(days_billed, Decimal(0)) / CENTS, sum(nets, Decimal(0))
    team = tools.cursor.sim.team  # type: ignore[attr-defined]
    cursor_truth = truth(team, date(2025, 10, 16), date(2025, 11, 24))[None]
    assert billed == {"Cursor": cursor_truth[0], "Anthropic": anthropic, "GitHub": github}
    assert anthropic > 0
    assert github > 0
    assert done.totals.billed == sum(billed.values())


def test_claude_code_estimates_are_effective_cost_per_person_and_model_never_billed(
    engine, tools, tmp_path
):
    """Claude Code's rows carry Anthropic's estimate as EffectiveCost, ListCost and
    ContractedCost, per person and model as the simulator worked it, BilledCost 0 and the
    estimated tag; the bill's rows carry BilledCost and no EffectiveCost."""
    path = tmp_path / "cc.csv"
    run_export(engine, path, provider="claude-code")
    rows = rows_of(path)
    usage = [r for r in rows if r["ServiceName"] == "Claude Code"]
    bill = [r for r in rows if r["ServiceName"] == "Anthropic API"]
    assert len(usage) + len(bill) == len(rows)
    assert usage
    assert bill
    per: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in usage:
        assert row["BilledCost"] == "0"
        assert row["x_CostSource"] == "estimated"
        assert tags(row)["anthropic/estimated"] is True
        assert row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"]
        who = row["x_UserEmail"] or f"api-key:{tags(row)['anthropic/apiKey']}"
        per[who, row["x_Model"]] += Decimal(row["EffectiveCost"])
    assert dict(per) == claude_code_estimates(tools.anthropic)
    for row in bill:
        assert row["EffectiveCost"] == "0"
        assert row["x_CostSource"] == "billed"
        assert row["BilledCost"] == row["ListCost"] == row["ContractedCost"]
        assert tags(row)["anthropic/costReportLine"] == row["ChargeDescription"]
    day_bill: dict[str, Decimal] = defaultdict(Decimal)
    for row in bill:
        day_bill[row["ChargePeriodStart"][:10]] += Decimal(row["BilledCost"])
    assert day_bill == {d.isoformat(): billed_cents(tools.anthropic, d) / CENTS
                        for d in TOOL_DAYS if billed_cents(tools.anthropic, d)}  # fmt: skip


def test_copilot_rows_bill_the_net_list_the_gross_and_name_aliased_logins_by_email(
    engine, tools, tmp_path
):
    """Copilot's rows: BilledCost = EffectiveCost = net, ListCost = ContractedCost = gross,
    the quantity GitHub's gross quantity, per login; a login aliased to a person is that
    person's email, any other stays github:<login>."""
    path = tmp_path / "copilot.csv"
    run_export(engine, path, provider="copilot")
    rows = rows_of(path)
    emails = {f"github:{u.login.lower()}": u.public_email.lower()
              for u in tools.github.users if u.public_email}  # fmt: skip
    back = {email: login for login, email in emails.items()}
    per: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        assert row["ProviderName"] == row["InvoiceIssuerName"] == "GitHub"
        assert row["BilledCost"] == row["EffectiveCost"]
        assert row["ListCost"] == row["ContractedCost"]
        assert row["PricingQuantity"] == row["ConsumedQuantity"]
        who = row["x_UserEmail"]
        assert tags(row)["github/user"] == who
        acc = per[back.get(who, who)]
        for i, name in enumerate(("BilledCost", "ListCost", "PricingQuantity")):
            acc[i] += Decimal(row[name])
    assert {k: tuple(v) for k, v in per.items()} == copilot_truth(tools.github)
    named = {r["x_UserEmail"] for r in rows if not r["x_UserEmail"].startswith("github:")}
    assert named
    assert named <= set(emails.values())


def test_copilot_seats_are_monthly_rows_at_their_plans_configured_price(engine, tools, tmp_path):
    """Over a range holding May's first day, every seat holder has one recurring seat row for
    May at their plan's configured price (Business's for a seat without a plan), in all four
    costs, named like their usage rows; without prices, no seat rows."""
    prices = CopilotPrices(Decimal("19.00"), Decimal("39.00"))
    path = tmp_path / "seats.csv"
    since, until = date(2026, 5, 1), day_of(GITHUB_NOW)
    done = run_export(engine, path, provider="copilot", since=since, until=until,
                      copilot_prices=prices)  # fmt: skip
    seats = [r for r in rows_of(path) if r["ChargeFrequency"] == "Recurring"]
    known = set(login_emails(tools.github).values())  # the directory's people (the fixture's)
    emails = {f"github:{u.login.lower()}": u.public_email.lower() for u in tools.github.users
              if u.public_email and u.public_email.lower() in known}  # fmt: skip
    want = {
        emails.get(f"github:{s.user.login.lower()}", f"github:{s.user.login.lower()}"):
            Decimal("39.00") if s.plan_type == "enterprise" else Decimal("19.00")
        for s in seat_truth(tools.github) if s.user is not None
    }  # fmt: skip
    assert {r["x_UserEmail"]: Decimal(r["BilledCost"]) for r in seats} == want
    assert len(seats) == len(want)
    for row in seats:
        assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"]
        assert row["ChargePeriodStart"].startswith("2026-05-01")
        assert row["ChargePeriodEnd"].startswith("2026-06-01")
        assert row["x_CostSource"] == "configured"
    assert done.totals.seat_rows == len(want)
    run_export(engine, tmp_path / "none.csv", provider="copilot", since=since, until=until)
    assert not [r for r in rows_of(tmp_path / "none.csv") if r["ChargeFrequency"] == "Recurring"]


# -- the file's form ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_a_file_with_three_tools_keeps_cursors_form(engine, tools, tmp_path, version):
    """The header is the version's column set; numbers are plain, instants UTC days, tags
    JSON objects of scalars; every usage row has its quantities; each row's provider is its
    invoice issuer (not a third-party charge)."""
    path = tmp_path / "all.csv"
    run_export(engine, path, version=version)
    assert path.read_text(encoding="utf-8").splitlines()[0].split(",") == HEADERS[version]
    rows = rows_of(path)
    names = set()
    for row in rows:
        for name in NUMERIC:
            assert row[name] == "" or PLAIN_NUMBER.fullmatch(row[name]), (name, row[name])
        for name in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", row[name])
        assert row["ChargeCategory"] == "Usage"
        assert row["PricingQuantity"]
        assert row["PricingUnit"]
        assert row["ConsumedQuantity"]
        assert all(not isinstance(v, dict | list) for v in tags(row).values())
        names_here = ("ProviderName", "PublisherName", "ServiceProviderName",
                      "HostProviderName", "InvoiceIssuerName")  # fmt: skip
        providers = {row.get(c) for c in names_here} - {None}
        assert len(providers) == 1
        names |= providers
    assert names == {"Cursor", "Anthropic", "GitHub"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_with_three_tools_imports_back_with_the_same_totals(engine, tools, tmp_path, suffix):
    """Our FOCUS importer reads the three tools' file whole: every row, the same billed and
    effective totals."""
    path = tmp_path / f"all{suffix}"
    run_export(engine, path, version="1.4")
    rows = rows_of(path)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        done = import_file(fresh, path, source=None, now_ms=NOW)
    finally:
        fresh.dispose()
    billed, effective, _listed, _contracted = sums(rows)[None]
    assert done.rows == len(rows)
    assert (done.billed, done.effective) == ({"USD": billed}, {"USD": effective})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hash_emails_hides_github_logins_as_it_hides_emails(engine, tools, tmp_path):
    """With hash_emails no email and no github:<login> is in the file."""
    path = tmp_path / "hashed.csv"
    run_export(engine, path, hash_emails=True, provider="copilot")
    text = path.read_text(encoding="utf-8").lower()
    assert "@" not in text
    assert not any(f"github:{u.login.lower()}" in text for u in tools.github.users)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_provider_filter_exports_one_tool_alone(engine, tools, tmp_path):
    """``provider`` narrows the file to that tool's rows; cursor's equal the whole file's."""
    run_export(engine, tmp_path / "all.csv")
    whole = sums(rows_of(tmp_path / "all.csv"), by("ProviderName"))
    for provider, name in (("cursor", "Cursor"), ("claude-code", "Anthropic"),
                           ("copilot", "GitHub")):  # fmt: skip
        path = tmp_path / f"{provider}.csv"
        run_export(engine, path, provider=provider)
        assert sums(rows_of(path), by("ProviderName")) == {name: whole[name]}


def test_cursor_alone_is_unchanged_by_the_other_tools(engine, tools, tmp_path):
    """Cursor's rows with two more tools connected sum as before (the simulator's truth)."""
    a, b = date(2025, 11, 1), date(2025, 11, 20)
    run_export(engine, tmp_path / "c.csv", since=a, until=b)
    rows = rows_of(tmp_path / "c.csv")
    assert {r["ProviderName"] for r in rows} == {"Cursor"}
    assert sums(rows) == truth(tools.cursor.sim.team, a, b)  # type: ignore[attr-defined]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unknown_provider_is_a_clear_error_and_writes_no_file(engine, tmp_path):
    """``provider`` names one of the tools, or the error lists them; nothing is written."""
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserInputError, match="unknown provider 'gemini'; available: cursor, "):
        run_export(engine, out / "x.csv", provider="gemini")
    assert list(out.iterdir()) == []
