"""The ``channels`` table: where alerts go. What may be shown (a kind, a name, a host, a masked
URL) is plain JSON in ``config``; the URL, the signing secret and the SMTP password are one JSON
blob sealed by the vault in ``secret_ciphertext``, which no listing returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from pumpview.errors import UserInputError
from pumpview.store import tables

KINDS = ("slack", "webhook", "email")


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel as it may be shown: never its secrets. ``last_status`` is how its latest
    delivery attempt went (``sent``, ``retry``, ``failed``; ``None`` before the first), with
    ``last_error`` and ``last_at_ms``, so a failing channel shows."""

    id: int
    kind: str
    name: str
    config: dict[str, Any]
    created_at_ms: int
    last_status: str | None = None
    last_error: str | None = None
    last_at_ms: int | None = None


def add(
    conn: Connection, kind: str, name: str, config: dict[str, Any], sealed: str, now_ms: int
) -> int:
    """Store a channel; a name already taken is the ``name`` field's error."""
    if kind not in KINDS:
        msg = f"unknown channel kind {kind!r}: slack, webhook or email"
        raise UserInputError(msg, field="kind")
    taken = conn.execute(select(tables.channels.c.id).where(tables.channels.c.name == name)).first()
    if taken is not None:
        msg = f"a channel is already named {name!r}; choose another name"
        raise UserInputError(msg, field="name")
    try:  # a name taken meanwhile by another admin: the same error (the caller rolls back)
        return int(
            conn.execute(
                insert(tables.channels)
                .values(kind=kind, name=name, config=json.dumps(config, sort_keys=True),
                        secret_ciphertext=sealed, created_at_ms=now_ms)
                .returning(tables.channels.c.id)
            ).scalar_one()
        )  # fmt: skip
    except IntegrityError:
        msg = f"a channel is already named {name!r}; choose another name"
        raise UserInputError(msg, field="name") from None


def listing(conn: Connection) -> list[Channel]:
    """Every channel by name, with its latest attempt's outcome."""
    channels, deliveries = tables.channels, tables.deliveries
    attempts = tables.delivery_attempts
    latest = (
        select(deliveries.c.channel_id, func.max(attempts.c.id).label("attempt_id"))
        .join(attempts, attempts.c.delivery_id == deliveries.c.id)
        .group_by(deliveries.c.channel_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            channels.c.id, channels.c.kind, channels.c.name, channels.c.config,
            channels.c.created_at_ms, attempts.c.outcome, attempts.c.error, attempts.c.at_ms,
        )
        .outerjoin(latest, latest.c.channel_id == channels.c.id)
        .outerjoin(attempts, attempts.c.id == latest.c.attempt_id)
        .order_by(channels.c.name)
    )  # fmt: skip
    return [
        Channel(int(r.id), r.kind, r.name, json.loads(r.config), int(r.created_at_ms),
                r.outcome, r.error, r.at_ms)
        for r in rows
    ]  # fmt: skip


def find(conn: Connection, channel_id: int) -> Channel | None:
    return next((c for c in listing(conn) if c.id == channel_id), None)


def sealed(conn: Connection, channel_id: int) -> str | None:
    """The channel's sealed secrets, for the one that sends; ``None`` if there is no such
    channel."""
    found: str | None = conn.execute(
        select(tables.channels.c.secret_ciphertext).where(tables.channels.c.id == channel_id)
    ).scalar()
    return found


def remove(conn: Connection, channel_id: int) -> bool:
    """Remove a channel and its deliveries; whether there was one."""
    deliveries = select(tables.deliveries.c.id).where(tables.deliveries.c.channel_id == channel_id)
    conn.execute(
        delete(tables.delivery_attempts).where(
            tables.delivery_attempts.c.delivery_id.in_(deliveries)
        )
    )
    conn.execute(delete(tables.deliveries).where(tables.deliveries.c.channel_id == channel_id))
    done = conn.execute(delete(tables.channels).where(tables.channels.c.id == channel_id))
    return bool(done.rowcount)


def ids(conn: Connection) -> list[int]:
    return [int(i) for i in conn.execute(select(tables.channels.c.id)).scalars()]
