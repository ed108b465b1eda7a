"""What a person sees, in Debian's Chromium driven by Playwright: set-up link, Connect, data.

Screenshots of each page go to ``tests/screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from pumpview import accounts
from pumpview.integrations.cursor import connection
from pumpview.money import format_dollars
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.simulator.config import Faults
from pumpview.simulator.roster import SCRIPT_NAME
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.integrations.focus.test_reader import OFFICIAL
from tests.web.conftest import ADMIN, NO_API_KEY, PASSWORD, VIEWER

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[1] / "screenshots"
WATCH_CSP = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', "
    "e => window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI));"
)
WATCH_PROGRESS = (
    "document.addEventListener('DOMContentLoaded', () => { const keep = (name, value) => {"
    " const seen = JSON.parse(sessionStorage.getItem(name) || '[]'); seen.push(value);"
    " sessionStorage.setItem(name, JSON.stringify(seen)); };"
    " const bar = document.querySelector('progress'); keep('loads', bar ? 'bar' : null);"
    " if (bar) new MutationObserver(() => keep('bars', [Number(bar.getAttribute('value')),"
    " Number(bar.getAttribute('max'))])).observe(bar, { attributes: true }); });"
)
"""Every load of a page records whether it had a progress bar (``loads``), and every change of
the bar's figures in place (``bars``): a sync's bar moves without a reload."""
WATCH_RELOADS = (
    "document.addEventListener('DOMContentLoaded', () => { const bar = "
    "document.querySelector('progress'); const seen = JSON.parse("
    "sessionStorage.getItem('bars') || '[]'); seen.push(bar ? [bar.value, bar.max] : null); "
    "sessionStorage.setItem('bars', JSON.stringify(seen)); });"
)
"""Every load of a page records its progress bar (``null`` once there is none): an import's
page reloads itself while the import runs."""
LEAKS = (DEMO_KEY, base64.b64encode(f"{DEMO_KEY}:".encode()).decode(), quote(DEMO_KEY))
"""The key as typed, as HTTP Basic auth sends it, URL-encoded: none may appear anywhere."""
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
    page.on("dialog", lambda d: (problems.append(f"a dialog ran: {d.message}"), d.dismiss()))
    return page, problems


def sign_in(page: Page, site) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))


def follow(page: Page, target: Locator) -> None:
    """Click a link or a form's button and wait for the page it leads to, so the next step acts
    on that page, never on the one being left (a step that read ``.tiles`` or the table of the
    page it was leaving once failed a run, and a "Sync now" reloaded before its POST arrived)."""
    with page.expect_navigation():
        target.click()


def shot(page: Page, name: str) -> None:
    """A screenshot for people to look at; the page ran under the CSP and shows no key."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    assert page.evaluate("window.__csp") == [], name
    html = page.content()
    assert not [leak for leak in LEAKS if leak in html], name


def drawn(page: Page, kind: str) -> None:
    page.wait_for_selector(f'[data-chart="{kind}"][data-rendered="true"]')


def click_bar(page: Page, kind: str, series: int, point: list[object]) -> None:
    """Click a chart's bar where ECharts itself places ``point`` of series ``series``."""
    x, y = page.evaluate(
        "([kind, series, point]) => echarts.getInstanceByDom(document.querySelector("
        '`[data-chart="${kind}"]`)).convertToPixel({seriesIndex: series}, point)',
        [kind, series, point],
    )
    chart = page.locator(f'[data-chart="{kind}"]')
    chart.scroll_into_view_if_needed()  # the mouse clicks within the viewport
    box = chart.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_set_up_connect_watch_the_backfill_and_see_the_spend(make_site, browser):
    """The three-minute set-up: the link creates the admin, a malformed key is refused at its
    field, the demo key connects, the progress bar moves window by window while Cursor answers
    slowly, and the Overview shows the exact spend."""
    site = make_site(days=30, faults=Faults(slow_rate=1.0, slow_seconds=0.4))
    page, problems = open_page(browser)
    page.context.add_init_script(WATCH_PROGRESS)
    for email in (ADMIN, VIEWER):  # no user yet, as when serve prints the link
        accounts.remove_user(site.web.engine, email)
    link = accounts.new_setup_link(site.web.engine, site.web.clock())
    page.goto(f"{site.url}/setup/{link}")
    shot(page, "setup")
    page.get_by_label("Your email").fill("first@acme.dev")
    page.get_by_label("Password (10 characters or more)").fill("a long passphrase")
    page.get_by_label("The password again").fill("a long passphrase")
    page.get_by_role("button", name="Create the admin and sign in").click()
    page.wait_for_url("**/settings/integrations")
    shot(page, "integrations-empty")

    page.get_by_label("Admin API key", exact=True).fill("sk-live-123")
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    error = page.locator("#api_key-error")
    assert "must start with 'key_' or 'crsr_'" in error.inner_text()
    shot(page, "connect-malformed-key")
    assert error.is_visible()
    assert page.url == f"{site.url}/settings/integrations"  # the page's own address
    assert problems == []  # a form to correct is no failed request in the console

    page.evaluate("sessionStorage.clear()")
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    page.get_by_label("Team name (optional)").fill("Acme")
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    page.wait_for_selector("progress")
    shot(page, "integrations-backfilling")
    # The bar moves in place from the JSON twin; the page reloads once, when the sync ends.
    page.wait_for_selector('[data-running="false"]', timeout=60_000)
    loads = page.evaluate("JSON.parse(sessionStorage.getItem('loads'))")
    bars = page.evaluate("JSON.parse(sessionStorage.getItem('bars') || '[]')")
    assert loads == ["bar", None], loads  # no reload while it ran; one when it ended
    moving = [value for value, _max in bars]
    assert len(set(moving)) >= 3, bars  # the bar moved several times in place
    assert moving == sorted(moving), bars  # never backwards
    assert {most for _value, most in bars} == {connection.DEFAULT_BACKFILL_DAYS}  # days asked
    card = page.get_by_role("region", name="Cursor · Acme")
    assert "connected" in card.inner_text()
    sync_now = card.get_by_role("button", name="Sync now").bounding_box()
    disconnect = card.locator("summary", has_text="Disconnect").bounding_box()
    assert sync_now is not None
    assert disconnect is not None
    assert (disconnect["y"], disconnect["height"]) == (sync_now["y"], sync_now["height"])
    shot(page, "integrations-connected")

    follow(page, page.get_by_role("link", name="Overview"))
    team = site.cursor.sim.team
    today = day_start_ms(day_of(team.now))  # 90 d: the whole history, to yesterday
    spend = gt.overall(team, day_start_ms(team.first_day), today - 1).spend_cents
    follow(page, page.get_by_role("link", name="90 d"))
    assert format_dollars(spend) in page.locator(".tiles").inner_text()
    drawn(page, "spend-by-model")
    page.hover('[data-chart="spend-by-model"]', position={"x": 400, "y": 200})
    shot(page, "overview")
    assert problems == []


def test_the_overview_refreshes_its_figures_while_the_backfill_runs(make_site, browser):
    """Opened while the backfill runs, the Overview says how far it is and reloads its figures
    as days land, by itself, until it shows the whole spend and no notice. (How many reloads
    fall within the backfill depends on how the 2 s between the page's looks meet the windows
    landing: asserting "at least one mid-backfill" failed a CI-like run, so the loads are
    recorded and the certain ones asserted.)"""
    site = make_site(days=30, faults=Faults(slow_rate=1.0, slow_seconds=0.4))
    page, problems = open_page(browser)
    page.context.add_init_script(  # each load of the Overview: whether it says it is loading
        "document.addEventListener('DOMContentLoaded', () => { if (location.pathname === '/') {"
        " const loads = JSON.parse(sessionStorage.getItem('overviews') || '[]');"
        " loads.push(document.querySelector('.completeness .loading') !== null);"
        " sessionStorage.setItem('overviews', JSON.stringify(loads)); } });"
    )
    sign_in(page, site)
    page.goto(f"{site.url}/settings/integrations")
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    page.wait_for_selector('progress[value]:not([value="0"])')  # a first day is in
    follow(page, page.get_by_role("link", name="Overview", exact=True))
    notice = page.locator(".completeness .loading")
    assert "days loaded" in notice.inner_text()
    shot(page, "overview-backfilling")
    site.web.syncs.wait()  # the backfill ends; then a load of the page's own, without the notice
    # (not "the notice detached": it detaches for a moment at every reload, mid-backfill too)
    page.wait_for_function(
        "() => { const loads = JSON.parse(sessionStorage.getItem('overviews') || '[]');"
        " return loads.length > 1 && loads[loads.length - 1] === false; }",
        timeout=60_000,
    )
    loads = page.evaluate("JSON.parse(sessionStorage.getItem('overviews'))")
    assert loads[0] is True, loads  # opened mid-backfill, and reloaded by itself once it ended
    team = site.cursor.sim.team
    yesterday = day_start_ms(day_of(team.now)) - 1  # 90 d: the whole history, to yesterday
    spend = gt.overall(team, day_start_ms(team.first_day), yesterday).spend_cents
    follow(page, page.get_by_role("link", name="90 d"))
    assert format_dollars(spend) in page.locator(".tiles").inner_text()
    assert problems == []


def test_every_page_its_range_and_a_click_from_a_chart(site, browser):
    """After a backfill: every page opens; a custom range lands in the URL and the figures;
    a bar of "what changed" opens that person, a model's bar its page; People is searchable
    and sortable; the phone width has no sideways scrolling."""
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    team = site.cursor.sim.team

    follow(page, page.get_by_role("link", name="Overview", exact=True))
    last = team.first_day + timedelta(days=4)
    page.get_by_label("From").fill(str(last - timedelta(days=1)))
    page.get_by_label("to", exact=True).fill(str(last))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: f"since={last - timedelta(days=1)}&until={last}" in url)
    spend = gt.overall(team, day_start_ms(last) - MS_PER_DAY, day_start_ms(last) + MS_PER_DAY - 1)
    assert format_dollars(spend.spend_cents) in page.locator(".tiles").inner_text()
    drawn(page, "changes")
    shot(page, "overview-two-days")
    changes = json.loads(page.locator("#changes-data").text_content())["changes"]
    at, top = next((i, c) for i, c in enumerate(changes) if c["model"] and c["email"])
    bar = len(changes) - 1 - at  # the chart draws the largest rise on top
    click_bar(page, "changes", 0, [float(top["change_cents"]) / 2, bar])
    page.wait_for_url("**/people/**")
    assert unquote(page.url.split("/people/")[1].split("?")[0]) == top["email"]
    assert f"since={last - timedelta(days=1)}" in page.url  # the range came along
    drawn(page, "spend-by-model")
    drawn(page, "requests")
    shot(page, "person")

    follow(page, page.get_by_role("link", name="Models", exact=True))
    follow(page, page.get_by_role("link", name="7 d"))
    drawn(page, "spend-by-model")
    first_model = page.locator("#report-table tbody tr td a").first.inner_text()
    shot(page, "models")
    series = json.loads(page.locator("#chart-data").text_content())["series"]
    at = next(i for i, s in enumerate(series) if s["model"] == first_model)
    day = max(range(7), key=lambda i: float(series[at]["spend_cents"][i]))
    below = sum(float(s["spend_cents"][day]) for s in series[:at])
    click_bar(page, "spend-by-model", at,
              [day, below + float(series[at]["spend_cents"][day]) / 2])  # fmt: skip
    page.wait_for_url("**/models/**")
    assert page.get_by_role("heading", name=first_model).is_visible()
    drawn(page, "spend-by-model")
    shot(page, "model")

    follow(page, page.get_by_role("link", name="People", exact=True))
    assert SCRIPT_NAME in page.locator("#report-table").inner_text()  # as text, and ran nothing
    search = page.get_by_label("Search")
    search.fill("maya")
    assert page.locator("#report-table tbody tr:visible").count() == 1
    search.fill("")
    page.get_by_role("button", name="Events").click()
    events = [int(v) for v in page.locator("#report-table tbody tr td:nth-child(6)").evaluate_all(
        "cells => cells.map(c => c.dataset.value)")]  # fmt: skip
    assert events == sorted(events, reverse=True)
    assert len(events) > 3
    shot(page, "people")
    for name, kind in (("Requests", "requests"),):
        follow(page, page.get_by_role("link", name=name, exact=True))
        drawn(page, kind)
        shot(page, name.lower())
    page.goto(f"{site.url}/docs")
    page.wait_for_selector('#swagger-ui[data-rendered="true"]')
    assert page.get_by_text("/api/people/{email}").first.is_visible()
    shot(page, "docs")
    page.goto(f"{site.url}/settings/users")
    shot(page, "users")
    follow(page, page.get_by_role("link", name="Data sources"))
    page.get_by_label("FOCUS file (CSV, .csv.gz or Parquet)").set_input_files(OFFICIAL)
    page.get_by_role("button", name="Import").click()
    assert (
        "1,000 rows of FOCUS 1.0"
        in page.get_by_role("region", name="Imported focus_sample.csv").inner_text()
    )
    shot(page, "data-sources")

    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (("people-phone", "/people"), ("overview-phone", "/"),
                       ("integrations-phone", "/settings/integrations")):  # fmt: skip
        page.goto(f"{site.url}{path}")
        shot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert problems == []


def test_two_teams_each_a_card_and_an_integration_filter(site, serve, browser):
    """A second Cursor team (connected from the CLI's code path against its own upstream) gets
    its own card; the data pages offer a Cursor integration filter, by the team names given
    at Connect, whose figures are that team's alone."""
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    now = site.web.clock()
    other = serve(now_ms=now, days=5, members=5, seed=7)
    connection.connect(site.web.engine, site.web.vault, DEMO_KEY, base_url=other.url,
                       team_name="EU", name="cursor-eu", now_ms=now, pacing=False)  # fmt: skip
    site.web.syncs.start("cursor-eu")
    site.web.syncs.wait()
    page.goto(f"{site.url}/settings/integrations")
    assert page.get_by_role("region", name="Cursor · EU").is_visible()
    assert page.get_by_role("region", name="Cursor · cursor").is_visible()
    shot(page, "integrations-two-teams")

    eu = other.sim.team
    follow(page, page.get_by_role("link", name="Overview", exact=True))
    follow(page, page.get_by_role("link", name="7 d"))
    page.get_by_label("Cursor integration").select_option(label="EU")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**integration=cursor-eu**")
    yesterday = day_start_ms(day_of(eu.now)) - 1  # 7 d: the whole history, to yesterday
    spend = gt.overall(eu, day_start_ms(eu.first_day), yesterday).spend_cents
    assert format_dollars(spend) in page.locator(".tiles").inner_text()
    follow(page, page.get_by_role("link", name="People", exact=True))
    assert "integration=cursor-eu" in page.url  # the filter stays on as one moves about
    shown = page.locator("#report-table tbody tr").count()
    assert shown == len({gt.by_user(e) for e in gt.visible_events(eu, 0, yesterday)})
    shot(page, "people-one-team")
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
        page.get_by_label("Admin API key", exact=True).fill(key)
        follow(page, page.get_by_role("button", name="Connect", exact=True))
        assert says in page.locator("#api_key-error").inner_text()
    shot(page, "connect-no-access")
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()

    page.goto(f"{site.url}/people?since={site.cursor.sim.team.first_day}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    twin = page.request.get(f"{site.url}/api/people?since={site.cursor.sim.team.first_day}").json()
    assert len(rows) == len(twin) + 1  # the header, then one line per person
    assert rows[0].split(",")[: len(twin[0])] == list(twin[0])  # the twin's, then the page's

    page.goto(f"{site.url}/settings/integrations")
    backfill = page.request.get(f"{site.url}/api/integrations").json()[0]["run"]
    follow(page, page.get_by_role("button", name="Sync now"))
    site.web.syncs.wait()
    page.reload()
    again = page.request.get(f"{site.url}/api/integrations").json()[0]["run"]
    assert again["id"] > backfill["id"]
    assert again["outcome"] == "ok"
    assert "Last run: ok" in page.get_by_role("region", name="Cursor · cursor").inner_text()

    stored = page.request.get(f"{site.url}/api/integrations").json()[0]["events"]
    site.cursor.sim.revoke(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Sync now"))
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
    page.wait_for_url("**/settings/integrations?deleted=cursor")
    assert "Deleted the integration cursor and all its data." in page.get_by_role(
        "status").inner_text()  # fmt: skip
    assert page.get_by_role("region", name="Cursor · cursor").count() == 0  # gone, data and all
    assert page.get_by_label("Admin API key", exact=True).is_visible()  # back to the first Connect
    assert page.request.get(f"{site.url}/api/people").json() == []
    shot(page, "integrations-disconnected")
    assert problems == []  # the two refused connects are forms to correct, not failed requests


def test_a_large_upload_shows_its_bar_moving_then_the_summary(site, browser, tmp_path):
    """Data sources: a file of 120,000 rows goes up, the page comes back at once with a bar
    that moves as the page follows the import (at laptop and phone width), then the summary
    with the file's totals to the cent, and the file in the list."""
    from tests.web.test_import_progress import generate, shown  # noqa: PLC0415

    path = tmp_path / "big-export.csv"
    truth = generate(path, 120_000)
    page, problems = open_page(browser)
    page.context.add_init_script(WATCH_RELOADS)
    sign_in(page, site)
    page.goto(f"{site.url}/settings/data-sources")
    page.evaluate("sessionStorage.removeItem('bars')")
    page.get_by_label("FOCUS file (CSV, .csv.gz or Parquet)").set_input_files(path)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/settings/data-sources")
    running = page.get_by_role("region", name="Importing big-export.csv")
    assert running.is_visible()
    assert page.get_by_role("button", name="Import").is_disabled()
    page.locator("progress[value]").wait_for()  # the file's size known: a bar, not a pulse
    shot(page, "data-sources-importing")
    page.set_viewport_size({"width": 390, "height": 844})
    assert running.is_visible()
    shot(page, "data-sources-importing-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 860})

    summary = page.get_by_role("region", name="Imported big-export.csv")
    summary.wait_for(timeout=60_000)  # the page reloads itself until the import has ended
    bars = page.evaluate("JSON.parse(sessionStorage.getItem('bars'))")
    moving = [value for value, _max in bars[:-1]]
    assert bars[-1] is None, bars  # the last load shows it done
    assert len(moving) >= 2, bars  # several loads saw it running
    assert moving == sorted(moving), bars  # never backwards
    assert moving[0] < moving[-1], bars  # and forward
    said = " ".join(summary.inner_text().split())
    assert "120,000 rows of FOCUS 1.0 into source aws" in said
    for currency in truth.billed:  # to the cent on the page (exact in the JSON)
        assert (f"{currency}: billed {shown(truth.billed[currency], currency)}, effective "
                f"{shown(truth.effective[currency], currency)}") in said  # fmt: skip
    assert "big-export.csv" in page.get_by_role("region", name="Imported", exact=True).inner_text()
    shot(page, "data-sources-imported")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "data-sources-imported-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.set_viewport_size({"width": 1366, "height": 860})
    notes = tmp_path / "notes.csv"
    notes.write_text("Date,Amount\n2026-03-01,12\n", encoding="utf-8")
    page.get_by_label("FOCUS file (CSV, .csv.gz or Parquet)").set_input_files(notes)
    page.get_by_role("button", name="Import").click()
    error = page.locator("#file-error")
    error.wait_for(timeout=30_000)  # once the page, following the import, sees it fail
    assert error.inner_text().startswith("notes.csv, line 1: no BilledCost")
    assert page.get_by_label("FOCUS file (CSV, .csv.gz or Parquet)").get_attribute(
        "aria-invalid") == "true"  # fmt: skip
    assert "big-export.csv" in page.get_by_role("region", name="Imported", exact=True).inner_text()
    shot(page, "data-sources-refused")
    assert problems == []


def test_settings_people_preview_apply_edit_on_a_wide_screen_and_a_phone(site, browser, tmp_path):
    """Settings → People after a Cursor sync: the mapping's preview says what it changes, Apply
    makes it so; the search finds a person by an alias; an edit moves one to a team from a
    date, and an alias that is another person's email is refused at its field."""
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    first, second = [m for m in site.cursor.sim.team.members if m.listed and not m.is_removed][:2]
    page.get_by_role("link", name="People", exact=True).nth(1).click()  # Settings' sub-navigation
    page.wait_for_url("**/settings/people")
    listed = page.request.get(f"{site.url}/api/directory").json()
    assert page.locator("#people-table tbody tr").count() == len(listed) > 2
    shot(page, "people-settings")

    mapping = tmp_path / "teams.csv"
    mapping.write_text(
        "email,name,aliases,team,valid_from,valid_to\n"
        f"{first.email},,alex;{first.email.split('@')[0]},Platform,,2026-03-01\n"
        f"{first.email},,,Data,2026-03-01,\n"
        ",Build Bot,ci-bot;jenkins,Platform,,\n",
        encoding="utf-8",
    )
    page.get_by_label("Mapping file (CSV)").set_input_files(mapping)
    page.get_by_role("button", name="Preview the changes").click()
    preview = page.get_by_role("region", name="What teams.csv would change")
    assert "Nothing has changed yet." in preview.inner_text()
    assert "Build Bot" in preview.inner_text()
    shot(page, "people-preview")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "people-preview-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 860})
    count = preview.locator("tbody tr").count()
    page.get_by_role("button", name=f"Apply {count} changes").click()
    assert f"Applied {count} changes from teams.csv" in page.get_by_role("status").inner_text()

    page.get_by_label("Search").fill("jenkins")
    rows = page.locator("#people-table tbody tr:visible")
    assert rows.count() == 1
    assert "Build Bot" in rows.inner_text()
    page.get_by_label("Search").fill("")
    page.get_by_role("link", name="Edit Build Bot").click()
    page.get_by_label("Move to team").fill("Security")
    page.get_by_label("From (the first day in it; empty: since always)").fill("2026-04-01")
    page.get_by_role("button", name="Move", exact=True).click()
    said = page.get_by_role("status").inner_text()
    assert "team: Platform until 2026-04-01, then Security from 2026-04-01" in said
    page.get_by_label("Add an alias").fill(second.email)
    page.get_by_role("button", name="Add the alias").click()
    assert "is the email of" in page.locator("#alias-error").inner_text()
    assert page.get_by_label("Add an alias").get_attribute("aria-invalid") == "true"
    shot(page, "people-edit")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "people-edit-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert problems == [refused]
