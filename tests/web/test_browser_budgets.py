"""The Budgets page in Chromium: an admin adds a budget through the form (a bad amount refused
at its field first), and everyone sees its bar with the forecast marked, at laptop and phone
width."""

from __future__ import annotations

from decimal import Decimal

from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_of, day_start_ms
from tests.web.test_browser import browser, follow, open_page, shot, sign_in

__all__ = ["browser"]


def test_add_a_budget_and_see_its_bar_and_forecast(make_site, browser):
    site = make_site(days=40)
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    # A page of its own: the Connect page's poll reloads it when the sync ends, and that reload
    # once raced the click on Billing below.
    page.goto(f"{site.url}/settings/integrations")
    team = site.cursor.sim.team
    month = day_start_ms(day_of(team.now).replace(day=1))
    on_demand = gt.overall(team, month, team.now).on_demand_cents

    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing"))
    assert page.get_by_role("heading", level=1).inner_text() == "Budgets"  # the group's first
    page.get_by_label("Name", exact=True).fill("AI on-demand")
    page.get_by_label("Period", exact=True).select_option("month")
    page.get_by_label("Amount (US dollars per period)").fill("-20")
    follow(page, page.get_by_role("button", name="Add the budget"))
    error = page.locator("#amount-error")
    assert "above zero" in error.inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "AI on-demand"  # kept as typed
    amount = (on_demand / 100 * Decimal("1.6")).quantize(Decimal(1))  # some way to go
    page.get_by_label("Amount (US dollars per period)").fill(str(amount))
    follow(page, page.get_by_role("button", name="Add the budget"))

    card = page.get_by_role("region", name="AI on-demand")
    text = card.inner_text()
    assert f"${on_demand / 100:,.2f}" in text  # the actual, to the cent
    assert "Forecast" in text
    assert card.locator("svg.budget-bar line.forecast-mark").count() == 1
    assert card.locator("svg.budget-bar line.tick").count() == 3
    box = card.locator("svg.budget-bar").bounding_box()
    assert box is not None
    assert box["width"] > 300
    shot(page, "budgets")

    phone, phone_problems = open_page(browser, width=390)
    sign_in(phone, site)
    phone.goto(f"{site.url}/budgets")
    assert phone.get_by_role("region", name="AI on-demand").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "budgets-phone")
    assert problems == phone_problems == []
