"""Each integration as a person should see it: status, the latest run, the data it holds.

The one reading of ``integrations``, ``sync_runs`` and the day bookmarks that the CLI's
``integrations list`` and the web app's Settings → Integrations both show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from pumpview.store import integrations, runs
from pumpview.timeutil import now_ms
from pumpview.vault import UNREADABLE, Vault


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

    @property
    def display_name(self) -> str:
        """What a person calls it: the team name given at connect, else its name."""
        return self.team_name or self.name

    @property
    def syncing(self) -> bool:
        return self.run is not None and self.run.outcome is None


def listing(engine: Engine, vault: Vault) -> list[Integration]:
    out = []
    with engine.connect() as conn:
        for row in integrations.listing(conn):
            active = runs.running(conn, row["id"], now_ms())
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
                    retention_from=row["earliest_day"],
                )
            )  # fmt: skip
    return out
