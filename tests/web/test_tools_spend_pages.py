"""Every AI tool on the spend pages: with Cursor, Claude Code and GitHub Copilot connected, the
spend twins equal the CLI's reports field for field, the Teams page shows the AI tools' column
with its estimate labelled, the Overview's bill a line per tool; and in Chromium an admin adds a
budget of every tool on the Budgets page and sees its actual equal the three truths' sum."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stamina

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection as claude_connection
from pumpview.integrations.copilot import connection as copilot_connection
from pumpview.simulator import DEMO_KEY
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import claude_code_truth
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.truth import billing_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.simulator.truth import overall
from pumpview.timeutil import day_of, day_start_ms
from tests.web.test_browser import browser, follow, open_page, sign_in
from tests.web.test_reports import cli_json

__all__ = ["browser"]

CENTS = Decimal(100)


@dataclass(frozen=True)
class Tools:
    first: date
    today: date
    month_cents: Decimal
    """This month so far: Cursor's on-demand + Claude Code's estimate + Copilot's net amount."""


def _connect_tools(site, days: int) -> Tools:
    """Claude Code and Copilot of the site's organisation connected and backfilled ``days`` at
    the site's present, beside its Cursor; the month's truth of the three."""
    web = site.web
    now = site.cursor.sim.team.now
    vault = web.settings.vault()
    anthropic = create_anthropic_simulator(
        AnthropicConfig(now_ms=now, days=days, members=12, rate_limit_per_minute=None)
    )
    github = create_github_simulator(GitHubConfig(now_ms=now, days=days, members=8))
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))
        claude_url = stack.enter_context(serve_in_thread(anthropic))
        github_url = stack.enter_context(serve_in_thread(github))
        claude_connection.connect(web.engine, vault, DEMO_ANTHROPIC_KEY, base_url=claude_url,
                                  team_name=None, now_ms=now, pacing=False)  # fmt: skip
        copilot_connection.connect(web.engine, vault, DEMO_GITHUB_TOKEN, org="acme",
                                   base_url=github_url, team_name=None, name="copilot",
                                   now_ms=now, pacing=False)  # fmt: skip
        for name in ("claude-code", "copilot"):
            runner.run_sync(web.engine, vault, name, pacing=False, backfill_days=days,
                            clock=lambda: now)  # fmt: skip
    today = day_of(now)
    month = today.replace(day=1)
    cents = overall(site.cursor.sim.team, day_start_ms(month), now).on_demand_cents
    day = month
    while day <= today:
        cents += sum((t.estimated_cents for (_who, model), t in
                      claude_code_truth(anthropic.state.sim.org, day).items()
                      if model is not None), Decimal(0))  # fmt: skip
        cents += sum((line.net_amount * CENTS for line in
                      billing_truth(github.state.sim.org, day).values()), Decimal(0))  # fmt: skip
        day += timedelta(days=1)
    return Tools(today - timedelta(days=days - 1), today, cents)


@pytest.fixture
def tools(site, loaded) -> tuple[Any, Tools]:
    browser_, _first = loaded
    return browser_, _connect_tools(site, 5)


@pytest.mark.parametrize("kind", ["providers", "people", "teams"])
def test_each_spend_twin_is_the_cli_report_with_every_tool(tools, capsys, db_url, kind, tmp_path,
                                                           monkeypatch):  # fmt: skip
    client, span = tools
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    since, until = str(span.first), str(span.today)
    api = client.get(f"/api/spend/{kind}", params={"since": since, "until": until})
    assert api.status_code == 200
    cli = cli_json(capsys, db_url, "report", kind, "--since", since, "--until", until)
    assert api.json() == cli
    if kind == "providers":
        named = {row["provider"]: row for row in cli}
        assert {"Cursor", "Claude Code", "GitHub Copilot"} <= set(named)
        assert named["Claude Code"]["estimated"] is True
    else:
        assert any(Decimal(row["copilot_usage_cents"]) for row in cli)
        assert any(row["claude_code_estimated"] for row in cli)


def test_the_teams_page_and_the_bill_show_every_tool(tools, site):
    client, span = tools
    teams = client.get("/teams", params={"since": str(span.first), "until": str(span.today)})
    assert teams.status_code == 200
    assert ">AI tools</th>" in teams.text
    assert "(est.)" in teams.text
    overview = client.get("/")
    assert overview.status_code == 200
    assert 'data-table="tool-bills"' in overview.text
    assert "All AI tools" in overview.text
    billing = client.get("/api/billing").json()
    assert [t["provider"] for t in billing["bill"]["tools"]] == ["claude-code", "copilot"]
    assert billing["settings"]["copilot_business_price"] == "19.00"


def test_a_budget_of_every_tool_counts_the_three_truths(make_site, browser):
    site = make_site(days=12)
    page, problems = open_page(browser)
    sign_in(page, site)
    page.get_by_label("Admin API key", exact=True).fill(DEMO_KEY)
    follow(page, page.get_by_role("button", name="Connect", exact=True))
    site.web.syncs.wait()
    span = _connect_tools(site, 12)

    page.goto(f"{site.url}/budgets")
    page.get_by_label("Name", exact=True).fill("Every AI tool")
    page.get_by_label("Period", exact=True).select_option("month")
    page.get_by_label("Providers", exact=True).select_option("all")
    amount = (span.month_cents / 100 * 2).quantize(Decimal(1))
    page.get_by_label("Amount (US dollars per period)").fill(str(amount))
    follow(page, page.get_by_role("button", name="Add the budget"))

    card = page.get_by_role("region", name="Every AI tool")
    text = card.inner_text()
    assert f"${span.month_cents / 100:,.2f}" in text  # the three tools' truth, to the cent
    assert "All providers" in text
    assert problems == []
