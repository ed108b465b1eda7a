"""Cursor beside the cloud on the web: the twins equal the CLI's providers, people and teams
reports field for field; the pages and a person's twin show the cloud costs they own, exactly."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview.integrations.focus import importer
from pumpview.simulator import cloud
from pumpview.simulator.roster import SCRIPT_NAME
from pumpview.timeutil import day_of
from tests.web.test_reports import cli_json

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

REPORTS = (("providers", ()), ("providers", ("--by", "service")), ("people", ()), ("teams", ()))


@pytest.fixture
def billed(site, loaded, tmp_path):
    """Cursor synced and the simulated team's cloud bill imported, over the same days."""
    browser, _first = loaded
    team = site.cursor.sim.team
    last = day_of(team.now)
    bill = cloud.write(team, tmp_path / "bill.csv", team.first_day, last)
    importer.import_file(site.web.engine, bill, source="aws", now_ms=team.now)
    return browser, team, list(cloud.rows(team, team.first_day, last))


@pytest.mark.parametrize(("kind", "flags"), REPORTS)
def test_each_spend_twin_is_the_cli_report(site, billed, capsys, db_url, kind, flags, tmp_path,
                                           monkeypatch):  # fmt: skip
    browser, team, _rows = billed
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    since, until = str(team.first_day), str(day_of(team.now))
    params = {"since": since, "until": until, **({"by": "service"} if flags else {})}
    api = browser.get(f"/api/spend/{kind}", params=params)
    assert api.status_code == 200
    cli = cli_json(capsys, db_url, "report", kind, "--since", since, "--until", until, *flags)
    assert api.json() == cli
    assert len(cli) > 1
    download = browser.get(f"/api/spend/{kind}", params={**params, "format": "csv"})
    parsed = list(csv.DictReader(io.StringIO(download.text)))
    assert parsed == [{k: "" if v is None else str(v) for k, v in row.items()} for row in cli]


def test_the_pages_show_providers_teams_and_a_persons_cloud_exactly(site, billed):
    browser, team, rows = billed
    last = day_of(team.now)
    span = {"since": str(last - timedelta(days=2)), "until": str(last)}
    owner = next(m for m in team.members if m.index % 4 == 0 and m.index % 7 and not m.is_removed)
    want: dict[str, Decimal] = {}
    for row in rows:  # their rows: tagged with their email as it is
        day = date.fromisoformat(row["ChargePeriodStart"][:10])
        tags = json.loads(row["Tags"]) if row["Tags"] else {}
        if tags.get("owner") == owner.email and day >= last - timedelta(days=2):
            want[row["ServiceName"]] = want.get(row["ServiceName"], Decimal(0)) + Decimal(
                row["EffectiveCost"]
            )
    twin = browser.get(f"/api/people/{owner.email}", params=span).json()
    assert {c["service"]: Decimal(c["effective_cost"]) for c in twin["cloud"]} == want
    assert want  # they own something in the range: an empty equality would prove nothing
    page = browser.get(f"/people/{owner.email}", params=span).text
    assert "Cloud costs they own" in page
    cloud_page = browser.get("/cloud", params=span).text
    assert "Amazon Elastic Compute Cloud" in cloud_page
    assert "Cursor AI Usage" in cloud_page
    teams_page = browser.get("/teams", params=span).text
    for name in ("Platform", "Payments", "Mobile", "Data", "untagged"):
        assert f">{name}<" in teams_page
    overview = browser.get("/api/overview", params=span).json()
    assert {p["provider"] for p in overview["providers"]} == {"AWS", "Cursor"}
    assert SCRIPT_NAME not in cloud_page + teams_page  # names are text, escaped if shown


def test_csv_downloads_show_formulas_as_text(site, tmp_path):
    """A provider named ``@SUM(1)`` and a team tag ``+cmd|calc`` from a FOCUS file come out of
    the CSV downloads with a leading quote, never as formulas; the JSON keeps them as they are."""
    team = site.cursor.sim.team
    last = day_of(team.now)
    rows = list(
        csv.DictReader(
            io.StringIO(
                cloud.write(team, tmp_path / "bill.csv", team.first_day, last).read_text("utf-8")
            )
        )
    )
    for row in rows:
        tags = json.loads(row["Tags"]) if row["Tags"] else {}
        row["ProviderName"] = "@SUM(1)"
        row["Tags"] = json.dumps({**tags, "team": "+cmd|calc"})
    hostile = tmp_path / "hostile.csv"
    with hostile.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)  # fmt: skip
    importer.import_file(site.web.engine, hostile, source="aws", now_ms=team.now)
    browser = site.signed_in()
    span = {"since": str(team.first_day), "until": str(last)}
    for kind, column, name in (
        ("providers", "provider", "@SUM(1)"),
        ("teams", "team", "+cmd|calc"),
    ):
        assert name in {r[column] for r in browser.get(f"/api/spend/{kind}", params=span).json()}
        download = browser.get(f"/api/spend/{kind}", params={**span, "format": "csv"})
        cells = {r[column] for r in csv.DictReader(io.StringIO(download.text))}
        assert "'" + name in cells, kind
        assert name not in cells, kind
