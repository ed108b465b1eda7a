"""A planted spike for the anomaly tests (reports, CLI, API): 38 days of three people's
hand-made usage, written into the store as a sync writes a window, and alice's $400 day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.integrations.cursor.usage_events import to_records
from pumpview.people.membership import Membership
from pumpview.store import directory, integrations
from pumpview.store.usage import Staged, store_window
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, Window, day_start_ms
from tests.conftest import NOW_MS

D = Decimal

FIRST = date(2026, 11, 1)
SPIKE = FIRST + timedelta(days=34)  # 2026-12-05: 28 days of baseline and more before it
LAST = FIRST + timedelta(days=37)  # 2026-12-08
FINAL_MS = day_start_ms(LAST) + MS_PER_DAY + 73 * MS_PER_HOUR
"""Fetched more than 72 hours after the last day ended: every day is final."""


def event(email: str, model: str, day: date, charged: int) -> dict[str, object]:
    return {"timestamp": str(day_start_ms(day) + 10 * MS_PER_HOUR), "userEmail": email,
            "model": model, "kind": "Usage-based", "maxMode": False, "requestsCosts": 1,
            "isTokenBasedCall": True, "chargedCents": D(charged),
            "tokenUsage": {"inputTokens": 100, "outputTokens": 10,
                           "totalCents": D(charged)}}  # fmt: skip


def usual(i: int) -> dict[tuple[str, str], int]:
    """Each person x model's usage value in cents on day ``FIRST + i``."""
    return {
        ("alice@acme.dev", "claude-4-sonnet"): 100 + i % 5,
        ("alice@acme.dev", "gpt-5"): 50,
        ("bob@acme.dev", "gpt-5"): 200 + 10 * (i % 3),
        ("carol@acme.dev", "claude-4-sonnet"): 30,
    }


SPIKE_CENTS = 40_000
"""alice's planted day: $400 on a model she never used."""


def plant(engine: Engine, fetched_at_ms: int, *, spike: bool = True) -> None:
    """38 days of three people's usage (alice and bob in Platform, carol in no team), alice's
    spike on ``SPIKE``, stored as a sync stores a window, fetched at ``fetched_at_ms``."""
    events = []
    for i in range((LAST - FIRST).days + 1):
        day = FIRST + timedelta(days=i)
        events += [event(e, m, day, c) for (e, m), c in usual(i).items()]
    if spike:
        events.append(event("alice@acme.dev", "claude-4-opus", SPIKE, SPIKE_CENTS))
    with engine.begin() as conn:
        iid = integrations.ids(conn).get("acme") or integrations.save(
            conn,
            {"name": "acme", "base_url": "http://127.0.0.1:1", "status": "connected",
             "connected_at_ms": NOW_MS, "backfill_days": 40},
        )  # fmt: skip
    staged = Staged(Window(day_start_ms(FIRST), day_start_ms(LAST) + MS_PER_DAY - 1))
    staged.add(to_records(events, iid))
    store_window(engine, iid, staged, fetched_at_ms)
    with engine.begin() as conn:
        if not directory.load(conn):
            for email, team in (("alice@acme.dev", "Platform"), ("bob@acme.dev", "Platform"),
                                ("carol@acme.dev", None)):  # fmt: skip
                person = directory.add_person(conn, email, None, "admin", NOW_MS)
                if team:
                    directory.set_memberships(conn, person, [Membership(team)])
