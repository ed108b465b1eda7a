"""Each provider's sync names its first stage in its own words: Cursor reads its team's members,
Claude Code its organisation's users, Copilot its organisation's Copilot seats (the line the
integration's card and the data pages show while it runs)."""

from __future__ import annotations

from contextlib import ExitStack

import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection as claude_code
from pumpview.integrations.copilot import connection as copilot
from pumpview.reports.integrations import progress_of
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.server import serve_in_thread
from pumpview.store.runs import Run
from pumpview.vault import Vault

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z
DAYS = 2


def _lines(engine: Engine, vault: Vault, name: str) -> list[str]:
    """The progress lines of one sync of ``name``, in order, each once."""
    seen: list[str] = []

    def watch(run: Run) -> None:
        line = progress_of(run).line
        if not seen or seen[-1] != line:
            seen.append(line)

    runner.run_sync(engine, vault, name, pacing=False, backfill_days=DAYS, on_progress=watch,
                    clock=lambda: NOW)  # fmt: skip
    return seen


def test_a_claude_code_sync_says_it_reads_the_organisations_users(engine):
    """Claude Code's first stage is "Reading the organisation's users", never Cursor's words."""
    vault = Vault(Fernet.generate_key())
    app = create_anthropic_simulator(AnthropicConfig(
        now_ms=NOW, days=DAYS, members=12, rate_limit_per_minute=None))  # fmt: skip
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True))
        url = stack.enter_context(serve_in_thread(app))
        claude_code.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=url, team_name=None,
                            name="claude-code", now_ms=NOW, pacing=False)  # fmt: skip
        lines = _lines(engine, vault, "claude-code")
    assert lines[0] == "Reading the organisation's users…"
    assert not any("team's members" in line for line in lines)


def test_a_copilot_sync_says_it_reads_the_organisations_copilot_seats(engine):
    """Copilot's first stage is "Reading the organisation's Copilot seats"."""
    vault = Vault(Fernet.generate_key())
    app = create_github_simulator(GitHubConfig(now_ms=NOW, days=DAYS, members=12))
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True))
        url = stack.enter_context(serve_in_thread(app))
        copilot.connect(engine, vault, DEMO_GITHUB_TOKEN, org="acme", base_url=url,
                        team_name=None, name="copilot", now_ms=NOW, pacing=False)  # fmt: skip
        lines = _lines(engine, vault, "copilot")
    assert lines[0] == "Reading the organisation's Copilot seats…"
    assert not any("team's members" in line for line in lines)
