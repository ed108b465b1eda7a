"""The unified views in Chromium: Cursor beside the cloud on the Overview, Cloud and Teams
(their charts drawn), a person's cloud costs, at laptop and phone width."""

from __future__ import annotations

from decimal import Decimal

from pumpview.integrations.focus import importer
from pumpview.simulator import DEMO_KEY, cloud
from pumpview.timeutil import day_of
from tests.web.test_browser import browser, drawn, follow, open_page, shot, sign_in

__all__ = ["browser"]


def test_cloud_beside_cursor_on_the_overview_cloud_and_teams(site, browser, tmp_path):
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    team = site.cursor.sim.team
    last = day_of(team.now)
    bill = cloud.write(team, tmp_path / "bill.csv", team.first_day, last)
    importer.import_file(site.web.engine, bill, source="aws", now_ms=team.now)
    aws = sum(Decimal(r["BilledCost"]) for r in cloud.rows(team, team.first_day, last))
    dollars = f"${aws:,.2f}"  # the tile rounds to cents for people; the twin is exact

    page.goto(f"{site.url}/?since={team.first_day}")  # to today, as the bill; Cloud and Teams too
    providers = page.get_by_role("region", name="Billed by provider")
    assert dollars in providers.inner_text()
    shot(page, "overview-providers")

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Cloud"))
    drawn(page, "spend-by-model")
    assert dollars in page.locator(".tiles").inner_text()
    shot(page, "cloud")

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams"))
    drawn(page, "teams")
    rows = page.locator("#report-table tbody tr").all_inner_texts()
    assert rows[-1].startswith("untagged")
    shot(page, "teams")

    phone, phone_problems = open_page(browser, width=390)
    sign_in(phone, site)
    phone.goto(f"{site.url}/teams")
    drawn(phone, "teams")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "teams-phone")
    assert problems == phone_problems == []
