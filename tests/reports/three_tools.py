"""A store with all three tools of one organisation: Cursor, Claude Code and GitHub Copilot synced
from their simulators over the same days, each GitHub login of a Cursor member aliased to that
person (``login_emails``); and each tool's ground truth per person, computed from the
simulators' own truth, never through the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection as claude_connection
from pumpview.integrations.copilot import connection as copilot_connection
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import claude_code_truth
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.reports import latest_day
from pumpview.simulator.github.truth import activity_truth, billing_truth, login_emails
from pumpview.simulator.server import serve_in_thread
from pumpview.simulator.truth import by_user, totals
from pumpview.store import directory
from pumpview.timeutil import day_of, day_start_ms
from pumpview.vault import Vault
from tests.conftest import Served, sync_served

CENTS = Decimal(100)
CLAUDE = ("sessions", "lines_added", "lines_removed", "commits", "pull_requests",
          "tool_accepted", "tool_rejected")  # fmt: skip
COPILOT = ("interactions", "code_generations", "code_acceptances", "lines_added",
           "lines_deleted")  # fmt: skip


@dataclass
class Tool:
    """One tool's truth for one person key."""

    usage: Decimal = Decimal(0)
    billed: Decimal = Decimal(0)
    activity: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Truth:
    first: date
    last: date
    cursor: dict[str, Decimal]
    """Email -> Cursor's usage value in cents."""
    claude: dict[str, Tool]
    """Claude Code identity (an email, lower-case, or ``api-key:<name>``) -> its truth."""
    copilot: dict[str, Tool]
    """Login (lower-case) -> its truth."""
    logins: dict[str, str]
    """Login (lower-case) -> the email of the person it is aliased to."""

    def everyone(self) -> set[str]:
        """Emails of the people who used all three tools."""
        on_copilot = {self.logins[login] for login in self.copilot if login in self.logins}
        return {e for e, v in self.cursor.items() if v} & set(self.claude) & on_copilot


def fill(engine: Engine, cursor: Served, *, now_ms: int, days: int, members: int) -> Truth:
    """Sync the three tools into ``engine`` over the ``days`` up to ``now_ms``; their truth."""
    sync_served(engine, cursor, days=days, now_ms=now_ms)
    anthropic = create_anthropic_simulator(
        AnthropicConfig(now_ms=now_ms, days=days, members=members, rate_limit_per_minute=None)
    )
    github = create_github_simulator(GitHubConfig(now_ms=now_ms, days=days, members=members))
    vault = Vault(Fernet.generate_key())
    with (
        serve_in_thread(anthropic) as anthropic_url,
        serve_in_thread(github) as github_url,
        stamina.set_testing(True, attempts=100, cap=True),
    ):
        claude_connection.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=anthropic_url,
                                  team_name=None, now_ms=now_ms, pacing=False)  # fmt: skip
        copilot_connection.connect(engine, vault, DEMO_GITHUB_TOKEN,
                                   org=github.state.sim.config.org, base_url=github_url,
                                   team_name=None, name="copilot", now_ms=now_ms,
                                   pacing=False)  # fmt: skip
        for name in ("claude-code", "copilot"):
            runner.run_sync(engine, vault, name, pacing=False, backfill_days=days,
                            clock=lambda: now_ms)  # fmt: skip
    logins = login_emails(github.state.sim.org)
    with engine.begin() as conn:
        directory.meet(conn, [(e.lower(), None) for e in sorted(set(logins.values()))],
                       origin="cursor", now_ms=now_ms)  # fmt: skip
        ids = {p.email: p.id for p in directory.load(conn).values() if p.email}
        for login, email in sorted(logins.items()):
            directory.add_aliases(conn, ids[email.lower()], [f"github:{login}"], "admin")
    last = day_of(now_ms)
    first = last - timedelta(days=days - 1)
    return Truth(
        first, last, _cursor(cursor, first, now_ms), _claude(anthropic, first, last),
        _copilot(github, first, last), {k: v.lower() for k, v in logins.items()},
    )  # fmt: skip


def _cursor(cursor: Served, first: date, now_ms: int) -> dict[str, Decimal]:
    per_user = totals(cursor.sim.team, day_start_ms(first), now_ms, by_user)
    return {(email or "").lower(): t.spend_cents for email, t in per_user.items()}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _claude(app: object, first: date, last: date) -> dict[str, Tool]:
    out: dict[str, Tool] = defaultdict(Tool)
    org = app.state.sim.org  # type: ignore[attr-defined]
    for day in _days(first, last):
        for (who, model), t in claude_code_truth(org, day).items():
            tool = out[who]
            if model is not None:
                tool.usage += t.estimated_cents
                tool.billed += t.estimated_cents
            else:
                for name in CLAUDE:
                    tool.activity[name] += getattr(t, name)
    return dict(out)


def _copilot(app: object, first: date, last: date) -> dict[str, Tool]:
    out: dict[str, Tool] = defaultdict(Tool)
    org = app.state.sim.org  # type: ignore[attr-defined]
    for day in _days(first, last):
        for (login, _model, _sku), line in billing_truth(org, day).items():
            out[login].usage += line.gross_amount * CENTS
            out[login].billed += line.net_amount * CENTS
        if day > latest_day(org):  # no usage-metrics report yet (GitHub's lag of a day)
            continue
        for login, t in activity_truth(org, day).items():
            tool = out[login]
            for name in COPILOT:
                tool.activity[name] += getattr(t, name)
            tool.activity["active_days"] += 1
    return dict(out)
