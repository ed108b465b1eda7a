"""Billing → Seats and People → By model on the web: ``/api/seats`` is ``pumpview report seats``
field for field, the CSV its rows, the page its summary; the person x model twin equals the
simulator's ground truth to the cent."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert

from pumpview.reports import seat_use
from pumpview.reports.usage import UNATTRIBUTED_NAME
from pumpview.simulator import truth as gt
from pumpview.simulator.roster import SCRIPT_NAME
from pumpview.store import stored_settings, tables
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, from_ms
from tests.web.conftest import VIEWER
from tests.web.test_reports import cli_json

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


def _seed_idle_member(site, email: str = "day-one@acme.dev") -> None:
    """A paid member the install's first roster listed, with no events."""
    with site.web.engine.begin() as conn:
        listed = conn.execute(tables.cursor_members.select()).first().first_listed_at_ms
        conn.execute(insert(tables.cursor_members).values(
            integration_id=1, email=email, name="Day One", role="member", is_removed=False,
            listed_at_ms=listed, first_listed_at_ms=listed))  # fmt: skip


def test_the_seats_twin_is_the_cli_report_and_its_csv(site, loaded, capsys, db_url, tmp_path,
                                                       monkeypatch):  # fmt: skip
    """With a stored seat price and threshold: the same rows from ``/api/seats`` and from
    ``pumpview report seats --format json``, in the contract's fields; the member listed on the
    install's first day with no events is idle since the first day Cursor had data; the CSV
    carries the same values."""
    browser, _first = loaded
    team = site.cursor.sim.team
    _seed_idle_member(site)
    with site.web.engine.begin() as conn:
        stored_settings.write(conn, {"seat_price": "40.25", "idle_days": "1"}, team.now)
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(team.now).isoformat())
    api = browser.get("/api/seats")
    assert api.status_code == 200
    cli = cli_json(capsys, db_url, "report", "seats")
    assert api.json() == cli
    assert [list(row) for row in cli] == [list(seat_use.COLUMNS)] * len(cli)
    today = day_of(team.now)
    covered = min(day_of(e.timestamp) for e in gt.visible_events(team, 0, team.now))
    idle = (today - covered).days
    assert cli[0] == {"email": "day-one@acme.dev", "name": "Day One", "integration": "cursor",
                      "last_active": None, "idle_days": idle, "idle": idle > 1,
                      "seat_cents": "4025", "started": str(covered)}  # fmt: skip
    paid = {m.email for m in team.members
            if m.listed and not m.is_removed and m.role != "free-owner"}  # fmt: skip
    assert {row["email"] for row in cli} == paid | {"day-one@acme.dev"}
    download = browser.get("/api/seats", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(download.text)))
    assert [{k: r[k] for k in seat_use.COLUMNS} for r in parsed] == [
        {k: "" if v is None else str(v) for k, v in row.items()} for row in cli
    ]
    assert {r["seat_usd"] for r in parsed} == {"40.25"}  # then the price in dollars


def test_the_seats_page_sums_the_idle_seats_and_says_when_no_price_is_set(site, loaded):
    """The summary counts paid and idle seats and the idle ones' cost at the configured price;
    names are text; with no price, it says so and links an admin to Settings → Billing (a
    viewer is told an admin sets it); an unknown integration is a clear 400."""
    browser, _first = loaded
    team = site.cursor.sim.team
    _seed_idle_member(site)
    _seed_idle_member(site, "day-one-too@acme.dev")
    with site.web.engine.begin() as conn:
        stored_settings.write(conn, {"seat_price": "40.25", "idle_days": "1"}, team.now)
    rows = browser.get("/api/seats").json()
    idle = [r for r in rows if r["idle"]]
    assert len(idle) >= 2
    page = browser.get("/billing/seats")
    assert page.status_code == 200
    main = page.text.split("<main>")[1]
    assert f"<span>Paid seats</span><strong>{len(rows)}</strong>" in main
    assert f"<span>Idle seats</span><strong>{len(idle)}</strong>" in main
    assert f"<strong>${Decimal('40.25') * len(idle):,.2f}</strong>" in main
    assert main.count('<span class="tag idle">idle</span>') == len(idle)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main
    assert "<script>alert" not in main
    assert SCRIPT_NAME in {r["name"] for r in rows}
    with site.web.engine.begin() as conn:
        stored_settings.write(conn, {"seat_price": None}, team.now)
    assert {r["seat_cents"] for r in browser.get("/api/seats").json()} == {None}
    main = browser.get("/billing/seats").text.split("<main>")[1]
    assert "not set" in main
    assert '<a href="/settings/billing">set the seat price in Settings → Billing</a>' in main
    viewer = site.signed_in(VIEWER).get("/billing/seats").text.split("<main>")[1]
    assert "an admin sets the seat price in Settings → Billing" in viewer
    assert 'href="/settings/billing"' not in viewer
    bad = browser.get("/api/seats", params={"integration": "nope"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_request"
    assert "nope" in bad.json()["message"]


def test_the_person_by_model_twin_is_the_ground_truth(site, loaded):
    """Over the whole history and over one day: the top six models by usage value, each
    person's usage value in each and in the others, exactly the events' sums; the CSV has a
    column per model; the page is the table, not a person called "models"."""
    browser, first = loaded
    team = site.cursor.sim.team
    last = day_of(team.now)
    for since, until in ((day_of(day_start_ms(team.first_day)), last),
                         (last - timedelta(days=1), last - timedelta(days=1))):  # fmt: skip
        start, end = day_start_ms(since), day_start_ms(until) + MS_PER_DAY - 1
        events = gt.visible_events(team, start, end)
        spend: dict[tuple[str | None, str], Decimal] = {}
        for e in events:
            key = (gt.by_user(e), e.model)
            spend[key] = spend.get(key, Decimal(0)) + e.charged_cents
        per_model: dict[str, Decimal] = {}
        for (_who, model), cents in spend.items():
            per_model[model] = per_model.get(model, Decimal(0)) + cents
        top = sorted(per_model, key=lambda m: (-per_model[m], m))[:6]
        people = {who for who, _m in spend}
        truth = {}
        for who in people:
            mine = {m: c for (w, m), c in spend.items() if w == who}
            total = sum(mine.values(), Decimal(0))
            shown = {m: mine.get(m, Decimal(0)) for m in top}
            truth[who] = (total, shown, total - sum(shown.values(), Decimal(0)))
        got = browser.get("/api/people/models", params={"since": str(since), "until": str(until)})
        assert got.status_code == 200
        body = got.json()
        assert body["models"] == top
        assert {
            r["email"]: (
                Decimal(r["spend_cents"]),
                {m: Decimal(c) for m, c in r["models"].items()},
                Decimal(r["other_models_cents"]),
            )
            for r in body["rows"]
        } == truth
        totals = [Decimal(r["spend_cents"]) for r in body["rows"]]
        assert totals == sorted(totals, reverse=True)
        csv_range = {"since": str(since), "until": str(until), "format": "csv"}
        download = browser.get("/api/people/models", params=csv_range)
        parsed = list(csv.DictReader(io.StringIO(download.text)))
        assert list(parsed[0]) == ["email", "name", "spend_cents", *top, "other_models_cents"]
        assert [{m: Decimal(r[m]) for m in top} for r in parsed] == [
            {m: Decimal(c) for m, c in r["models"].items()} for r in body["rows"]]  # fmt: skip
    assert any(r["name"] == UNATTRIBUTED_NAME for r in body["rows"]) or None not in people
    page = browser.get("/people/models", params={"since": first})
    assert page.status_code == 200
    assert "<h1>People by model</h1>" in page.text
    assert 'href="/people/models' in browser.get("/people", params={"since": first}).text
