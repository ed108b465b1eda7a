"""Billing → Seats and People → By model in Chromium at 1366 px and on a phone: no sideways
scrolling, the columns a manager needs first in view, idle seats marked and first, the person x
model table sortable by a model's column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import insert

from pumpview.integrations.cursor import connection
from pumpview.simulator import DEMO_KEY
from pumpview.store import stored_settings, tables
from pumpview.timeutil import day_of
from tests.web.test_browser import browser, follow, open_page, shot, sign_in
from tests.web.test_browser_layout import MEASURE

__all__ = ["browser"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FIRST = {  # page: the headings a phone shows, then those a laptop adds (the spec, by hand)
    "billing/seats": (("Name", "Days idle", "Last active"),
                      ("Start", "Seat (per cycle)", "Email")),
}  # fmt: skip


@pytest.fixture
def synced(site):
    """Cursor synced, a seat price set, and one member the first roster listed who never used
    Cursor (idle since the backfill's first day)."""
    engine = site.web.engine
    team = site.cursor.sim.team
    connection.connect(engine, site.web.vault, DEMO_KEY, base_url=site.cursor.url,
                       team_name=None, name="cursor", now_ms=team.now, pacing=False)  # fmt: skip
    site.web.syncs.start("cursor")
    site.web.syncs.wait()
    with engine.begin() as conn:
        listed = conn.execute(tables.cursor_members.select()).first().first_listed_at_ms
        conn.execute(insert(tables.cursor_members).values(
            integration_id=1, email="never.used@acme.dev", name="Never Used", role="member",
            is_removed=False, listed_at_ms=listed, first_listed_at_ms=listed))  # fmt: skip
        stored_settings.write(conn, {"seat_price": "40", "idle_days": "2"}, team.now)
    return team


def test_seats_and_people_by_model_fit_at_1366_px_and_on_a_phone(site, synced, browser):
    """No sideways scrolling of the page or of a table at either width; the first columns in
    view; the idle seat first, marked in words; by model, every top model's column on a laptop
    and the usage value on a phone."""
    team = synced
    since = f"?since={team.first_day}&until={day_of(team.now)}"
    models = None
    for width in (1366, 390):
        page, problems = open_page(browser, width=width, height=900)
        sign_in(page, site)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        for path, (phone, laptop) in FIRST.items():
            page.goto(f"{site.url}/{path}")
            seen = page.evaluate(MEASURE)
            shot(page, f"seats-{width}")
            assert seen["page"] <= width, (path, width)
            assert seen["sideways"] == [], (path, width)
            first = phone + (laptop if width == 1366 else ())
            assert set(first) <= set(seen["shown"]), (path, width, seen["shown"])
        first_row = page.locator("#report-table tbody tr").first
        assert first_row.locator("td").first.inner_text().strip() == "Never Used idle"
        assert page.locator(".tile").first.inner_text().split() == [
            "Paid", "seats", str(page.locator("#report-table tbody tr").count())]  # fmt: skip
        page.goto(f"{site.url}/people{since}")
        follow(page, page.get_by_role("link", name="By model: who uses which"))
        seen = page.evaluate(MEASURE)
        shot(page, f"people-models-{width}")
        models = models or page.request.get(f"{site.url}/api/people/models{since}").json()
        assert page.url.startswith(f"{site.url}/people/models?")
        assert seen["page"] <= width
        assert seen["sideways"] == []
        wanted = ["Name", "Usage value", models["models"][0]]
        if width == 1366:
            wanted += [*models["models"][1:], "Other models"]
        assert set(wanted) <= set(seen["shown"]), (width, seen["shown"])
        assert problems == []
    # Sorted by the second model's column, its heaviest user comes first.
    second = models["models"][1]
    heaviest = max(models["rows"], key=lambda r: Decimal(r["models"][second]))
    page, problems = open_page(browser, width=1366, height=900)
    sign_in(page, site)
    page.goto(f"{site.url}/people/models{since}")
    page.get_by_role("button", name=second, exact=True).click()
    top = page.locator("#report-table tbody tr").first.locator("td").first.inner_text()
    assert top.strip() == (heaviest["name"] or heaviest["email"])
    assert problems == []
