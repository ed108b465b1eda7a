"""Billing → Reconciliation in Chromium at laptop and phone width: the totals on top, the
members with their status and cause in words, no sideways scrolling, the cycle picker; People
near their Cursor limit and a person's limit card."""

from __future__ import annotations

import pytest

from pumpview.integrations.cursor import connection
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_of
from tests.web.test_browser import browser, follow, open_page, shot, sign_in

__all__ = ["browser"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

MEASURE = """() => {
  const wraps = [...document.querySelectorAll('.table-wrap')].filter(w => w.checkVisibility());
  const table = document.getElementById('reconciliation-table');
  const cells = table ? [...table.tHead.rows[0].cells] : [];
  return {
    page: document.documentElement.scrollWidth,
    sideways: wraps.filter(w => w.scrollWidth > w.clientWidth).length,
    shown: cells.filter(c => c.checkVisibility() && c.getBoundingClientRect().right <= innerWidth)
      .map(c => c.innerText.replace(/\\s+/g, ' ').trim()),
  };
}"""
SIDEWAYS = """() => [document.documentElement.scrollWidth,
  [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth).length]"""
FIRST = (("Name", "On-demand difference", "Status"),
         ("Cursor's on-demand", "Pump View's on-demand", "Usage value difference",
          "Likely cause"))  # fmt: skip


@pytest.fixture
def synced(site):
    connection.connect(site.web.engine, site.web.vault, DEMO_KEY, base_url=site.cursor.url,
                       team_name=None, name="cursor", now_ms=site.cursor.sim.team.now,
                       pacing=False)  # fmt: skip
    site.web.syncs.start("cursor")
    site.web.syncs.wait()
    return site.cursor.sim.team


def test_reconciliation_reads_at_1366_px_and_on_a_phone(site, synced, browser):
    """The page fits both widths with its first columns in view; the totals say how many
    members match; the unattributed bucket's row names its cause; the picker opens a cycle."""
    team = synced
    first_day = str(day_of(gt.cycle_start(team)))
    for width in (1366, 390):
        page, problems = open_page(browser, width=width, height=900)
        sign_in(page, site)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        page.goto(f"{site.url}/billing/reconciliation")
        seen = page.evaluate(MEASURE)
        shot(page, f"reconciliation-{width}")
        assert seen["page"] <= width
        assert seen["sideways"] == 0
        wanted = FIRST[0] + (FIRST[1] if width == 1366 else ())
        assert set(wanted) <= set(seen["shown"]), seen["shown"]
        totals = page.locator("#totals-title").locator("..")
        assert "Team totals" in totals.inner_text()
        assert " of " in totals.locator(".tile").nth(2).inner_text()
        unattributed = page.get_by_role("row").filter(has_text="Unattributed")
        assert "Events without an email" in unattributed.inner_text()  # a phone: under Differs
        page.get_by_label("Billing cycle").select_option(first_day)
        follow(page, page.get_by_role("button", name="Show"))
        assert f"cycle={first_day}" in page.url
        assert page.get_by_label("Billing cycle").input_value() == first_day
        page.goto(f"{site.url}/people?since={team.first_day}&limit_used=0")
        shot(page, f"people-limit-{width}")
        assert page.get_by_role("columnheader", name="Cursor limit used (cycle)").is_visible()
        assert page.evaluate(SIDEWAYS) == [width, 0]  # the filter's column still fits
        email = page.request.get(f"{site.url}/api/people?since={team.first_day}").json()[0]["email"]
        page.goto(f"{site.url}/people/{email}?since={team.first_day}")
        shot(page, f"person-limit-{width}")
        assert page.get_by_role("heading", name="Cursor spending limit").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert problems == []
        page.context.close()
