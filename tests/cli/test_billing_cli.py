"""``pumpview billing set|show``: the stored seat price wins over ``PUMPVIEW_SEAT_PRICE`` in the
export and the reports until cleared; a bad value is one error line and stores nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pumpview.simulator import truth as gt
from pumpview.store import stored_settings
from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from tests.cli.invoke import run
from tests.cli.test_export_cli import synced  # noqa: F401 - the fixture
from tests.conftest import NOW_MS
from tests.exports.focus.test_export import rows_of

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def priced(synced, monkeypatch):  # noqa: F811 - the fixture imported above
    """The synced store, ``PUMPVIEW_SEAT_PRICE=40`` its default and the CLI's present the sync's."""
    monkeypatch.setenv("PUMPVIEW_SEAT_PRICE", "40")
    monkeypatch.setenv("PUMPVIEW_SEAT_PLAN", "Business")
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(NOW_MS).isoformat())
    return synced


def _seat_rows(capsys, tmp_path) -> set[tuple[str, str]]:
    out = tmp_path / "s.csv"
    code, _said, err = run(capsys, "export", "focus", "--out", str(out), "--since", "2025-11-01")
    assert (code, err) == (0, "")
    return {(r["BilledCost"], r["ChargeDescription"])
            for r in rows_of(out) if r["x_CostSource"] == "configured"}  # fmt: skip


def test_the_stored_seat_price_wins_over_the_environments_until_cleared(priced, capsys, tmp_path):
    assert _seat_rows(capsys, tmp_path) == {("40", "Cursor Business seat, monthly")}
    code, said, _err = run(capsys, "billing", "set", "--seat-price", "25.5", "--plan", "Team")
    assert code == 0
    assert said == (
        "Billing: seat price $25.5 per seat and cycle, plan Team, idle after 30 days; "
        "anomalies at 6 scales and $10.00 above the usual; Copilot seats $19.00 (Business), "
        "$39.00 (Enterprise) per seat and month.\n"
    )
    assert _seat_rows(capsys, tmp_path) == {("25.5", "Cursor Team seat, monthly")}
    code, said, _err = run(capsys, "report", "providers", "--by", "service", "--format", "json")
    seat_row = next(r for r in json.loads(said) if r["service"] == "Cursor")
    assert Decimal(seat_row["billed_cost"]) % Decimal("25.5") == 0
    assert run(capsys, "billing", "set", "--clear")[0] == 0
    assert _seat_rows(capsys, tmp_path) == {("40", "Cursor Business seat, monthly")}


def test_billing_show_is_the_cycles_bill_exactly(priced, capsys):
    """Seats = the roster's paid members x the price; on-demand and usage value from Cursor's
    cycle start to the present, as the simulator's ground truth has them."""
    team = priced.sim.team
    code, said, _err = run(capsys, "billing", "show", "--format", "json")
    assert code == 0
    shown = json.loads(said)
    assert shown["settings"]["seat_price"] == "40"
    assert shown["settings"]["stored"]["seat_price"] is None
    (row,) = shown["bill"]["integrations"]
    paid = [m for m in team.members if m.listed and not m.is_removed and m.role != "free-owner"]
    truth = gt.overall(team, gt.cycle_start(team), NOW_MS)
    assert Decimal(row["seats_cents"]) == 4000 * len(paid)
    assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents
    assert Decimal(row["usage_cents"]) == truth.spend_cents
    assert Decimal(row["bill_cents"]) == 4000 * len(paid) + truth.on_demand_cents
    code, table, _err = run(capsys, "billing", "show")
    assert "Seat price (USD per seat and cycle, configured): 40 (default from " in table
    assert f"{(4000 * len(paid) + truth.on_demand_cents) / 100:,.2f}" in table


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--seat-price", "-1"), "error: --seat-price: The seat price cannot be negative.\n"),
        (("--seat-price", "abc"), "error: --seat-price: The seat price must be a number"),
        (("--seat-price", "1.0000001"), "error: --seat-price: The seat price has at most 6"),
        (("--idle-days", "0"), "error: --idle-days: Idle after must be a whole number of days"),
        (("--seat-price", "10", "--idle-days", "x"), "error: --idle-days: "),
        ((), "error: nothing to set"),
        (("--clear", "--plan", "x"), "error: --clear forgets every stored billing setting"),
    ],
)
def test_a_bad_billing_value_is_one_error_line_and_stores_nothing(priced, capsys, db_url, argv,
                                                                  said):  # fmt: skip
    code, out, err = run(capsys, "billing", "set", *argv)
    assert (code, out) == (1, "")
    assert err.startswith(said)
    assert err.count("\n") == 1
    engine = open_store(db_url)
    with engine.connect() as conn:
        assert stored_settings.read(conn) == {}
    engine.dispose()


def test_the_anomaly_factor_and_floor_are_stored_checked_and_read_by_the_alert_rule(priced, capsys):
    """Stored over PUMPVIEW_ANOMALY_*; a factor of 0 or a negative floor is one error line and
    stores nothing; what is stored is what the anomaly rule judges by."""
    from pumpview.reports.billing import resolve  # noqa: PLC0415
    from pumpview.settings import load_settings  # noqa: PLC0415

    code, _said, err = run(capsys, "billing", "set", "--anomaly-factor", "0", "--plan", "X")
    assert code == 1
    assert err.strip() == (
        "error: --anomaly-factor: The anomaly factor must be a number above 0"
        " and below 1000, such as 6 or 4.5."
    )
    code, _said, err = run(capsys, "billing", "set", "--anomaly-floor", "-1")
    assert code == 1
    assert err.startswith("error: --anomaly-floor: ")
    engine = open_store(load_settings().db_url)
    with engine.connect() as conn:
        assert stored_settings.read(conn) == {}
    assert run(capsys, "billing", "set", "--anomaly-factor", "4.5", "--anomaly-floor", "25")[0] == 0
    with engine.connect() as conn:
        made = resolve(conn, load_settings().billing)
    engine.dispose()
    assert (made.anomaly_factor, made.anomaly_floor_cents) == (Decimal("4.5"), Decimal(2500))
    code, said, _err = run(capsys, "billing", "show", "--format", "json")
    settings = json.loads(said)["settings"]
    assert (settings["anomaly_factor"], settings["anomaly_floor"]) == ("4.5", "25")
    assert settings["stored"]["anomaly_floor"] == "25"
