"""A person's page with their tools side by side (Cursor, Claude Code, Copilot), /api/activity
and the Teams page's Activity section, and the tool filter of the Overview and Models, on a
site whose store holds all three tools from their simulators."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from pumpview.reports import tool_activity
from tests.reports.three_tools import Truth, fill
from tests.web.test_browser import browser, open_page, sign_in  # noqa: F401 - the fixture

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z
DAYS = 8
MEMBERS = 12
SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for a person to look at, not secrets


@pytest.fixture
def three(make_site):
    site = make_site(now_ms=NOW, days=DAYS, members=MEMBERS)
    truth = fill(site.web.engine, site.cursor, now_ms=NOW, days=DAYS, members=MEMBERS)
    return site, truth


def _range(truth: Truth) -> dict[str, str]:
    return {"since": str(truth.first), "until": str(truth.last)}


def _one(truth: Truth) -> tuple[str, str]:
    """Someone who used all three tools, and their (first) GitHub login."""
    email = sorted(truth.everyone())[0]
    login = sorted(lo for lo, e in truth.logins.items() if e == email)[0]
    return email, login


def test_a_persons_json_has_a_card_per_tool_with_the_truths_amounts(three):
    site, truth = three
    email, login = _one(truth)
    data = site.signed_in().get(f"/api/people/{quote(email)}", params=_range(truth)).json()
    cards = {c["provider"]: c for c in data["tools"]}
    assert set(cards) == {"cursor", "claude-code", "copilot"}
    assert Decimal(cards["cursor"]["usage_cents"]) == truth.cursor[email]
    assert Decimal(cards["claude-code"]["usage_cents"]) == truth.claude[email].usage
    assert Decimal(cards["copilot"]["usage_cents"]) == truth.copilot[login].usage
    assert Decimal(cards["copilot"]["billed_cents"]) == truth.copilot[login].billed
    assert [c["estimated"] for c in (cards["cursor"], cards["claude-code"], cards["copilot"])] == [
        False, True, False]  # fmt: skip
    assert cards["cursor"]["activity"] is None
    assert cards["claude-code"]["activity"]["commits"] == truth.claude[email].activity["commits"]
    assert (cards["copilot"]["activity"]["active_days"]
            == truth.copilot[login].activity["active_days"])  # fmt: skip
    assert cards["copilot"]["caveat"] == tool_activity.CAVEATS["copilot"]
    assert {c["label"] for c in data["tools"]} == {"Cursor", "Claude Code", "GitHub Copilot"}
    total = sum(Decimal(c["usage_cents"]) for c in data["tools"])
    assert Decimal(data["total"]["spend_cents"]) == total  # their Copilot login counts too
    for series in data["tool_series"]:
        assert sum(Decimal(v) for v in series["spend_cents"]) == Decimal(
            cards[series["provider"]]["usage_cents"]
        )


def test_api_activity_is_the_report_and_refuses_an_unknown_provider(three):
    site, truth = three
    client = site.signed_in()
    rows = client.get("/api/activity", params={**_range(truth), "provider": "claude-code"})
    view = tool_activity.build(site.web.engine, truth.first, truth.last, provider="claude-code")
    assert view is not None
    assert rows.json() == tool_activity.records(view.people, "people")
    teams = client.get("/api/activity", params={**_range(truth), "by": "team"}).json()
    assert {t["provider"] for t in teams} == {"claude-code", "copilot"}
    bad = client.get("/api/activity", params={"provider": "gemini"})
    assert bad.status_code == 400
    assert bad.json()["error"]


def test_the_overview_and_models_narrow_to_one_tool(three):
    site, truth = three
    client = site.signed_in()
    claude = client.get("/api/overview", params={**_range(truth), "provider": "claude-code"})
    want = sum((t.usage for t in truth.claude.values()), Decimal(0))
    assert Decimal(claude.json()["total"]["spend_cents"]) == want
    page = client.get("/models", params={**_range(truth), "provider": "copilot"}).text
    assert '<option value="copilot" selected>GitHub Copilot</option>' in page
    everyone = client.get("/models", params=_range(truth)).text
    assert "GitHub Copilot" in everyone
    assert "Claude Code" in everyone


def test_the_teams_page_has_an_activity_section(three):
    site, truth = three
    page = site.signed_in().get("/teams", params=_range(truth)).text
    assert "Activity beside cost, per team and tool" in page
    assert tool_activity.CAVEATS["copilot"] in page.replace("&#39;", "'")


def test_the_person_page_shows_three_cards_at_laptop_and_phone_width(three, browser):  # noqa: F811
    """Three cards with the truth's amounts, Claude Code's said to be an estimate, each tool's
    caveat; screenshots at 1366 and 390 px to look at."""
    site, truth = three
    email, _login = _one(truth)
    SHOTS.mkdir(exist_ok=True)
    for width in (1366, 390):
        page, problems = open_page(browser, width=width)
        sign_in(page, site)
        page.goto(f"{site.url}/people/{quote(email)}?since={truth.first}&until={truth.last}")
        cards = page.locator(".tool-card")
        assert cards.count() == 3
        claude = page.locator('.tool-card[data-provider="claude-code"]')
        assert "(est.)" in claude.inner_text()
        amount = f"${truth.claude[email].usage / 100:,.2f}"
        assert amount in claude.inner_text()
        assert "Anthropic's estimate" in claude.inner_text()
        assert "telemetry" in page.locator('.tool-card[data-provider="copilot"]').inner_text()
        page.wait_for_selector('[data-source="tools-data"][data-rendered="true"]')
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, width
        page.screenshot(path=SHOTS / f"person_{width}.png", full_page=True)
        assert problems == []
        page.context.close()
