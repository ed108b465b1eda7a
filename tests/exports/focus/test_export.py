"""The FOCUS export of Cursor costs: exact against the simulator's events, read back whole by our
own importer, in plain notation, one column set per version, no email when asked, seat rows only
when configured, and the worked example (tests/focus_samples/cursor-mapping-example).
"""

from __future__ import annotations

import csv
import decimal
import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pumpview.errors import UserInputError
from pumpview.exports.focus.export import Exported, ExportRequest, export
from pumpview.exports.focus.pseudonyms import KEY_PURPOSE
from pumpview.exports.focus.writer import write_rows
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.integrations.cursor.usage_events import to_records
from pumpview.integrations.focus.importer import import_file
from pumpview.reports import usage
from pumpview.reports.scope import scope
from pumpview.reports.seats import SeatPlan
from pumpview.simulator import DEMO_KEY, DEMO_LEGACY_KEY
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.simulator.events import Event
from pumpview.store import integrations, tables
from pumpview.store.engine import open_store, snapshot
from pumpview.store.usage import Staged, replace_window
from pumpview.store.write import upsert
from pumpview.timeutil import MS_PER_DAY, Window, day_of, day_start_ms
from pumpview.vault import Vault
from tests.conftest import NOW_MS, Served

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

DAYS = 40  # 2025-10-16 .. 2025-11-24: two billing months
SAMPLE = Path(__file__).parents[2] / "focus_samples" / "cursor-mapping-example"
KEY = b"a test key"
COSTS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
FOCUS_1_2 = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountStatus", "ConsumedQuantity",
    "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SubAccountId",
    "SubAccountName", "Tags",
]  # fmt: skip
"""The FOCUS specification's column lists: the 21 mandatory columns, the recommended ones Cursor
fills, and the three kept though null (ChargeClass, InvoiceId, CommitmentDiscountStatus)."""
CUSTOM = [
    "x_CacheReadTokens", "x_CacheWriteTokens", "x_ChargedCents", "x_CostSource", "x_CursorKind",
    "x_CursorTokenFeeCents", "x_DiscountPercentOff", "x_InputTokens", "x_IsHeadless",
    "x_IsTokenBasedCall", "x_MaxMode", "x_Model", "x_ModelCostCents", "x_OutputTokens",
    "x_PrincipalId", "x_PrincipalType", "x_RequestCount", "x_RequestsCosts", "x_UserEmail",
]  # fmt: skip
HEADERS = {
    "1.2": FOCUS_1_2 + CUSTOM,
    "1.3": sorted([*FOCUS_1_2, "ServiceProviderName", "HostProviderName"]) + CUSTOM,
    "1.4": sorted(
        {*FOCUS_1_2, "ServiceProviderName", "HostProviderName"} - {"ProviderName", "PublisherName"}
    )
    + CUSTOM,
}
NUMERIC = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity",
           "PricingQuantity", "x_CacheReadTokens", "x_CacheWriteTokens", "x_ChargedCents",
           "x_CursorTokenFeeCents", "x_DiscountPercentOff", "x_InputTokens", "x_ModelCostCents",
           "x_OutputTokens", "x_RequestCount", "x_RequestsCosts")  # fmt: skip
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
WIDE = decimal.Context(prec=200, traps=[decimal.Inexact])
"""Where the tests add money: a rounding would raise."""


# -- helpers ------------------------------------------------------------------------------------


def sync(engine: Engine, served: Served, name: str = "cursor", key: str = DEMO_KEY) -> None:
    """A real sync of ``served`` over HTTP into ``engine``: the store as a user would have it."""
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": name, "team_name": "Acme", "base_url": served.url, "status": "connected",
             "connected_at_ms": NOW_MS, "backfill_days": DAYS},
        )  # fmt: skip
    with served.client(key) as http:
        CursorSync(
            engine, CursorClient(http, pacing=False), iid, now_ms=NOW_MS, backfill_days=DAYS
        ).run()


def rows_of(path: Path) -> list[dict[str, str]]:
    """A FOCUS export as text cells, CSV or Parquet (read with pyarrow, not our reader)."""
    if path.suffix == ".parquet":
        return [{k: _cell(v) for k, v in record.items()}
                for record in pq.read_table(path).to_pylist()]  # fmt: skip
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value.normalize()) if value else "0"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[attr-defined]
    return str(value)


def sums(rows: Iterable[dict[str, str]], key=lambda _r: None) -> dict[object, tuple[Decimal, ...]]:
    """Σ of the four costs per ``key(row)``."""
    out: dict[object, list[Decimal]] = {}
    with decimal.localcontext(WIDE):
        for row in rows:
            acc = out.setdefault(key(row), [Decimal(0)] * 4)
            for i, name in enumerate(COSTS):
                acc[i] += Decimal(row[name])
    return {k: tuple(v) for k, v in out.items()}


def person(row: dict[str, str]) -> str | None:
    return json.loads(row["Tags"])["cursor/userEmail"]


def list_cents(event: Event, old_api: bool) -> Decimal:
    """README "Definitions", worked from the event as the simulator made it: before discounts for
    tokens; chargedCents, or $0.04 a request unit on old payloads, for requests."""
    if "Not Charged" in event.kind:
        return Decimal(0)
    if event.token_based:
        return event.total_cents + (event.token_fee or 0)
    if old_api:
        return (event.requests_costs or Decimal(0)) * 4
    return event.charged_cents


def truth(team: Team, a: date, b: date, key=lambda _e: None) -> dict[object, tuple[Decimal, ...]]:
    """The four FOCUS costs in dollars per ``key(event)``, summed from the simulator's events."""
    old = team.config.old_api
    out: dict[object, list[Decimal]] = {}
    with decimal.localcontext(WIDE):
        for event in gt.visible_events(team, day_start_ms(a), day_start_ms(b) + MS_PER_DAY - 1):
            acc = out.setdefault(key(event), [Decimal(0)] * 4)
            cost = event.cost_cents(old)
            on_demand = cost if event.chargeable else Decimal(0)
            for i, cents in enumerate((on_demand, on_demand, list_cents(event, old), cost)):
                acc[i] += cents
        return {k: tuple(c / 100 for c in v) for k, v in out.items()}


def run_export(engine: Engine, path: Path, **request: object) -> Exported:
    fmt = "parquet" if path.suffix == ".parquet" else "csv"
    return export(engine, path, fmt, ExportRequest(**request), KEY, now_ms=NOW_MS)  # type: ignore[arg-type]


# -- against ground truth -------------------------------------------------------------------------


@pytest.mark.parametrize("old_api", [False, True], ids=["2026 payloads", "old payloads"])
def test_costs_equal_the_simulators_events_in_total_and_per_person(engine, serve, tmp_path,
                                                                   old_api):  # fmt: skip
    """Billed, effective, list and contracted over a range across a month boundary equal the sums
    worked from the simulator's events, to the last decimal, in total and per person (Tags)."""
    served = serve(days=DAYS, members=10, old_api=old_api)
    sync(engine, served, key=DEMO_LEGACY_KEY if old_api else DEMO_KEY)
    a, b = date(2025, 10, 20), date(2025, 11, 23)
    run_export(engine, tmp_path / "cursor.csv", since=a, until=b)
    rows = rows_of(tmp_path / "cursor.csv")
    team = served.sim.team
    assert sums(rows) == truth(team, a, b)
    assert sums(rows, person) == truth(team, a, b, gt.by_user)
    assert len({person(r) for r in rows}) > 5


def test_the_totals_are_the_files_sum_and_the_reports_spend(engine, serve, tmp_path):
    """The export's totals are the file's own sums; billed is the users report's on-demand and
    contracted its spend, in dollars; seat rows add their fee."""
    served = serve(days=DAYS, members=6)
    sync(engine, served)
    a, b = date(2025, 11, 1), date(2025, 11, 17)  # November's seat fees: charged on the 1st
    plan = SeatPlan(Decimal("40.5"), "Business")
    got = run_export(engine, tmp_path / "c.csv", since=a, until=b, seats=plan).totals
    bare = run_export(engine, tmp_path / "bare.csv", since=a, until=b).totals
    with snapshot(engine) as conn:
        spent = usage.total(conn, scope(conn, a, b))
    billed, effective, listed, contracted = sums(rows_of(tmp_path / "c.csv"))[None]
    assert (got.billed, got.effective, got.list, got.contracted) == (
        billed, effective, listed, contracted
    )  # fmt: skip
    with decimal.localcontext(WIDE):
        assert (bare.billed, bare.contracted) == (
            spent.on_demand_cents / 100,
            spent.spend_cents / 100,
        )
        assert got.billed - bare.billed == Decimal("40.5") * got.seat_rows > 0


def test_two_teams_are_two_billing_accounts(engine, serve, tmp_path):
    """Each Cursor team is its own BillingAccountId; --integration exports one alone."""
    one, two = serve(days=DAYS, members=5, seed=1), serve(days=DAYS, members=4, seed=2)
    sync(engine, one, "cursor")
    sync(engine, two, "cursor-eu")
    a, b = date(2025, 11, 1), date(2025, 11, 24)
    run_export(engine, tmp_path / "both.csv", since=a, until=b)
    both = rows_of(tmp_path / "both.csv")
    by_account = sums(both, lambda r: r["BillingAccountId"])
    assert by_account == {
        "cursor:team/cursor": truth(one.sim.team, a, b)[None],
        "cursor:team/cursor-eu": truth(two.sim.team, a, b)[None],
    }
    run_export(engine, tmp_path / "eu.csv", since=a, until=b, integrations=["cursor-eu"])
    assert sums(rows_of(tmp_path / "eu.csv")) == truth(two.sim.team, a, b)


# -- read back by our own importer -----------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.4"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_export_imports_back_with_the_same_totals(engine, serve, tmp_path, version, suffix):
    """Our importer reads the file whole: the same totals per currency, and the same totals per
    person from the tags it stored."""
    served = serve(days=DAYS, members=8)
    sync(engine, served)
    path = tmp_path / f"cursor{suffix}"
    run_export(engine, path, version=version, seats=SeatPlan(Decimal(40), "Business"))
    rows = rows_of(path)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        done = import_file(fresh, path, source=None, now_ms=NOW_MS)
        with fresh.connect() as conn:
            stored = conn.execute(
                select(tables.cloud_costs.c.tags, tables.cloud_costs.c.billing_currency,
                       *(tables.cloud_costs.c[c] for c in ("billed_cost", "effective_cost",
                                                           "list_cost", "contracted_cost")))
            ).all()  # fmt: skip
    finally:
        fresh.dispose()
    (billed, effective, _listed, _contracted) = sums(rows)[None]
    assert (done.rows, done.version, done.source) == (len(rows), version, "cursor")
    assert (done.billed, done.effective) == ({"USD": billed}, {"USD": effective})
    per_person: dict[object, list[Decimal]] = {}
    for tags, currency, *costs in stored:
        assert currency == "USD"
        acc = per_person.setdefault(json.loads(tags)["cursor/userEmail"], [Decimal(0)] * 4)
        for i, cost in enumerate(costs):
            acc[i] += cost
    assert {k: tuple(v) for k, v in per_person.items()} == sums(rows, person)


# -- the file's form -----------------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_each_version_has_its_column_set_and_plain_numbers(engine, serve, tmp_path, version):
    """The header is the version's column set in order; every number is plain decimal notation
    (never an exponent: FOCUS NumericFormat); instants are UTC with Z; nulls are empty fields."""
    served = serve(days=DAYS, members=6)
    sync(engine, served)
    path = tmp_path / "cursor.csv"
    run_export(engine, path, version=version, seats=SeatPlan(Decimal("4E+1")))
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0].split(",") == HEADERS[version]
    rows = rows_of(path)
    for row in rows:
        for name in NUMERIC:
            assert row[name] == "" or PLAIN_NUMBER.fullmatch(row[name]), (name, row[name])
        for name in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", row[name])
        assert row["ChargeClass"] == row["InvoiceId"] == row["CommitmentDiscountStatus"] == ""
    assert {r["BilledCost"] for r in rows if r["x_CostSource"] == "configured"} == {"40"}
    providers = {r.get(c) for r in rows for c in ("ProviderName", "PublisherName",
                 "ServiceProviderName", "HostProviderName", "InvoiceIssuerName")}  # fmt: skip
    assert providers - {None} == {"Cursor"}  # one name: not a third-party charge


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hash_emails_leaves_no_address_anywhere_and_is_stable_per_secret(engine, serve, tmp_path):
    """No member's email, in any spelling, is in the file or its metadata; the hashes are the
    same in a second export with the same secret, and differ with another secret."""
    served = serve(days=DAYS, members=10)
    sync(engine, served)
    secret = Fernet.generate_key()
    keys = (Vault(secret).derive(KEY_PURPOSE), Vault(secret).derive(KEY_PURPOSE),
            Vault(Fernet.generate_key()).derive(KEY_PURPOSE))  # fmt: skip
    plan = SeatPlan(Decimal(40), "Business")
    texts = []
    for i, key in enumerate(keys):
        path = tmp_path / f"e{i}.csv"
        export(engine, path, "csv", ExportRequest(hash_emails=True, seats=plan), key,
               now_ms=NOW_MS)  # fmt: skip
        texts.append(path.read_text() + Path(f"{path}.metadata.json").read_text())
    emails = {m.email for m in served.sim.team.members} | {
        m.event_email for m in served.sim.team.members if m.event_email
    }
    for text in texts:
        assert "@" not in text
        for email in emails:
            for spelling in (email, email.lower(), email.upper(), email.title()):
                assert spelling not in text
    first, same, other = (rows_of(tmp_path / f"e{i}.csv") for i in range(3))
    assert [person(r) for r in first] == [person(r) for r in same]
    assert {person(r) for r in first} - {None}
    assert all(p is None or p.startswith("hmac-sha256:") for p in map(person, first))
    assert {person(r) for r in first}.isdisjoint({person(r) for r in other} - {None})
    assert [r["x_UserEmail"] for r in first] == [person(r) or "" for r in first]


def test_seat_rows_only_when_configured_one_per_member_and_month(engine, serve, tmp_path):
    """Without a price no seat row; with one, a recurring row per seat-holding member (listed,
    not removed, not a free owner) and billing month whose first day the range holds (a fee is
    charged on the 1st: October's was before the range), at that price, labelled as configured
    in the row and the metadata."""
    served = serve(days=DAYS, members=12)
    sync(engine, served)
    a, b = date(2025, 10, 20), date(2025, 11, 3)
    run_export(engine, tmp_path / "bare.csv", since=a, until=b)
    assert {r["x_CostSource"] for r in rows_of(tmp_path / "bare.csv")} == {"measured"}
    assert (
        json.loads((tmp_path / "bare.csv.metadata.json").read_text())["x_PumpView"]["Seats"] is None
    )
    run_export(engine, tmp_path / "s.csv", since=a, until=b,
               seats=SeatPlan(Decimal("40.25"), "Business"))  # fmt: skip
    seats = [r for r in rows_of(tmp_path / "s.csv") if r["x_CostSource"] == "configured"]
    holders = {m.email.lower() for m in served.sim.team.members
               if m.listed and not m.is_removed and m.role != "free-owner"}  # fmt: skip
    months = ["2025-11-01T00:00:00Z"]
    assert sorted((person(r), r["ChargePeriodStart"]) for r in seats) == sorted(
        (email, month) for email in holders for month in months
    )
    assert {(r["ChargeFrequency"], r["ChargeCategory"], *(r[c] for c in COSTS)) for r in seats} == {
        ("Recurring", "Usage", "40.25", "40.25", "40.25", "40.25")
    }
    meta = json.loads((tmp_path / "s.csv.metadata.json").read_text())["x_PumpView"]
    assert meta["Seats"]["PricePerSeatMonth"] == "40.25"
    assert "configured, not measured" in meta["Seats"]["Note"]
    assert meta["Rows"] == {"Usage": len(rows_of(tmp_path / "s.csv")) - len(seats),
                            "Seat": len(seats)}  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nothing_stored_is_a_clear_error_and_writes_no_file(engine, tmp_path):
    """An empty store with an open range: nothing to export, and no file left behind."""
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserInputError, match="no usage is stored yet"):
        run_export(engine, out / "none.csv")
    assert list(out.iterdir()) == []


# -- the worked example (tests/focus_samples/cursor-mapping-example) ------------------------------

WORKED = [  # the older doc example (tests/focus_samples/README.md): no chargedCents
    {"timestamp": "1750979225854", "userEmail": "developer@company.com", "model": "claude-4-opus",
     "kind": "Usage-based", "maxMode": True, "requestsCosts": 5, "isTokenBasedCall": True,
     "tokenUsage": {"inputTokens": 126, "outputTokens": 450, "cacheWriteTokens": 6112,
                    "cacheReadTokens": 11964, "totalCents": Decimal("20.18232")},
     "cursorTokenFee": Decimal("1.18")},
    {"timestamp": "1750979173824", "userEmail": "developer@company.com", "model": "claude-4-opus",
     "kind": "Usage-based", "maxMode": True, "requestsCosts": 10, "isTokenBasedCall": True,
     "tokenUsage": {"inputTokens": 5805, "outputTokens": 311, "cacheWriteTokens": 11964,
                    "cacheReadTokens": 0, "totalCents": Decimal("40.16699999999999")},
     "cursorTokenFee": Decimal("1.18")},
    {"timestamp": "1750978339901", "userEmail": "admin@company.com",
     "model": "claude-4-sonnet-thinking", "kind": "Included in Business", "maxMode": True,
     "requestsCosts": Decimal("1.4"), "isTokenBasedCall": False, "cursorTokenFee": 0},
]  # fmt: skip
AGREE = ("BilledCost", "EffectiveCost", "BillingCurrency", "BillingPeriodStart",
         "BillingPeriodEnd", "ChargeCategory", "ChargeClass", "ChargeFrequency",
         "ChargePeriodStart", "ChargePeriodEnd", "CommitmentDiscountStatus", "ConsumedQuantity",
         "ConsumedUnit", "InvoiceId", "InvoiceIssuerName", "PricingQuantity", "PricingUnit",
         "ProviderName", "PublisherName", "ServiceCategory", "ServiceSubcategory", "SubAccountId",
         "SubAccountName", "Tags", "x_UserEmail", "x_Model", "x_CursorKind", "x_MaxMode",
         "x_IsTokenBasedCall", "x_RequestCount", "x_RequestsCosts", "x_InputTokens",
         "x_OutputTokens", "x_CacheWriteTokens", "x_CacheReadTokens", "x_ModelCostCents",
         "x_CursorTokenFeeCents")  # fmt: skip
"""The sample's columns ours must equal cell for cell (the usage rows' BilledCost and
EffectiveCost aside, checked below)."""


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_worked_example_agrees_with_the_shared_sample(engine, tmp_path):
    """The three events of the worked example, stored as a sync stores them, export
    as the shared sample does, cell for cell, but for what the sample rounded or named
    otherwise (listed here)."""
    with engine.begin() as conn:
        iid = integrations.save(conn, {"name": "acme", "team_name": "Acme Engineering",
                                       "base_url": "http://127.0.0.1:1", "status": "connected",
                                       "connected_at_ms": NOW_MS, "backfill_days": 1})  # fmt: skip
        day = day_of(1750979225854)
        staged = Staged(Window(day_start_ms(day), day_start_ms(day) + MS_PER_DAY - 1))
        staged.add(to_records(WORKED, iid))
        replace_window(conn, iid, staged, NOW_MS)
        upsert(conn, tables.cursor_members, [
            {"integration_id": iid, "email": email, "name": None, "role": "member",
             "user_id": None, "is_removed": False, "service_account_id": None,
             "listed_at_ms": NOW_MS}
            for email in ("admin@company.com", "developer@company.com")
        ], keys=("integration_id", "email"))  # fmt: skip
    run_export(
        engine,
        tmp_path / "ours.csv",
        since=day.replace(day=1),
        until=day,
        seats=SeatPlan(Decimal(40), "Business"),
    )  # June's seat fees: from the 1st
    ours = {(r["ChargeFrequency"], r["x_UserEmail"]): r for r in rows_of(tmp_path / "ours.csv")}
    sample = {(r["ChargeFrequency"], r["x_UserEmail"]): r
              for r in rows_of(SAMPLE / "cursor_focus_1_2_with_skuid.csv")}  # fmt: skip
    assert ours.keys() == sample.keys()
    for key, want in sample.items():
        got = ours[key]
        for name in AGREE:
            if name in COSTS and key[0] == "Usage-Based":
                continue
            if key[0] == "Recurring" and name == "Tags":
                assert json.loads(got[name]) == json.loads(want[name]), key
                continue
            assert (name, got[name]) == (name, want[name]), key
        if key[0] == "Recurring":
            assert [got[c] for c in ("SkuId", "SkuMeter", "ChargeDescription", *COSTS)] == [
                want[c] for c in ("SkuId", "SkuMeter", "ChargeDescription", *COSTS)
            ]
    opus = ours[("Usage-Based", "developer@company.com")]
    # The sample rounded (60.34931999999999 + 2.36) / 100 to 0.6270932; we keep every digit.
    assert [opus[c] for c in COSTS] == ["0.6270931999999999"] * 4
    included = ours[("Usage-Based", "admin@company.com")]
    # ListCost is the legacy $0.04 x 1.4 request units, as in the sample; ContractedCost is the
    # product's cost of the event (README), which an old payload without chargedCents puts at 0
    # where the sample repeated the list price.
    assert [included[c] for c in COSTS] == ["0", "0", "0.056", "0"]
    assert sample[("Usage-Based", "admin@company.com")]["ContractedCost"] == "0.056"
    # Named otherwise: our newer names for the account and the service.
    assert (opus["BillingAccountId"], opus["ServiceName"], opus["SkuId"]) == (
        "cursor:team/acme", "Cursor AI Usage", "cursor/model/claude-4-opus"
    )  # fmt: skip


def test_a_value_a_spreadsheet_would_run_is_written_as_it_is(tmp_path):
    """The FOCUS export is data for FinOps tools (README): a model name or email starting with
    ``=``, ``+``, ``-`` or ``@`` gets no quote, which would become part of the value and stop
    the file joining Cursor's own values; the people CSVs quote them (``spreadsheet.defuse``)."""
    cells = {"ChargeDescription": "=1+1", "x_Model": "=cmd|' /C calc'!A0",
             "x_UserEmail": "@dev@corp.com", "x_CursorKind": "-kind"}  # fmt: skip
    path = tmp_path / "formulas.csv"
    write_rows(path, [cells], list(cells), "csv")
    with path.open(newline="", encoding="utf-8") as file:
        assert list(csv.DictReader(file)) == [cells]
