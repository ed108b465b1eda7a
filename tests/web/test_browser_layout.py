"""Wide tables in Chromium: the columns a manager needs first are in view without sideways
scrolling at 1366 px and on a phone, the rest behind "All columns", a plain link; day fields
read YYYY-MM-DD; the frozen name column keeps its row borders; /docs' badges can be read."""

from __future__ import annotations

import base64
import re
from dataclasses import fields
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pumpview.alerts.evaluate import check
from pumpview.integrations.cursor import connection
from pumpview.integrations.focus import importer
from pumpview.reports import billing, usage
from pumpview.simulator import DEMO_KEY, SimConfig, cloud
from pumpview.simulator.scenario import with_demo_cases
from pumpview.store import budgets, stored_settings
from pumpview.timeutil import day_of
from pumpview.web.pages import reports
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT
from tests.web.test_browser import SHOTS, browser, follow, open_page, shot, sign_in

__all__ = ["browser"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FIRST = {  # page: the headings a phone shows, then those a laptop adds (the spec, by hand)
    "people": (("Name", "Usage value", "On-demand"),
               ("Included", "Events", "Tools", "Fast requests", "Slow requests",
                "Cursor's fast premium (cycle)", "Last active")),
    "models": (("Model", "Usage value", "Per request"),
               ("Events", "People", "Per 1M tokens", "On-demand share", "Max-mode share",
                "Model cost", "Cursor token fee")),
    "requests": (("Name", "Fast requests", "Cursor's fast premium (cycle)"),
                 ("Email", "Slow requests", "Not charged requests")),
    "teams": (("Team", "AI tools", "Cloud billed"),
              ("Members", "Cursor billed", "Cursor usage value", "Cloud (effective)",
               "Cloud with no owner", "Currency")),
    "cloud": (("Provider", "Service", "Billed cost"), ("Effective cost", "List cost", "Currency")),
}  # fmt: skip
MEASURE = """() => {
  const wraps = [...document.querySelectorAll('.table-wrap')].filter(w => w.checkVisibility());
  const table = document.getElementById('report-table');
  const cells = table ? [...table.tHead.rows[0].cells] : [];
  return {
    page: document.documentElement.scrollWidth,
    sideways: wraps.filter(w => w.scrollWidth > w.clientWidth).map(w => w.innerText.slice(0, 60)),
    shown: cells.filter(c => c.checkVisibility() && c.getBoundingClientRect().right <= innerWidth)
      .map(c => c.innerText.replace(/\\s+/g, ' ').trim()),
    headings: cells.map(c => c.innerText.replace(/\\s+/g, ' ').trim()),
  };
}"""


@pytest.fixture
def billed(site, tmp_path):
    """Cursor synced (the demo key) and the simulated team's cloud bill imported."""
    engine = site.web.engine
    connection.connect(engine, site.web.vault, DEMO_KEY, base_url=site.cursor.url,
                       team_name=None, name="cursor", now_ms=site.cursor.sim.team.now,
                       pacing=False)  # fmt: skip
    site.web.syncs.start("cursor")
    site.web.syncs.wait()
    team = site.cursor.sim.team
    bill = cloud.write(team, tmp_path / "bill.csv", team.first_day, day_of(team.now))
    importer.import_file(engine, bill, source="aws", now_ms=team.now)
    return team


def measured(page: Page, url: str) -> dict[str, object]:
    page.goto(url)
    return page.evaluate(MEASURE)


def test_the_columns_a_manager_needs_first_fit_at_1366_px_and_on_a_phone(site, billed, browser):
    """On every data table: no sideways scrolling of the page or of a table at 1366 px or at
    390 px, and the first columns in view; a person's and a model's page too."""
    team = billed
    since = f"?since={team.first_day}&until={day_of(team.now)}"
    owner = next(m for m in team.members if m.index % 4 == 0 and m.index % 7 and not m.is_removed)
    for width in (1366, 390):
        page, problems = open_page(browser, width=width, height=900)
        sign_in(page, site)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        for path, (phone, laptop) in FIRST.items():
            seen = measured(page, f"{site.url}/{path}{since}")
            shot(page, f"layout-{path}-{width}")
            assert seen["page"] <= width, (path, width)
            assert seen["sideways"] == [], (path, width)
            first = phone + (laptop if width == 1366 else ())
            assert set(first) <= set(seen["shown"]), (path, width, seen["shown"])
        model = page.request.get(f"{site.url}/api/models{since}").json()[0]["model"]
        for name, path in (("person", f"/people/{owner.email}"), ("model", f"/models/{model}")):
            seen = measured(page, f"{site.url}{path}{since}")
            shot(page, f"layout-{name}-{width}")
            assert "Cloud costs they own" in page.content() or name == "model"
            assert seen["page"] <= width, (path, width)
            assert seen["sideways"] == [], (path, width)
        assert problems == []


def test_all_columns_is_a_plain_link_and_the_range_keeps_it(site, billed, browser):
    """Without JavaScript: "All 14 columns" shows every column of People (the table scrolls
    sideways under the frozen name), the range form keeps the choice, "Fewer columns" ends it;
    the CSV still has every column of the report."""
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  java_script_enabled=False)  # fmt: skip
    page = context.new_page()
    sign_in(page, site)
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.goto(f"{site.url}/people?since={billed.first_day}")
    everything = page.evaluate(MEASURE)["headings"]
    assert len(everything) == len(reports.PAGES["people"][2])
    assert not set(everything) <= set(page.evaluate(MEASURE)["shown"])  # some wait
    follow(page, page.get_by_role("link", name=f"All {len(everything)} columns"))
    assert "columns=all" in page.url
    assert page.evaluate(MEASURE)["headings"] == everything
    visible = page.locator("#report-table thead th").evaluate_all(
        "cells => cells.filter(c => c.checkVisibility()).length")  # fmt: skip
    assert visible == len(everything)
    page.screenshot(path=SHOTS / "people-all-columns.png", full_page=True)  # no script: no CSP log
    page.get_by_label("From").fill(str(billed.first_day))
    follow(page, page.get_by_role("button", name="Show"))
    assert "columns=all" in page.url
    follow(page, page.get_by_role("link", name="Fewer columns"))
    assert "columns" not in page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    header = Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[: len(usage.COLUMNS["users"])] == list(usage.COLUMNS["users"])
    context.close()


def test_day_fields_read_yyyy_mm_dd_and_refuse_anything_else(site, billed, browser):
    """The range's From and to are text fields holding YYYY-MM-DD (Chromium draws a date input
    in the browser's locale, MM/DD/YYYY here); 12/07/2026 is refused before it is sent, with
    no script; a good day goes."""
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  java_script_enabled=False)  # fmt: skip
    page = context.new_page()
    sign_in(page, site)
    page.wait_for_url(lambda url: "/sign-in" not in url)
    first, last = billed.first_day, day_of(billed.now)
    page.goto(f"{site.url}/people?since={first}&until={last}")
    since = page.get_by_label("From")
    assert since.evaluate("e => e.type") == "text"  # drawn as typed, never by locale
    assert since.input_value() == str(first)
    assert since.get_attribute("placeholder") == "YYYY-MM-DD"
    before = page.url
    since.fill(f"{first.month:02}/{first.day:02}/{first.year}")
    page.get_by_role("button", name="Show").click()
    assert page.url == before  # the browser refused it
    assert since.evaluate("e => e.validity.patternMismatch")
    since.fill(str(last))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**since={last}**")
    context.close()


def row_borders(page: Page) -> list[tuple[int, int]]:
    """For each row of the report table: the darkest red level at the foot of its first cell
    and of its second, in a screenshot (255: white, no border; the line is 217)."""
    wrap = page.locator("#report-table").locator("xpath=..")
    boxes = wrap.evaluate("""w => { const o = w.getBoundingClientRect();
      return [...w.querySelectorAll('tbody tr')].map(r => [...r.cells].slice(0, 2).map(c => {
        const b = c.getBoundingClientRect();
        return [Math.round(b.left - o.left + 20), Math.round(b.bottom - o.top)]; })); }""")
    png = base64.b64encode(wrap.screenshot()).decode()
    blank = page.context.new_page()  # no CSP on about:blank: a canvas may read the PNG
    levels = blank.evaluate(
        """async ([png, boxes]) => {
      const img = new Image(); img.src = 'data:image/png;base64,' + png; await img.decode();
      const canvas = new OffscreenCanvas(img.width, img.height);
      const g = canvas.getContext('2d'); g.drawImage(img, 0, 0);
      const darkest = ([x, y]) => Math.min(...[-3, -2, -1, 0, 1].map(d =>
        g.getImageData(x, Math.min(y + d, img.height - 1), 1, 1).data[0]));
      return boxes.map(cells => cells.map(darkest));
    }""",
        [png, boxes],
    )
    blank.close()
    return [tuple(r) for r in levels]


def test_the_frozen_name_column_keeps_its_row_borders(site, billed, browser):
    """Every row of People has its bottom border under the name as under the figures, at the
    default columns and with all of them scrolled sideways."""
    page, problems = open_page(browser, width=1366, height=900)
    sign_in(page, site)
    page.wait_for_url(lambda url: "/sign-in" not in url)
    for query in ("", "&columns=all"):
        page.goto(f"{site.url}/people?since={billed.first_day}{query}")
        if query:
            page.locator("#report-table").locator("xpath=..").evaluate("w => w.scrollLeft = 150")
        levels = row_borders(page)
        assert len(levels) > 3
        missing = [i for i, (name, figure) in enumerate(levels) if name > 240 or figure > 240]
        assert missing == [], (query, levels)
    assert problems == []


def test_the_api_reference_badges_can_be_read(site, browser):
    """/docs: the version badges' white text on a background dark enough (WCAG AA, 4.5:1)."""
    page, problems = open_page(browser)
    sign_in(page, site)
    page.goto(f"{site.url}/docs")
    page.wait_for_selector('#swagger-ui[data-rendered="true"]')
    ratios = page.locator(".info .title small pre").evaluate_all("""pres => pres.map(pre => {
      const rgb = s => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
      let el = pre, bg = rgb(getComputedStyle(el).backgroundColor);
      while (bg.length === 4 && bg[3] === 0) {  // transparent: the background behind it
        el = el.parentElement; bg = rgb(getComputedStyle(el).backgroundColor);
      }
      const [a, b] = [lum(rgb(getComputedStyle(pre).color)), lum(bg)].sort((x, y) => y - x);
      return [pre.innerText, (a + 0.05) / (b + 0.05)];
    })""")
    shot(page, "docs-badges")
    assert len(ratios) == 2, ratios  # the API's version and the OpenAPI version
    assert all(ratio >= 4.5 for _text, ratio in ratios), ratios
    assert re.fullmatch(r"\d+\.\d+\.\d+", ratios[0][0].strip())
    assert problems == []


BILLING_PAGES = ("/", "/people/models", "/budgets", "/billing/reconciliation", "/billing/seats",
                 "/alerts", "/settings/billing", "/settings/notifications")  # fmt: skip
"""Issue 20's pages, and the Overview with its bill."""
MAIN_NAV = ["Overview", "People", "Models", "Requests", "Teams", "Cloud", "Billing", "Alerts",
            "Settings"]  # fmt: skip


@pytest.fixture
def demo_cases(make_site):
    """The demo's planted cases (a spike, a gap, idle seats) synced, the demo's seat price, a
    budget near its threshold and the alerts they raise: something on every billing page."""
    config = with_demo_cases(SimConfig(members=20, days=60, rate_limits=False),
                             MONDAY_JUST_AFTER_MIDNIGHT)  # fmt: skip
    site = make_site(
        **{f.name: getattr(config, f.name) for f in fields(config) if f.name != "keys"}
    )
    engine, now = site.web.engine, site.cursor.sim.team.now
    connection.connect(engine, site.web.vault, DEMO_KEY, base_url=site.cursor.url,
                       team_name="Acme", name="cursor", now_ms=now, pacing=False)  # fmt: skip
    site.web.syncs.start("cursor")
    site.web.syncs.wait()
    with engine.begin() as conn:
        stored_settings.write(conn, {billing.SEAT_PRICE: "40"}, now)
        budgets.add(conn, {"name": "Cursor bill this cycle", "scope": "organization",
                           "measure": "bill", "amount_cents": "100000"}, now)  # fmt: skip
    check(engine, now)
    return site


def test_the_billing_pages_fit_at_1366_px_and_on_a_phone(demo_cases, browser):
    """No sideways scrolling of the page or of a table on the Overview and issue 20's pages at
    either width (the Overview's "What changed" keeps person, model and change on a phone), and
    no words meant for the other width: no dangling "·" after JSON on a laptop, no "On a phone"
    sentence there either."""
    site = demo_cases
    for width in (1366, 390):
        page, problems = open_page(browser, width=width, height=900)
        sign_in(page, site)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        for path in BILLING_PAGES:
            seen = measured(page, f"{site.url}{path}")
            shot(page, f"layout-billing{path.replace('/', '-')}-{width}")
            assert seen["page"] <= width, (path, width)
            assert seen["sideways"] == [], (path, width)
            if path == "/people/models" and width == 1366:
                assert page.locator("p.downloads").inner_text().strip().endswith("JSON")
            if path == "/settings/billing":
                shown = "On a phone, the bill alone" in page.locator("main").inner_text()
                assert shown == (width == 390)
        assert problems == []


def test_the_top_nav_groups_the_billing_pages(demo_cases, browser):
    """The main nav has one Billing link for Budgets, Reconciliation and Seats, which its pages
    list under their title (the current one marked); it is one row with the sign-out at 1366 px
    and two rows on a phone."""
    site = demo_cases
    for width in (1366, 390):
        page, problems = open_page(browser, width=width, height=900)
        sign_in(page, site)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        main = page.get_by_role("navigation", name="Main")
        assert [a.inner_text() for a in main.get_by_role("link").all()] == MAIN_NAV
        rows = {round(a.bounding_box()["y"]) for a in main.get_by_role("link").all()}
        sign_out = page.get_by_role("button", name="Sign out").bounding_box()
        if width == 1366:
            assert len(rows) == 1
            assert abs(sign_out["y"] - main.bounding_box()["y"]) < main.bounding_box()["height"]
        else:
            assert len(rows) == 2, rows
        follow(page, main.get_by_role("link", name="Billing"))
        for name, path in (("Reconciliation", "/billing/reconciliation"),
                           ("Seats", "/billing/seats"), ("Budgets", "/budgets")):  # fmt: skip
            group = page.get_by_role("navigation", name="Billing")
            follow(page, group.get_by_role("link", name=name))
            assert page.url == f"{site.url}{path}"
            current = page.get_by_role("navigation", name="Billing").locator("[aria-current=page]")
            assert current.inner_text() == name
            assert main.locator("[aria-current=page]").inner_text() == "Billing"
        assert problems == []
