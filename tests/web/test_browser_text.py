"""Names in Chromium: a right-to-left override in a name is shown, never obeyed, on the page and
in its chart."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from pumpview.simulator import DEMO_KEY
from pumpview.store import tables
from tests.web.test_browser import browser, drawn, open_page, sign_in

__all__ = ["browser"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

OVERRIDE = "\u202eexe.tset"
"""Reads "test.exe" where the override is obeyed."""


def test_a_right_to_left_override_is_drawn_as_a_mark_in_the_chart_and_the_table(site, browser):
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    page.get_by_role("button", name="Connect", exact=True).click()
    site.web.syncs.wait()
    team = site.cursor.sim.team
    top = page.request.get(f"{site.url}/api/people?since={team.first_day}").json()[0]["email"]
    with site.web.engine.begin() as conn:  # as Cursor's roster would name them
        conn.execute(
            update(tables.cursor_members)
            .where(tables.cursor_members.c.email == top)
            .values(name=OVERRIDE)
        )
    page.goto(f"{site.url}/people?since={team.first_day}")
    drawn(page, "people")
    labels = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-chart=\"people\"]'))"
        ".getOption().yAxis[0].data"
    )
    assert "\ufffdexe.tset" in labels
    assert OVERRIDE not in labels
    table = page.locator("#report-table").inner_text()
    assert "\ufffdexe.tset" in table
    assert "\u202e" not in table
    assert problems == []
