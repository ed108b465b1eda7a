"""The rules on usage: anomalies (a person's or team's day far above their usual) and the
idle-seats digest (paid seats nobody uses)."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.alerts.rule import Candidate, Context
from pumpview.money import format_dollars
from pumpview.reports import anomalies, billing, seat_use
from pumpview.store.measures import EXACT
from pumpview.timeutil import day_of

ANOMALY_DAYS = 3
"""Complete days judged at each evaluation: the latest, and two before it, so a server that was
down for a weekend still tells of Saturday's anomaly (each day's alert is keyed by its day)."""
SHOWN_SEATS = 10
"""Idle seats named in the digest's message; all of them are in its details."""


def anomaly(conn: Connection, context: Context) -> Iterator[Candidate]:
    """One alert per person or team and unusual complete day, explained by person x model."""
    settings = billing.resolve(conn, context.defaults)
    found = anomalies.latest(conn, days=ANOMALY_DAYS, factor=settings.anomaly_factor,
                             floor_cents=settings.anomaly_floor_cents)  # fmt: skip
    for a, row in zip(found, anomalies.to_json(found), strict=True):
        yield Candidate(
            key=f"anomaly:{a.scope}:{a.scope_value}:{a.day.isoformat()}", rule="anomaly",
            scope=a.scope, scope_value=a.scope_value, day=a.day, message=a.message,
            details=row,
        )  # fmt: skip


def idle_seats(conn: Connection, context: Context) -> Iterator[Candidate]:
    """A weekly digest of the idle paid seats (keyed by the week's Monday), when there are any:
    who, since when, and what they cost per cycle at the configured price."""
    settings = billing.resolve(conn, context.defaults)
    today = day_of(context.now_ms)
    idle = seat_use.idle_seats(conn, today, settings)
    if not idle:
        return
    monday = today - timedelta(days=today.weekday())
    with decimal.localcontext(EXACT):
        cost = sum((s.seat_cents for s in idle if s.seat_cents is not None), Decimal(0))
    priced = settings.seat_price is not None
    named = ", ".join(f"{s.name or s.email} ({s.idle_days} days)" for s in idle[:SHOWN_SEATS])
    more = f" and {len(idle) - SHOWN_SEATS} more" if len(idle) > SHOWN_SEATS else ""
    costs = (f"; they cost {format_dollars(cost)} per cycle (configured price)" if priced
             else "; set a seat price in Settings → Billing to see what they cost")  # fmt: skip
    yield Candidate(
        key=f"idle_seats:{monday.isoformat()}", rule="idle_seats", scope="organization",
        day=monday,
        message=(f"{len(idle)} paid seat{'s' if len(idle) != 1 else ''} unused for over "
                 f"{settings.idle_days} days: {named}{more}{costs}."),
        details={
            "idle_after_days": settings.idle_days,
            "seat_cents": str(cost) if priced else None,
            "seats": [
                {"email": s.email, "name": s.name, "integration": s.integration,
                 "last_active": s.last_active.isoformat() if s.last_active else None,
                 "idle_days": s.idle_days,
                 "seat_cents": None if s.seat_cents is None else str(s.seat_cents)}
                for s in idle
            ],
        },
    )  # fmt: skip
