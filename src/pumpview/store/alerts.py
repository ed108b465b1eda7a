"""Alerts, once each, and their deliveries, each claimed by one sender at a time.

``create`` inserts an alert by its unique ``key`` with ``ON CONFLICT DO NOTHING`` (SQLite and
PostgreSQL alike): however many evaluations, restarts or processes see the same crossing, one
row is created, and only the transaction that created it queues its deliveries (one per channel
existing then). A sender ``claim``s a delivery with a conditional ``UPDATE`` (pending, or a
claim that expired, and due), sends, and ``record``s the attempt: a 2xx marks it ``sent`` for
good; a retryable failure schedules the next attempt with backoff, ``failed`` after
``MAX_ATTEMPTS``; a refusal (4xx) is ``failed`` at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pumpview.store import tables

RETRY_DELAYS_MS = (60_000, 300_000, 1_800_000)
"""After a first, second and third failed attempt: 1, 5 and 30 minutes."""
MAX_ATTEMPTS = len(RETRY_DELAYS_MS) + 1
"""A delivery that failed this many times (each retryable) is ``failed``."""
CLAIM_MS = 120_000
"""A sender's lease on a delivery: longer than any one attempt (its timeouts are seconds); a
sender killed mid-send loses it, and the next sender sends again, with the same message id."""
OUTCOMES = ("sent", "retry", "failed")


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """An alert's delivery to one channel, as the alert lists it."""

    channel: str
    status: str  # pending, sending, sent or failed
    attempts: int


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    key: str
    rule: str
    budget_id: int | None
    scope: str
    scope_value: str | None
    period: date | None
    threshold: int | None
    day: date | None
    created_at_ms: int
    message: str
    details: dict[str, Any]
    deliveries: tuple[DeliveryState, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Due:
    """A delivery a sender holds: what to send, where, and under which message id."""

    id: int
    alert_id: int
    channel_id: int
    message_id: str
    attempts: int
    claimed_until_ms: int


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def create(conn: Connection, values: dict[str, Any], now_ms: int) -> int | None:
    """Insert the alert ``values`` (``key``, ``rule``, ``scope``, ``message``...) and its
    deliveries, one per channel; ``None``, and nothing written, when its key exists already.
    Call it first in its transaction (SQLite then takes the write lock at once)."""
    row = {**values, "details": json.dumps(values.get("details") or {}, sort_keys=True,
                                            default=str), "created_at_ms": now_ms}  # fmt: skip
    stmt = _insert(conn)(tables.alerts).values(**row)
    stmt = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(tables.alerts.c.id)
    alert_id = conn.execute(stmt).scalar()
    if alert_id is None:
        return None
    channel_ids = list(conn.execute(select(tables.channels.c.id)).scalars())
    if channel_ids:
        conn.execute(
            insert(tables.deliveries),
            [{"alert_id": alert_id, "channel_id": c, "message_id": new_message_id(),
              "status": "pending", "attempts": 0, "next_attempt_at_ms": now_ms}
             for c in channel_ids],
        )  # fmt: skip
    return int(alert_id)


def new_message_id() -> str:
    """A delivery's id, the same on every attempt (Standard Webhooks' ``webhook-id``)."""
    return f"msg_{secrets.token_hex(12)}"


def keys(conn: Connection, candidates: Iterable[str]) -> set[str]:
    """Which of the ``candidates`` keys are stored already."""
    wanted = list(candidates)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            conn.execute(select(tables.alerts.c.key).where(tables.alerts.c.key.in_(chunk)))
            .scalars()
        )  # fmt: skip
    return found


def due(conn: Connection, now_ms: int, limit: int = 100) -> list[int]:
    """The deliveries a sender may claim now: pending and due, or sending under a lease that
    expired (its sender stopped mid-send)."""
    d = tables.deliveries
    claimable = (d.c.status == "pending") | (
        (d.c.status == "sending") & (d.c.claimed_until_ms < now_ms)
    )
    return [
        int(i)
        for i in conn.execute(
            select(d.c.id)
            .where(claimable, d.c.next_attempt_at_ms <= now_ms)
            .order_by(d.c.next_attempt_at_ms, d.c.id)
            .limit(limit)
        ).scalars()
    ]


def claim(conn: Connection, delivery_id: int, now_ms: int) -> Due | None:
    """Take delivery ``delivery_id`` for sending: a conditional ``UPDATE`` that one sender wins;
    ``None`` when it is not claimable (sent, failed, held by a live claim, not due)."""
    d = tables.deliveries
    until = now_ms + CLAIM_MS
    claimable = (d.c.status == "pending") | (
        (d.c.status == "sending") & (d.c.claimed_until_ms < now_ms)
    )
    taken = conn.execute(
        update(d)
        .where(d.c.id == delivery_id, claimable, d.c.next_attempt_at_ms <= now_ms)
        .values(status="sending", claimed_until_ms=until)
    ).rowcount
    if not taken:
        return None
    row = conn.execute(select(d).where(d.c.id == delivery_id)).one()
    return Due(int(row.id), int(row.alert_id), int(row.channel_id), row.message_id,
               int(row.attempts), until)  # fmt: skip


def record(
    conn: Connection,
    held: Due,
    now_ms: int,
    outcome: str,
    status_code: int | None = None,
    error: str | None = None,
) -> str:
    """Record an attempt on a delivery ``held`` by this sender, and what follows from it: the
    delivery's new status (``sent``, ``pending`` for a retry, ``failed``)."""
    if outcome not in OUTCOMES:
        msg = f"unknown outcome {outcome!r}"
        raise ValueError(msg)
    attempts = held.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "claimed_until_ms": None, "last_error": error}
    if outcome == "sent":
        values.update(status="sent", sent_at_ms=now_ms)
    elif outcome == "retry" and attempts < MAX_ATTEMPTS:
        values.update(status="pending", next_attempt_at_ms=now_ms + RETRY_DELAYS_MS[attempts - 1])
    else:
        outcome = "failed"
        values.update(status="failed")
    d = tables.deliveries
    conn.execute(
        insert(tables.delivery_attempts).values(
            delivery_id=held.id, at_ms=now_ms, outcome=outcome, status_code=status_code,
            error=error,
        )
    )  # fmt: skip
    conn.execute(  # only while the claim is still this sender's (a lease taken over is not)
        update(d)
        .where(d.c.id == held.id, d.c.status == "sending",
               d.c.claimed_until_ms == held.claimed_until_ms)
        .values(**values)
    )  # fmt: skip
    return str(values["status"])


def _alert(row: Any, deliveries: Sequence[DeliveryState] = ()) -> Alert:
    return Alert(
        int(row.id), row.key, row.rule, row.budget_id, row.scope, row.scope_value, row.period,
        row.threshold, row.day, int(row.created_at_ms), row.message, json.loads(row.details),
        tuple(deliveries),
    )  # fmt: skip


def listing(conn: Connection, ids: Sequence[int] | None = None, limit: int = 500) -> list[Alert]:
    """The newest alerts (or those of ``ids``), newest first, each with its deliveries."""
    a, d, c = tables.alerts, tables.deliveries, tables.channels
    query = select(a).order_by(a.c.created_at_ms.desc(), a.c.id.desc())
    if ids is not None:
        if not ids:
            return []
        query = query.where(a.c.id.in_(list(ids)))
    rows = list(conn.execute(query.limit(limit)))
    if not rows:
        return []
    sent: dict[int, list[DeliveryState]] = {}
    for r in conn.execute(
        select(d.c.alert_id, c.c.name, d.c.status, d.c.attempts)
        .join(c, c.c.id == d.c.channel_id)
        .where(d.c.alert_id.in_([row.id for row in rows]))
        .order_by(c.c.name)
    ):
        sent.setdefault(int(r.alert_id), []).append(
            DeliveryState(r.name, r.status, int(r.attempts))
        )
    return [_alert(row, sent.get(int(row.id), ())) for row in rows]


def find(conn: Connection, alert_id: int) -> Alert | None:
    found = listing(conn, [alert_id])
    return found[0] if found else None
