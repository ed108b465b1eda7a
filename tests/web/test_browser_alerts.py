"""Alerts as an admin sees them in Chromium: a webhook added on Settings → Notifications (its
secret shown once), a test sent, an alert checked and listed with its delivery; at laptop and
phone width."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import receiver  # noqa: F401 - the fixture
from tests.alerts.test_delivery import verify
from tests.web.test_alerts import PATH, _failing
from tests.web.test_browser import browser, follow, open_page, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_add_a_webhook_send_a_test_and_see_an_alert_arrive(site, browser, receiver, width):  # noqa: F811
    """The form, the secret once, Send test, Check now, the alert and its delivery."""
    page, problems = open_page(browser, width=width)
    sign_in(page, site)
    page.goto(f"{site.url}/settings/notifications")
    shot(page, f"notifications-empty-{width}")
    form = page.locator("section", has=page.get_by_role("heading", name="Add a webhook"))
    form.get_by_label("Name").fill("FinOps hook")
    form.get_by_label("URL").fill("ftp://nowhere")
    follow(page, form.get_by_role("button", name="Send a test and add"))
    said = page.locator("#webhook-url-error").inner_text()
    assert said == "The URL must start with https:// (or http://) and name a host"
    shot(page, f"notifications-error-{width}")
    form = page.locator("section", has=page.get_by_role("heading", name="Add a webhook"))
    form.get_by_label("URL").fill(receiver.url + PATH)
    follow(page, form.get_by_role("button", name="Send a test and add"))
    secret = page.locator("code.token").inner_text()
    verify(receiver.wait_for(1)[0], secret)
    shot(page, f"notifications-added-{width}")
    follow(page, page.get_by_role("button", name="Send a test to FinOps hook"))
    assert "A test message was delivered to FinOps hook." in page.locator(".notice").inner_text()
    verify(receiver.wait_for(2)[1], secret)
    _failing(site)
    page.get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url(f"{site.url}/alerts")
    follow(page, page.get_by_role("button", name="Check now"))
    row = page.locator("tbody tr").first
    assert "The last 3 syncs of Acme failed" in row.inner_text()
    assert "FinOps hook: sent" in row.inner_text()
    verify(receiver.wait_for(3)[2], secret)
    shot(page, f"alerts-{width}")
    page.goto(f"{site.url}/settings/notifications")
    assert "sent" in page.locator("tbody tr").first.inner_text()
    assert secret not in page.content()
    assert PATH not in page.content()
    shot(page, f"notifications-{width}")
    assert problems == []
