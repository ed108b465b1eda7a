"""Billing → Reconciliation and its JSON twin, the CLI's reconciliation report, and Cursor's
spending limits on People and a person's page."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from pumpview.cli import main
from pumpview.money import loads
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_of, from_ms
from tests.web.conftest import VIEWER
from tests.web.test_reports import cli_json

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

CONTRACT = ("email", "cursor_on_demand_cents", "on_demand_cents", "on_demand_difference_cents",
            "cursor_usage_cents", "usage_cents", "usage_difference_cents", "status",
            "cause")  # fmt: skip


def _cursor_spend(site) -> dict[str, dict[str, object]]:
    """What the simulator's /teams/spend says now, by email: Cursor's own word."""
    with site.cursor.client() as http:
        answer = http.post("/teams/spend", json={"pageSize": 1000})
    rows = loads(answer.text)["teamMemberSpend"]  # exact: float cents as Decimal
    return {row["email"].lower(): row for row in rows}


def test_the_api_is_the_cli_report_and_cursors_figures_are_cursors(
    site, loaded, capsys, db_url, tmp_path, monkeypatch
):
    """Every row of ``/api/reconciliation?cycle=current`` equals ``pumpview report
    reconciliation --format json`` field for field (CSV too); Cursor's figures are what its
    spend endpoint says, Pump View's the visible events of [cycle start, the snapshot)."""
    _browser, _first = loaded
    browser = site.signed_in(VIEWER)  # viewers see it
    team = site.cursor.sim.team
    api = browser.get("/api/reconciliation", params={"cycle": "current"})
    assert api.status_code == 200, api.text
    body = api.json()
    totals = browser.get("/api/reconciliation/totals", params={"cycle": "current"}).json()
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(team.now).isoformat())
    cli = cli_json(capsys, db_url, "report", "reconciliation", "--cycle", "current")
    assert cli
    assert body == cli  # a list of rows, as the contract and every report's JSON
    assert all(set(CONTRACT) <= set(row) for row in cli)
    start = gt.cycle_start(team)
    (side,) = totals["integrations"]
    assert (side["cycle_start_ms"], side["snapshot_taken_at_ms"]) == (start, team.now)
    cursor = _cursor_spend(site)
    ours = gt.totals(team, start, team.now - 1, gt.by_user)
    for row in cli:
        if row["email"] in cursor:
            said = cursor[row["email"]]
            assert Decimal(row["cursor_on_demand_cents"]) == said["spendCents"]
            assert Decimal(row["cursor_usage_cents"]) == said["overallSpendCents"]
        mine = ours.get(row["email"], gt.Totals())
        assert Decimal(row["usage_cents"]) == mine.spend_cents
        assert Decimal(row["on_demand_cents"]) == mine.on_demand_cents
    download = browser.get("/api/reconciliation", params={"format": "csv"})
    parsed = list(csv.DictReader(io.StringIO(download.text)))
    assert parsed == [{k: "" if v is None else str(v) for k, v in row.items()} for row in cli]


def test_the_page_says_the_cycle_and_the_snapshot_as_a_sentence(site, loaded):
    """With one Cursor team, the line above the totals is a sentence: "Cycle from ... to ..."."""
    browser, _first = loaded
    page = " ".join(browser.get("/billing/reconciliation").text.split())
    assert '<p class="hint">Cycle from ' in page


def test_an_unknown_cycle_is_a_404_and_a_malformed_one_a_400(site, loaded):
    browser, _first = loaded
    unknown = browser.get("/api/reconciliation", params={"cycle": "2020-01-01"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert "2026-12-01" in unknown.json()["message"]  # the cycles there are
    bad = browser.get("/api/reconciliation", params={"cycle": "last"})
    assert (bad.status_code, bad.json()["error"]) == (400, "bad_request")
    page = browser.get("/billing/reconciliation", params={"cycle": "2026-12-01"})
    assert page.status_code == 200
    assert "Reconciliation with Cursor" in page.text
    assert 'value="2026-12-01" selected' in page.text


def test_people_show_the_cursor_limit_used_this_cycle(site, loaded):
    """Each person's limit is Cursor's ``effectivePerUserLimitDollars``; the on-demand used is
    the events' of the current cycle; % used = on-demand / limit, to a hundredth; the
    ``limit_used`` filter keeps exactly those at or above it; a person's page says the same."""
    browser, first = loaded
    team = site.cursor.sim.team
    people = browser.get("/api/people", params={"since": first}).json()
    cursor = _cursor_spend(site)
    used = gt.totals(team, gt.cycle_start(team), team.now, gt.by_user)
    percents: dict[str, Decimal] = {}
    for row in people:
        if row["email"] not in cursor:
            assert row["limit_dollars"] is None
            continue
        limit = Decimal(cursor[row["email"]]["effectivePerUserLimitDollars"])
        spent = used.get(row["email"], gt.Totals()).on_demand_cents
        assert Decimal(row["limit_dollars"]) == limit
        assert Decimal(row["limit_on_demand_cents"]) == spent
        percent = (spent / limit).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        assert Decimal(row["limit_used_percent"]) == percent
        assert row["limit_cycle"] == str(day_of(gt.cycle_start(team)))
        percents[row["email"]] = percent
    assert any(percents.values()), "someone has on-demand this cycle"
    threshold = int(max(percents.values()))
    near = browser.get("/api/people", params={"since": first, "limit_used": threshold}).json()
    assert {r["email"] for r in near} == {e for e, p in percents.items() if p >= threshold}
    who = max(percents, key=lambda e: percents[e])
    person = browser.get(f"/api/people/{who}").json()
    assert person["limit"] == {k: v for k, v in next(r for r in people if r["email"] == who).items()
                               if k.startswith("limit") or k.endswith("limit_dollars")}  # fmt: skip
    page = browser.get("/people", params={"since": first, "limit_used": threshold})
    assert "Cursor spending limit" in page.text


def test_the_cli_says_what_is_wrong_in_one_line(site, loaded, capsys, db_url):
    """An unknown cycle names the cycles there are; ``--cycle`` elsewhere and a range for the
    reconciliation are refused; each an ``error:`` line and a non-zero exit, no traceback."""
    for argv, said in (
        (("reconciliation", "--cycle", "2020-01-01"), "cycles with one: 2026-12-01"),
        (("reconciliation", "--since", "2026-12-01"), "use --cycle"),
        (("users", "--cycle", "current"), "--cycle is for the reconciliation report"),
    ):
        with pytest.raises(SystemExit) as done:
            main(["--db", db_url, "report", *argv])
        _out, err = capsys.readouterr()
        assert done.value.code not in (0, None)
        assert err.startswith("error: ")
        assert said in err
        assert "Traceback" not in err
