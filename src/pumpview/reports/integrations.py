"""Each integration as a person should see it: status, the latest run, the data it holds.

The one reading of ``integrations``, ``sync_runs`` and the day bookmarks that the CLI's
``integrations list`` and the web app's Settings → Integrations both show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from pumpview.store import integrations, runs
from pumpview.vault import UNREADABLE, Vault

STAGES = {
    "starting": "Starting",
    "members": "Reading the team's members",
    "users": "Reading the organisation's users",
    "seats": "Reading the organisation's Copilot seats",
    "window": "Loading usage",
    "spend": "Reading the spend",
    "groups": "Reading the billing groups",
}
"""The syncs' stages (``syncing.Progress.stage``) as a person reads them: Cursor reads its
team's members, Claude Code its organisation's users, Copilot its organisation's seats."""


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """A running sync as its card and the data pages show it."""

    stage: str
    days_done: int
    days_total: int
    """Days asked; 0 until the sync has planned its windows (the bar then has no figure)."""
    seconds_left: int | None
    """An estimate, only while the upstream's rate limits set the pace: the time spent waiting on
    them is half the run or more, so the days left take as long as the days done did."""

    @property
    def line(self) -> str:
        if not self.days_total:
            return f"{self.stage}…"
        said = f"{self.stage}: {self.days_done:,} of {self.days_total:,} days loaded"
        if self.seconds_left is not None:
            said += f"; about {_duration(self.seconds_left)} left at the rate limit"
        return said


def _duration(seconds: int) -> str:
    if seconds < 60:
        return "a minute"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


def progress_of(run: runs.Run) -> SyncProgress:
    """What ``run`` has done so far, from its own record (its heartbeat is its clock)."""
    elapsed = run.heartbeat_at_ms - run.started_at_ms
    left = None
    if 0 < run.days_done < run.days_total and 2 * run.rate_limit_wait_ms >= elapsed > 0:
        left = math.ceil(elapsed * (run.days_total - run.days_done) / run.days_done / 1000)
    return SyncProgress(STAGES.get(run.stage, run.stage), run.days_done, run.days_total, left)


@dataclass(frozen=True, slots=True)
class Integration:
    name: str
    team_name: str | None
    key: str | None
    """The masked key (``crsr_…a1b2``) while one is stored; never the key."""
    status: str
    """connected, syncing, revoked, error or disconnected."""
    message: str | None
    run: runs.Run | None
    """The running sync, else the latest one."""
    last_success_at_ms: int | None
    first_day: date | None
    last_day: date | None
    events: int
    retention_from: date | None
    """The oldest day Cursor still returned, once a run reached the far end of its horizon."""
    provider: str = "cursor"
    """Whose it is: ``cursor``, ``claude-code`` or ``copilot``."""
    account: str | None = None
    """The provider's account it reads, where its key reads several: a GitHub organisation."""

    @property
    def display_name(self) -> str:
        """What a person calls it: the team name given at connect, else its name."""
        return self.team_name or self.name

    @property
    def syncing(self) -> bool:
        return self.run is not None and self.run.outcome is None

    @property
    def progress(self) -> SyncProgress | None:
        """The running sync's progress; ``None`` while none runs."""
        return progress_of(self.run) if self.run is not None and self.syncing else None


def listing(engine: Engine, vault: Vault, now_ms: int) -> list[Integration]:
    """Every integration as it stands at ``now_ms`` (a running sync shows as syncing)."""
    out = []
    with engine.connect() as conn:
        for row in integrations.listing(conn):
            active = runs.running(conn, row["id"], now_ms)
            status, message = row["status"], row["message"]
            if active is not None:
                status = "syncing"
            elif row["key_ciphertext"] and not vault.can_open(row["key_ciphertext"]):
                status, message = "error", UNREADABLE
            out.append(
                Integration(
                    name=row["name"], team_name=row["team_name"],
                    key=row["key_hint"] if row["key_ciphertext"] else None, status=status,
                    message=message, run=active or runs.latest(conn, row["id"]),
                    last_success_at_ms=row["last_success_at_ms"], first_day=row["first_day"],
                    last_day=row["last_day"], events=int(row["events"]),
                    retention_from=row["earliest_day"], provider=row["provider"],
                    account=row["account"],
                )
            )  # fmt: skip
    return out
