"""Claude Code beside Anthropic's bill on Billing → Reconciliation: the JSON twin is the CLI's
report, the CSV its days, the page shows the estimates labelled (est.) with the caveat, and a
site without Claude Code shows no such section."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator

import pytest

from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import from_ms
from tests.web.conftest import csrf
from tests.web.test_reports import cli_json

API = "/api/reconciliation/claude-code"


@pytest.fixture
def anthropic_url() -> Iterator[str]:
    """Anthropic's API for the site's organisation, at the site's present."""
    from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT  # noqa: PLC0415

    config = AnthropicConfig(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=12,
                             rate_limit_per_minute=None)  # fmt: skip
    with serve_in_thread(create_anthropic_simulator(config)) as url:
        yield url


@pytest.fixture
def connected(make_site, anthropic_url):
    """A site with Claude Code connected through Settings → Integrations and backfilled."""
    site = make_site(settings={"anthropic_base_url": anthropic_url}, members=12)
    browser = site.signed_in()
    page = browser.get("/settings/integrations")
    done = browser.post("/settings/integrations", data={
        "api_key": DEMO_ANTHROPIC_KEY, "provider": "claude-code",
        "csrf_token": csrf(page.text)})  # fmt: skip
    assert done.status_code == 303
    site.web.syncs.wait()
    return site, browser


def test_the_json_twin_is_the_cli_report_and_the_csv_its_days(
    connected, capsys, db_url, tmp_path, monkeypatch
):
    """``/api/reconciliation/claude-code`` equals ``pumpview report reconciliation --provider
    claude-code --format json`` for the same range; the CSV holds the same days."""
    site, browser = connected
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(site.cursor.sim.team.now).isoformat())
    last = browser.get("/api/integrations").json()[0]["last_day"]
    params = {"since": "2026-11-20", "until": last}
    api = browser.get(API, params=params)
    assert api.status_code == 200
    cli = cli_json(capsys, db_url, "report", "reconciliation", "--provider", "claude-code",
                   "--since", params["since"], "--until", last)  # fmt: skip
    assert api.json() == cli
    data = api.json()
    assert data["days"]
    assert data["estimated"] is True
    sheet = browser.get(API, params={**params, "format": "csv"})
    assert sheet.status_code == 200
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [r["day"] for r in rows] == [d["day"] for d in data["days"]]
    assert [r["billed_cents"] for r in rows] == [d["billed_cents"] for d in data["days"]]


def test_the_page_shows_the_estimates_beside_the_bill_with_the_caveat(connected):
    """The Reconciliation page has the Claude Code section: estimates marked (est.), the bill,
    the difference and the caveat."""
    _site, browser = connected
    last = browser.get("/api/integrations").json()[0]["last_day"]
    page = browser.get("/billing/reconciliation", params={"since": "2026-11-20", "until": last})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Claude Code beside Anthropic's bill" in text
    assert "(est.)" in text
    assert "cost is Anthropic's estimate at list price" in text
    assert 'id="claude-code-reconciliation-table"' in text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_site_without_claude_code_shows_no_such_section(site):
    """Cursor alone: no Claude Code section; the API answers no day and no totals."""
    browser = site.signed_in()
    page = browser.get("/billing/reconciliation")
    assert page.status_code == 200
    assert "Claude Code beside" not in page.text
    data = browser.get(API).json()
    assert (data["days"], data["totals"]) == ([], None)
    bad = browser.get(API, params={"since": "2026-13-01"})
    assert bad.status_code == 400
    assert bad.json()["error"]
