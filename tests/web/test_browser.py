"""What a person sees, in Debian's Chromium driven by Playwright: set-up link, Connect, data.

Screenshots of each page go to ``tests/screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pumpview import accounts
from pumpview.money import format_dollars
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_start_ms, now_ms
from tests.web.conftest import ADMIN, NO_API_KEY, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[1] / "screenshots"
WATCH_CSP = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', "
    "e => window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI));"
)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def open_page(browser: Browser, width: int = 1366, height: int = 860) -> tuple[Page, list[str]]:
    """A fresh browser context watching for CSP violations and console errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def sign_in(page: Page, site) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    assert page.evaluate("window.__csp") == [], name


def test_set_up_connect_and_see_the_spend(site, browser):
    """The three-minute set-up: the link creates the admin, a malformed key is refused at its
    field, the demo key connects and backfills, and the Overview shows the exact spend."""
    page, problems = open_page(browser)
    link = accounts.new_setup_link(site.web.engine, now_ms())
    page.goto(f"{site.url}/setup/{link}")
    shot(page, "setup")
    page.get_by_label("Your email").fill("first@acme.dev")
    page.get_by_label("Password (10 characters or more)").fill("a long passphrase")
    page.get_by_label("The password again").fill("a long passphrase")
    page.get_by_role("button", name="Create the admin and sign in").click()
    page.wait_for_url("**/settings/integrations")
    shot(page, "integrations-empty")

    page.get_by_label("Admin API key").fill("sk-live-123")
    page.get_by_role("button", name="Connect").click()
    error = page.locator("#api_key-error")
    assert "must start with 'key_' or 'crsr_'" in error.inner_text()
    shot(page, "connect-malformed-key")
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]  # the refused form's own answer, as it should be
    problems.clear()

    page.get_by_label("Admin API key").fill(DEMO_KEY)
    page.get_by_label("Team name (optional)").fill("Acme")
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url("**/settings/integrations")
    site.web.syncs.wait()
    page.reload()
    card = page.get_by_role("region", name="Cursor · Acme")
    assert "connected" in card.inner_text()
    assert DEMO_KEY not in page.content()
    shot(page, "integrations-connected")

    page.get_by_role("link", name="Overview").click()
    team = site.cursor.sim.team
    spend = gt.overall(team, day_start_ms(team.first_day), team.now).spend_cents
    page.get_by_role("link", name="365 d").click()  # the whole history
    assert format_dollars(spend) in page.locator(".tiles").inner_text()
    page.wait_for_selector('[data-chart][data-rendered="true"]')  # drawn, under the CSP
    page.hover(".chart", position={"x": 400, "y": 200})
    shot(page, "overview")
    assert problems == []


def test_pages_fit_a_phone(site, browser):
    page, problems = open_page(browser, 390, 844)
    sign_in(page, site)
    page.wait_for_url("**/settings/integrations")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot(page, "integrations-phone")
    assert problems == []


def test_the_report_pages_show_a_range_and_a_table(site, browser):
    """People, Models and Requests after a backfill: a preset range in the URL, rows as text."""
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key").fill(DEMO_KEY)
    page.get_by_role("button", name="Connect").click()
    site.web.syncs.wait()
    for name in ("People", "Models", "Requests"):
        page.get_by_role("link", name=name, exact=True).click()
        page.get_by_role("link", name="7 d").click()
        assert "since=" in page.url
        assert page.locator("tbody tr").count() > 0
        shot(page, name.lower())
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Maya Schmidt").click()  # through to a person's page
    page.wait_for_selector('[data-chart][data-rendered="true"]')
    assert page.get_by_role("heading", name="Maya Schmidt").is_visible()
    shot(page, "person")
    page.goto(f"{site.url}/settings/users")
    shot(page, "users")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="People", exact=True).click()
    shot(page, "people-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_selector('[data-chart][data-rendered="true"]')
    shot(page, "overview-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert problems == []


def test_every_connect_error_then_revoke_and_disconnect(site, browser):
    """What each wrong key says, at its field; then a key revoked in Cursor: the card says so,
    the data stays; then Disconnect with the data deleted. CSV download equals the JSON twin."""
    page, problems = open_page(browser)
    sign_in(page, site)
    for key, says in (
        ("crsr_" + "0" * 64, "invalid or has been revoked"),
        (NO_API_KEY, "Enterprise plan"),
    ):
        page.get_by_label("Admin API key").fill(key)
        page.get_by_role("button", name="Connect").click()
        assert says in page.locator("#api_key-error").inner_text()
    shot(page, "connect-no-access")
    page.get_by_label("Admin API key").fill(DEMO_KEY)
    page.get_by_role("button", name="Connect").click()
    site.web.syncs.wait()

    page.goto(f"{site.url}/people?since={site.cursor.sim.team.first_day}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    twin = page.request.get(f"{site.url}/api/people?since={site.cursor.sim.team.first_day}").json()
    assert len(rows) == len(twin) + 1  # the header, then one line per person
    assert rows[0].split(",") == list(twin[0])

    stored = page.request.get(f"{site.url}/api/integrations").json()[0]["events"]
    site.cursor.sim.revoke(DEMO_KEY)
    page.goto(f"{site.url}/settings/integrations")
    page.get_by_role("button", name="Sync now").click()
    site.web.syncs.wait()
    page.reload()
    card = page.get_by_role("region", name="Cursor · cursor")
    assert "revoked" in card.inner_text()
    assert "The data stays" in card.inner_text()
    assert f"{stored:,} events" in card.inner_text()  # the data stays, every event of it
    shot(page, "integrations-revoked")

    card.get_by_text("Disconnect", exact=True).click()
    card.get_by_label("delete its data too").check()
    card.get_by_role("button", name="Disconnect cursor").click()
    page.wait_for_url("**/settings/integrations")
    assert page.get_by_role("region", name="Cursor · cursor").count() == 0  # gone, data and all
    assert page.get_by_label("Admin API key").is_visible()  # back to the first Connect
    assert page.request.get(f"{site.url}/api/people").json() == []
    shot(page, "integrations-disconnected")
    expected = ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    assert problems == expected * 2  # the two refused connects' own answers
