"""The web app's accounts as stored: users, API tokens, sessions, one-time set-up links.

Secrets never reach this module in clear: passwords arrive as argon2 hashes and tokens, session
ids and set-up links as SHA-256 hex digests (``pumpview.accounts`` makes both).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from pumpview.store import tables

users, tokens, sessions, links = (
    tables.users,
    tables.api_tokens,
    tables.web_sessions,
    tables.setup_links,
)


def add_user(conn: Connection, email: str, role: str, password_hash: str, now_ms: int) -> int:
    result = conn.execute(
        insert(users).values(
            email=email, role=role, password_hash=password_hash, created_at_ms=now_ms
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def user(conn: Connection, email: str) -> Row[Any] | None:
    return conn.execute(select(users).where(users.c.email == email)).first()


def user_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def listing(conn: Connection) -> list[Row[Any]]:
    """Every user with how many API tokens it holds, by email."""
    held = (
        select(tokens.c.user_id, func.count().label("tokens")).group_by(tokens.c.user_id).subquery()
    )
    return list(
        conn.execute(
            select(
                users.c.email,
                users.c.role,
                users.c.created_at_ms,
                func.coalesce(held.c.tokens, 0).label("tokens"),
            )
            .outerjoin(held, held.c.user_id == users.c.id)
            .order_by(users.c.email)
        )
    )


def remove_user(conn: Connection, email: str) -> bool:
    """Delete the user, and with it (``ON DELETE CASCADE``) its tokens and sessions; whether
    there was one."""
    return bool(conn.execute(delete(users).where(users.c.email == email)).rowcount)


# -- API tokens -------------------------------------------------------------------------------


def add_token(
    conn: Connection, user_id: int, name: str, token_hash: str, hint: str, now_ms: int
) -> int:
    result = conn.execute(
        insert(tokens).values(
            user_id=user_id, name=name, token_hash=token_hash, hint=hint, created_at_ms=now_ms
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def token_listing(conn: Connection) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(
                tokens.c.id,
                users.c.email,
                tokens.c.name,
                tokens.c.hint,
                tokens.c.created_at_ms,
                tokens.c.last_used_at_ms,
            )
            .join(users, users.c.id == tokens.c.user_id)
            .order_by(users.c.email, tokens.c.id)
        )
    )


def revoke_token(conn: Connection, token_id: int) -> bool:
    return bool(conn.execute(delete(tokens).where(tokens.c.id == token_id)).rowcount)


USED_EVERY_MS = 60_000
"""A token's last use is written at most once a minute: a script's every call is not a write."""


def token_user(conn: Connection, token_hash: str, now_ms: int) -> Row[Any] | None:
    """The user a token acts for (the token marked used, to the minute), or ``None``."""
    found = conn.execute(
        select(users, tokens.c.id.label("token_id"), tokens.c.last_used_at_ms)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == token_hash)
    ).first()
    if found is not None and (
        found.last_used_at_ms is None or now_ms - found.last_used_at_ms >= USED_EVERY_MS
    ):
        conn.execute(
            update(tokens).where(tokens.c.id == found.token_id).values(last_used_at_ms=now_ms)
        )
    return found


# -- sessions ---------------------------------------------------------------------------------


def add_session(
    conn: Connection, id_hash: str, user_id: int, now_ms: int, expires_at_ms: int
) -> None:
    conn.execute(delete(sessions).where(sessions.c.expires_at_ms <= now_ms))  # keep it small
    conn.execute(
        insert(sessions).values(
            id_hash=id_hash, user_id=user_id, created_at_ms=now_ms, expires_at_ms=expires_at_ms,
        )
    )  # fmt: skip


def session_user(conn: Connection, id_hash: str, now_ms: int) -> Row[Any] | None:
    """The signed-in user of a live session."""
    return conn.execute(
        select(users)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.id_hash == id_hash, sessions.c.expires_at_ms > now_ms)
    ).first()


def end_session(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


# -- set-up links -----------------------------------------------------------------------------


def add_setup_link(conn: Connection, token_hash: str, expires_at_ms: int) -> None:
    conn.execute(insert(links).values(token_hash=token_hash, expires_at_ms=expires_at_ms))


def setup_link_valid(conn: Connection, token_hash: str, now_ms: int) -> bool:
    return (
        conn.execute(
            select(links.c.token_hash).where(
                links.c.token_hash == token_hash,
                links.c.used_at_ms.is_(None),
                links.c.expires_at_ms > now_ms,
            )
        ).first()
        is not None
    )


def use_setup_link(conn: Connection, token_hash: str, now_ms: int) -> bool:
    """Spend a valid, unused link; ``False`` if it was used, expired or never made. Atomic: two
    requests racing with one link cannot both succeed."""
    spent = conn.execute(
        update(links)
        .where(
            links.c.token_hash == token_hash,
            links.c.used_at_ms.is_(None),
            links.c.expires_at_ms > now_ms,
        )
        .values(used_at_ms=now_ms)
    )
    return spent.rowcount == 1
