"""Settings → Billing: an admin's seat price, plan and idle threshold, stored over the
``PUMPVIEW_*`` defaults and read by every page, twin and download that prices seats; the
Overview's bill for the open cycle, exact against the simulator's ground truth."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from pumpview import money
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.store import stored_settings, tables
from pumpview.timeutil import day_of, day_start_ms
from tests.reports.test_usage import _sync
from tests.web.conftest import VIEWER, csrf

PAGE = "/settings/billing"


def _paid(team) -> int:
    """Paid seats by the simulator's roster: listed members, not removed, not a free owner."""
    return len([m for m in team.members
                if m.listed and not m.is_removed and m.role != "free-owner"])  # fmt: skip


def _put(browser, body: object):
    token = csrf(browser.get(PAGE).text)
    return browser.put(
        "/api/billing",
        content=money.dumps(body),
        headers={"x-csrf-token": token, "content-type": "application/json"},
    )


def _stored(site) -> dict[str, str]:
    with site.web.engine.connect() as conn:
        return stored_settings.read(conn)


def test_the_overviews_bill_is_the_paid_seats_at_the_stored_price_plus_the_cycles_on_demand(
    site, loaded
):
    """Seat price set through ``PUT /api/billing``: the Overview's bill = listed paid members x
    $39.99 + on-demand from Cursor's cycle start to now, and usage value beside it, exactly."""
    browser, _first = loaded
    team = site.cursor.sim.team
    answer = _put(browser, {"seat_price": Decimal("39.99"), "seat_plan": "Business"})
    assert answer.status_code == 200, answer.text
    got = browser.get("/api/overview").json()["bill"]
    start = gt.cycle_start(team)  # 17:23 UTC: the day is cut at the instant
    truth = gt.overall(team, start, team.now)
    seats = Decimal(3999) * _paid(team)
    (row,) = got["integrations"]
    assert (row["cycle_first_day"], row["cycle_known"]) == (str(day_of(start)), True)
    assert row["cycle_start"] == f"{day_of(start)}T17:23:00Z"
    assert (row["seats"], row["seat_price"]) == (_paid(team), "39.99")
    assert Decimal(row["seats_cents"]) == seats
    assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents
    assert Decimal(row["usage_cents"]) == truth.spend_cents
    assert Decimal(row["included_cents"]) == truth.spend_cents - truth.on_demand_cents
    assert Decimal(row["bill_cents"]) == seats + truth.on_demand_cents
    assert got["total"] == {k: v for k, v in row.items() if k in got["total"]}
    page = browser.get("/").text
    assert f'data-figure="bill">${(seats + truth.on_demand_cents) / 100:,.2f}<' in page
    assert "Settings → Billing" in page


def test_the_usage_value_tile_says_its_included_and_its_on_demand(site, loaded):
    """Under the cycle's usage value, both of its parts with their amounts (they add up to it),
    not "+ on-demand" with no figure."""
    browser, _first = loaded
    team = site.cursor.sim.team
    truth = gt.overall(team, gt.cycle_start(team), team.now)
    included = money.format_dollars(truth.spend_cents - truth.on_demand_cents)
    page = browser.get("/").text
    on_demand = money.format_dollars(truth.on_demand_cents)
    assert f"included {included} + on-demand {on_demand}<" in page


def test_without_a_seat_price_the_overview_shows_on_demand_and_where_to_set_it(site, loaded):
    browser, _first = loaded
    team = site.cursor.sim.team
    truth = gt.overall(team, gt.cycle_start(team), team.now)
    row = browser.get("/api/overview").json()["bill"]["integrations"][0]
    assert (row["seat_price"], row["seats_cents"], row["bill_cents"]) == (None, None, None)
    assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents
    page = browser.get("/").text
    assert f'data-figure="on-demand">${truth.on_demand_cents / 100:,.2f}<' in page
    assert 'href="/settings/billing">set the seat price' in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_stored_seat_price_wins_over_the_environments_in_the_export_and_the_pages(
    make_site, tmp_path
):
    """``PUMPVIEW_SEAT_PRICE=40`` is the default; $25 stored in Settings → Billing prices the
    FOCUS export's seat rows, the providers' twin, the Cloud page's Cursor row and the bill."""
    site = make_site(settings={"seat_price": Decimal(40), "seat_plan": "Pro"})
    browser = site.signed_in()
    page = browser.get("/settings/integrations")
    browser.post("/settings/integrations/connect",
                 data={"api_key": DEMO_KEY, "csrf_token": csrf(page.text)})  # fmt: skip
    site.web.syncs.wait()
    assert "default from <code>PUMPVIEW_SEAT_PRICE</code>" in browser.get(PAGE).text
    saved = browser.post(
        PAGE,
        data={
            "seat_price": "25",
            "seat_plan": "Business",
            "idle_days": "",
            "csrf_token": csrf(browser.get(PAGE).text),
        },
    )
    assert saved.status_code == 303
    team = site.cursor.sim.team
    span = {"since": str(day_of(team.now).replace(day=1)), "until": str(day_of(team.now))}
    export = browser.get("/api/export/focus", params=span)
    seat_rows = [r for r in csv.DictReader(io.StringIO(export.text))
                 if r["x_CostSource"] == "configured"]  # fmt: skip
    assert seat_rows
    assert {r["BilledCost"] for r in seat_rows} == {"25"}
    meta = browser.get("/api/export/focus", params={**span, "part": "metadata"}).json()
    assert json.dumps(meta).count('"PricePerSeatMonth": "25"') == 1
    providers = browser.get("/api/spend/providers", params={**span, "by": "service"}).json()
    seats = next(p for p in providers if p["service"] == "Cursor")
    assert Decimal(seats["billed_cost"]) == 25 * len(seat_rows)
    assert browser.get("/api/overview").json()["bill"]["total"]["seat_price"] == "25"
    assert browser.get("/api/billing").json()["settings"]["seat_price"] == "25"


BAD = (
    ({"seat_price": "-1"}, "seat_price", "cannot be negative"),
    ({"seat_price": "forty"}, "seat_price", "must be a number"),
    ({"seat_price": "40.1234567"}, "seat_price", "at most 6 decimals"),
    ({"idle_days": "0"}, "idle_days", "from 1 to 3660"),
    ({"idle_days": "3661"}, "idle_days", "from 1 to 3660"),
    ({"idle_days": "7.5"}, "idle_days", "from 1 to 3660"),
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("sent", "field", "said"), BAD)
def test_bad_billing_input_is_said_at_its_field_and_nothing_is_saved(site, sent, field, said):
    """The form: 400, the message under its field (marked invalid), the value kept; a good
    value sent beside the bad one is not saved either."""
    browser = site.signed_in()
    form = {"seat_price": "40", "seat_plan": "Business", "idle_days": "30", **sent}
    answer = browser.post(PAGE, data={**form, "csrf_token": csrf(browser.get(PAGE).text)})
    assert answer.status_code == 400
    assert f'<p class="error" id="{field}-error" role="alert">' in answer.text
    assert said in answer.text.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert f'id="{field}" name="{field}"' in answer.text
    assert _stored(site) == {}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("sent", "field", "said"), BAD)
def test_bad_billing_json_is_a_json_error_and_nothing_is_saved(site, sent, field, said):
    browser = site.signed_in()
    answer = _put(browser, {"seat_plan": "Business", **sent})
    assert answer.status_code == 400
    body = answer.json()
    assert (body["error"], body["field"]) == ("bad_request", field)
    assert said in body["message"]
    assert _stored(site) == {}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_json_twin_takes_exact_numbers_and_null_returns_to_the_default(make_site):
    site = make_site(settings={"seat_price": Decimal(40)})
    browser = site.signed_in()
    assert _put(browser, {"seat_price": Decimal("32.123456"), "idle_days": 14}).status_code == 200
    settings = browser.get("/api/billing").json()["settings"]
    assert (settings["seat_price"], settings["idle_days"]) == ("32.123456", 14)
    assert settings["defaults"]["seat_price"] == "40"
    assert _put(browser, {"seat_price": None}).status_code == 200
    settings = browser.get("/api/billing").json()["settings"]
    assert (settings["seat_price"], settings["idle_days"]) == ("40", 14)
    assert _put(browser, [1]).json()["error"] == "bad_request"
    assert _put(browser, {"seat_fee": 1}).status_code == 400


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_viewer_sees_the_billing_settings_and_cannot_change_them(site):
    browser = site.signed_in(VIEWER)
    page = browser.get(PAGE)
    assert page.status_code == 200
    assert "default from PUMPVIEW_SEAT_PRICE" in page.text
    assert 'name="seat_price"' not in page.text
    token = csrf(browser.get("/settings/people").text)
    refused = browser.post(PAGE, data={"seat_price": "1", "csrf_token": token})
    assert refused.status_code == 403
    put = browser.put("/api/billing", json={"seat_price": "1"}, headers={"x-csrf-token": token})
    assert put.status_code == 403
    assert _stored(site) == {}


def test_two_cursor_teams_each_have_their_cycles_bill_and_the_overview_their_total(
    site, loaded, serve
):
    """A second team whose cycle starts on the 15th: each team's bill over its own cycle, from
    its own roster and events, and the total their sum, exactly."""
    browser, _first = loaded
    first = site.cursor.sim.team
    served = serve(now_ms=first.now, days=30, members=6, seed=2, domain="eu.acme.dev",
                   cycle_anchor_day=15)  # fmt: skip
    _sync(site.web.engine, served, name="cursor-eu", now_ms=first.now)
    assert _put(browser, {"seat_price": "40"}).status_code == 200
    got = browser.get("/api/overview").json()["bill"]
    by_name = {row["integration"]: row for row in got["integrations"]}
    assert set(by_name) == {"cursor", "cursor-eu"}
    total_seats, total_on_demand = 0, Decimal(0)
    for name, team in (("cursor", first), ("cursor-eu", served.sim.team)):
        start = gt.cycle_start(team)
        truth = gt.overall(team, start, team.now)
        row = by_name[name]
        assert row["cycle_start"] == f"{day_of(start)}T17:23:00Z", name
        assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents, name
        assert Decimal(row["bill_cents"]) == 4000 * _paid(team) + truth.on_demand_cents, name
        total_seats += _paid(team)
        total_on_demand += truth.on_demand_cents
    assert by_name["cursor-eu"]["cycle_first_day"] == "2026-11-15"
    assert got["total"]["seats"] == total_seats
    assert Decimal(got["total"]["bill_cents"]) == 4000 * total_seats + total_on_demand
    page = browser.get("/").text
    assert "This billing cycle, 2 Cursor teams" in page
    assert f'data-figure="bill">${(4000 * total_seats + total_on_demand) / 100:,.2f}<' in page


def test_a_cycle_that_starts_mid_day_splits_that_days_events_at_its_instant(site, loaded):
    """Cursor says the cycle started at 17:23:10 three days ago: the bill counts the events
    from that instant on, and the Overview says when, to the second."""
    browser, _first = loaded
    team = site.cursor.sim.team
    day = day_of(team.now) - timedelta(days=3)
    start = day_start_ms(day) + ((17 * 60 + 23) * 60 + 10) * 1000
    with site.web.engine.begin() as conn:
        conn.execute(tables.spend_snapshots.insert().values(
            integration_id=1, taken_at_ms=team.now, cycle_start=day, cycle_start_ms=start,
            email="nobody@acme.dev", spend_cents=Decimal(0), fast_premium_requests=0,
        ))  # fmt: skip
    truth = gt.overall(team, start, team.now)
    midnight = gt.overall(team, day_start_ms(day), team.now)
    assert truth.spend_cents != midnight.spend_cents  # the day's events are cut at 17:23:10
    row = browser.get("/api/overview").json()["bill"]["integrations"][0]
    assert row["cycle_start"] == f"{day}T17:23:10Z"
    assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents
    assert Decimal(row["usage_cents"]) == truth.spend_cents
    assert f"since {day} 17:23:10 UTC" in browser.get("/").text


def test_before_cursor_says_when_its_cycle_starts_the_bill_is_the_calendar_months(site, loaded):
    """No ``/teams/spend`` snapshot stored: the cycle is the calendar month (UTC) of the
    present, and the Overview and its twin say so."""
    browser, _first = loaded
    team = site.cursor.sim.team
    with site.web.engine.begin() as conn:
        conn.execute(tables.spend_snapshots.delete())
    month = day_of(team.now).replace(day=1)
    truth = gt.overall(team, day_start_ms(month), team.now)
    row = browser.get("/api/overview").json()["bill"]["integrations"][0]
    assert (row["cycle_start"], row["cycle_known"]) == (f"{month}T00:00:00Z", False)
    assert Decimal(row["on_demand_cents"]) == truth.on_demand_cents
    page = browser.get("/").text
    assert f"since {month} (calendar month)" in page
    assert "a calendar month: Cursor&#39;s cycle start is not known yet" in page
