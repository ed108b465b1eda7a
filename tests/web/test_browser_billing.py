"""What a manager sees of the bill, in Debian's Chromium: a bad seat price said at its field,
then the price set in Settings → Billing and the Overview leading with the cycle's bill."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pumpview.money import format_dollars
from pumpview.simulator import truth as gt
from tests.web.test_browser import SHOTS, browser, follow, open_page, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_set_the_seat_price_and_see_the_bill_on_the_overview(site, loaded, browser, width):  # noqa: F811
    team = site.cursor.sim.team
    truth = gt.overall(team, gt.cycle_start(team), team.now)
    paid = len([m for m in team.members
                if m.listed and not m.is_removed and m.role != "free-owner"])  # fmt: skip
    page, problems = open_page(browser, width=width)
    sign_in(page, site)
    shot(page, f"overview-unpriced-{width}")
    assert page.locator('[data-figure="on-demand"]').inner_text() == format_dollars(
        truth.on_demand_cents
    )
    follow(page, page.get_by_role("link", name="set the seat price in Settings → Billing"))
    price = page.get_by_label("Seat price (US dollars per seat and billing cycle)")
    price.fill("-5")
    follow(page, page.get_by_role("button", name="Save"))
    assert page.locator("#seat_price-error").inner_text() == "The seat price cannot be negative."
    assert price.get_attribute("aria-invalid") == "true"
    shot(page, f"billing-error-{width}")
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]  # the refused form's page, as it should be
    problems.clear()
    price.fill("39.99")
    page.get_by_label("Plan name").fill("Business")
    page.get_by_label("Idle after (days without usage)").fill("")
    follow(page, page.get_by_role("button", name="Save"))
    assert "Saved." in page.locator("[role=status]").inner_text()
    shot(page, f"billing-{width}")
    page.screenshot(path=SHOTS / f"billing-{width}-first-screen.png")
    follow(page, page.get_by_role("link", name="Overview", exact=True))
    bill = Decimal(3999) * paid + truth.on_demand_cents
    assert page.locator('[data-figure="bill"]').inner_text() == format_dollars(bill)
    assert page.locator('[data-figure="usage-value"]').inner_text() == format_dollars(
        truth.spend_cents
    )
    assert f"seats (configured: {paid} paid × $39.99) + on-demand" in page.inner_text("main")  # noqa: RUF001 - the page's sign
    shot(page, f"overview-bill-{width}")
    page.screenshot(path=SHOTS / f"overview-bill-{width}-first-screen.png")  # what one sees first
    assert problems == []
