"""Failed sign-ins as stored, so that every server on the store throttles as one.

Each failure is a row per key it counts against (``account:EMAIL`` and ``address:IP``, as
SHA-256 digests: the store keeps no list of who tried which account). ``attempt`` checks the
keys' limits over the last ``window_ms`` and, when under them, records the attempt as failed in
the same transaction, serialised across processes as ``store.budget``'s claims are: by the write
lock on SQLite (its first statement, a ``DELETE`` of the keys' old rows, takes it), by
transaction-scoped advisory locks on PostgreSQL. ``sweep`` drops what made-up accounts left.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, insert, select

from pumpview.store import tables

failures = tables.sign_in_failures


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lock(conn: Connection, hashes: Sequence[str]) -> None:
    """PostgreSQL: hold each key's advisory lock until the transaction ends (in one order, so
    two attempts never wait on each other crosswise). SQLite: its write lock does it."""
    if conn.dialect.name == "postgresql":
        for hashed in sorted(hashes):
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"sign-in\n{hashed}"))))


def _recent(conn: Connection, hashes: Sequence[str], since_ms: int) -> dict[str, int]:
    rows = conn.execute(
        select(failures.c.key_hash, func.count())
        .where(failures.c.key_hash.in_(hashes), failures.c.failed_at_ms > since_ms)
        .group_by(failures.c.key_hash)
    )
    return {str(hashed): int(count) for hashed, count in rows}


def blocked(
    conn: Connection, limits: Sequence[tuple[str, int]], now_ms: int, window_ms: int
) -> bool:
    """Whether any key of ``limits`` (key, limit) failed ``limit`` times in the window."""
    hashes = [digest(key) for key, _limit in limits]
    recent = _recent(conn, hashes, now_ms - window_ms)
    return any(
        recent.get(hashed, 0) >= limit for hashed, (_key, limit) in zip(hashes, limits, strict=True)
    )


def attempt(
    conn: Connection, limits: Sequence[tuple[str, int]], now_ms: int, window_ms: int
) -> bool:
    """Unless a key is at its limit, record a failure of every key at ``now_ms`` and return
    ``True``; ``False`` (nothing recorded) otherwise. Runs in the caller's transaction: keep it
    alone."""
    hashes = [digest(key) for key, _limit in limits]
    _lock(conn, hashes)
    conn.execute(  # first: on SQLite this takes the write lock, which serialises attempts
        delete(failures).where(
            failures.c.key_hash.in_(hashes), failures.c.failed_at_ms <= now_ms - window_ms
        )
    )
    recent = _recent(conn, hashes, now_ms - window_ms)
    if any(
        recent.get(hashed, 0) >= limit for hashed, (_key, limit) in zip(hashes, limits, strict=True)
    ):
        return False
    conn.execute(insert(failures), [{"key_hash": h, "failed_at_ms": now_ms} for h in hashes])
    return True


def failed(conn: Connection, keys: Sequence[str], now_ms: int) -> None:
    """Record a failure of every key at ``now_ms``."""
    conn.execute(insert(failures), [{"key_hash": digest(k), "failed_at_ms": now_ms} for k in keys])


def succeeded(conn: Connection, keys: Sequence[str]) -> None:
    """Take back each key's newest failure: the place an ``attempt`` took, its sign-in having
    succeeded."""
    for key in keys:
        hashed = digest(key)
        newest = (
            select(func.max(failures.c.id)).where(failures.c.key_hash == hashed).scalar_subquery()
        )
        conn.execute(delete(failures).where(failures.c.id == newest))


def sweep(conn: Connection, before_ms: int) -> int:
    """Forget every failure at or before ``before_ms`` (out of every window); how many."""
    return int(conn.execute(delete(failures).where(failures.c.failed_at_ms <= before_ms)).rowcount)
