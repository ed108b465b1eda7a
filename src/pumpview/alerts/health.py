"""The integration health rule: a Cursor key that Cursor revoked, or a sync that failed several
times in a row. Each incident alerts once: it is keyed by the run that began it (the first
revoked run, the first of the failing streak), so the next failures of the same incident add
nothing, and a new incident after a good sync alerts again."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from pumpview.alerts.rule import Candidate, Context
from pumpview.store import integrations, runs
from pumpview.timeutil import day_of

FAILURES_IN_A_ROW = 3
"""How many syncs in a row must end in an error before anyone is told (one can be a blip)."""


def _streak(finished: list[runs.Run], outcome: str) -> list[runs.Run]:
    """The latest runs that all ended ``outcome`` (interrupted runs skipped: a restart is no
    verdict on the integration), newest first."""
    streak = []
    for run in finished:
        if run.outcome == "interrupted":
            continue
        if run.outcome != outcome:
            break
        streak.append(run)
    return streak


def integration_health(conn: Connection, context: Context) -> Iterator[Candidate]:
    """A revoked key, and ``FAILURES_IN_A_ROW`` failed syncs in a row, per integration."""
    del context  # the runs say when: the alert's day is the incident's first run's
    for row in integrations.listing(conn):
        shown = row["team_name"] or row["name"]
        finished = runs.finished(conn, int(row["id"]))
        revoked = _streak(finished, "revoked")
        if row["status"] == "revoked":
            first = revoked[-1] if revoked else None
            incident = f"run{first.id}" if first else f"connected{row['connected_at_ms']}"
            yield Candidate(
                key=f"integration:{row['id']}:revoked:{incident}", rule="integration",
                scope="integration", scope_value=row["name"],
                day=day_of(first.started_at_ms if first else int(row["connected_at_ms"])),
                message=(f"Cursor no longer accepts the key of {shown}: its figures stopped "
                         "updating. Create a new Admin API key and connect again."),
                details={"problem": "revoked", "integration": row["name"]},
            )  # fmt: skip
        failing = _streak(finished, "error")
        if len(failing) >= FAILURES_IN_A_ROW:
            first, latest = failing[-1], failing[0]
            yield Candidate(
                key=f"integration:{row['id']}:failing:run{first.id}", rule="integration",
                scope="integration", scope_value=row["name"], day=day_of(first.started_at_ms),
                message=(f"The last {len(failing)} syncs of {shown} failed; the latest said: "
                         f"{latest.message or 'no reason given'}"),
                details={"problem": "failing", "integration": row["name"],
                         "failures": len(failing), "first_run": first.id,
                         "latest_run": latest.id},
            )  # fmt: skip
