"""Claude Code in the web app: Connect on Settings → Integrations (each refusal at its field),
the backfill, the card, and ``/api/people?provider=`` beside the CLI's report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_API_KEY,
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import from_ms
from tests.web.conftest import csrf
from tests.web.test_reports import cli_json

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


@pytest.fixture
def anthropic_url(serve) -> Iterator[str]:
    """Anthropic's API for the site's organisation: the site's present, its Cursor's people."""
    from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT  # noqa: PLC0415

    config = AnthropicConfig(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=12,
                             rate_limit_per_minute=None)  # fmt: skip
    app = create_anthropic_simulator(config)
    with serve_in_thread(app) as url:
        yield url


def _connect(browser, key: str):
    page = browser.get("/settings/integrations")
    return browser.post("/settings/integrations", data={
        "api_key": key, "provider": "claude-code", "csrf_token": csrf(page.text)})  # fmt: skip


def test_connect_claude_code_refuses_an_api_key_at_its_field_then_backfills(
    make_site, anthropic_url
):
    site = make_site(settings={"anthropic_base_url": anthropic_url}, members=12)
    browser = site.signed_in()
    refused = _connect(browser, DEMO_ANTHROPIC_API_KEY)
    assert refused.status_code == 200
    assert 'id="claude-code-api_key-error"' in refused.text
    assert "not an Admin API key" in refused.text
    assert DEMO_ANTHROPIC_API_KEY not in refused.text
    done = _connect(browser, DEMO_ANTHROPIC_KEY)
    assert done.status_code == 303
    site.web.syncs.wait()
    (card,) = browser.get("/api/integrations").json()
    assert (card["provider"], card["status"], card["run"]["outcome"]) == (
        "claude-code", "connected", "ok")  # fmt: skip
    assert card["key"].startswith("sk-ant-admin01-…")
    page = browser.get("/settings/integrations").text
    assert "Claude Code · " in page
    assert DEMO_ANTHROPIC_KEY not in page


def test_people_of_one_provider_are_the_cli_report(
    make_site, anthropic_url, capsys, db_url, tmp_path, monkeypatch
):
    site = make_site(settings={"anthropic_base_url": anthropic_url}, members=12)
    browser = site.signed_in()
    assert _connect(browser, DEMO_ANTHROPIC_KEY).status_code == 303
    site.web.syncs.wait()
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(site.cursor.sim.team.now).isoformat())
    last = browser.get("/api/integrations").json()[0]["last_day"]
    params = {"since": "2026-12-01", "until": last}
    for provider in ("claude-code", "all"):
        api = browser.get("/api/people", params={**params, "provider": provider})
        assert api.status_code == 200
        cli = cli_json(capsys, db_url, "report", "users", "--since", params["since"],
                       "--until", last, "--provider", provider)  # fmt: skip
        assert api.json() == cli
        assert cli
        assert all(row["estimated"] for row in cli)
    bad = browser.get("/api/people", params={"provider": "gemini"})
    assert bad.status_code == 400
    assert bad.json()["error"]
