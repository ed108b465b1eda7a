"""What security keeps across requests, built once with the app: the cookie signer (its key
derived from the data folder's secret) and the sign-in throttle (failed sign-ins in the store,
shared by every process serving it). Neither reads a request; ``security`` applies them to one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from pumpview.store import sign_ins

T = TypeVar("T")


class Signer:
    """HMAC-SHA256 over cookie values, with a key derived from the data folder's secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac('cookie', value)}"

    def unsign(self, signed: str | None) -> str | None:
        value, _, mac = (signed or "").rpartition(".")
        return value if value and hmac.compare_digest(mac, self._mac("cookie", value)) else None

    def csrf_token(self, cookie: str, session_id: str | None) -> str:
        """The token of the CSRF ``cookie`` in the session ``session_id`` (``None``: none)."""
        return self._mac("csrf", f"{cookie}\n{session_id or ''}")


class Throttle:
    """Failed sign-ins in any ``window``: at most ``per_address`` from one address (whatever
    the accounts), and ``per_account`` against one account from all addresses together.

    The account's limit is ten times the address's, so that one address cannot lock a person
    out (ten wrong passwords did, for a minute, from anywhere): it takes ten addresses, each
    spending its whole budget. Guessing one password stays slow (100 a minute at most, against
    argon2 hashes of passwords of ten characters or more). The address is the peer's, or what a
    trusted proxy says (``PUMPVIEW_TRUSTED_PROXIES``), never a header anyone can send.

    The failures are kept in the store (``store.sign_ins``), not in the process: every worker of
    ``pumpview serve --workers N``, and every server on one PostgreSQL, counts the same ones, so
    spreading guesses over them gains nothing. The present is the app's clock (``now``, epoch
    ms, when given): with ``PUMPVIEW_NOW`` fixing it, the window never passes.
    """

    def __init__(
        self, engine: Engine, clock: Callable[[], int], per_address: int = 10,
        per_account: int = 100, window: float = 60.0,
    ) -> None:  # fmt: skip
        self.per_address, self.per_account, self.window = per_address, per_account, window
        self._engine, self._clock = engine, clock
        self._swept = -1 << 62

    @property
    def _window_ms(self) -> int:
        return round(self.window * 1000)

    def _limits(self, account: str, address: str) -> tuple[tuple[str, int], ...]:
        return (f"account:{account}", self.per_account), (f"address:{address}", self.per_address)

    def _keys(self, account: str, address: str) -> list[str]:
        return [key for key, _limit in self._limits(account, address)]

    def _written(self, write: Callable[[Connection], T]) -> T:
        """``write`` in a transaction of its own, again while SQLite says another process's
        transaction holds the database (``store.budget`` does the same)."""
        while True:
            try:
                with self._engine.begin() as conn:
                    return write(conn)
            except OperationalError as exc:
                if "locked" not in str(exc.orig):
                    raise

    def blocked(self, account: str, address: str, now: int | None = None) -> bool:
        now = self._clock() if now is None else now
        with self._engine.connect() as conn:
            return sign_ins.blocked(conn, self._limits(account, address), now, self._window_ms)

    def attempt(self, account: str, address: str, now: int | None = None) -> bool:
        """Whether a sign-in may be tried; if so it counts as failed until it ``succeeded``,
        so that sign-ins checked at once (each hashing a password, in any process) cannot all
        pass a check that none of them has failed yet."""
        now = self._clock() if now is None else now
        self._sweep(now)
        limits = self._limits(account, address)
        return self._written(lambda conn: sign_ins.attempt(conn, limits, now, self._window_ms))

    def succeeded(self, account: str, address: str) -> None:
        """Give back the place an ``attempt`` took (its sign-in succeeded)."""
        keys = self._keys(account, address)
        self._written(lambda conn: sign_ins.succeeded(conn, keys))

    def failed(self, account: str, address: str, now: int | None = None) -> None:
        now = self._clock() if now is None else now
        self._sweep(now)
        keys = self._keys(account, address)
        self._written(lambda conn: sign_ins.failed(conn, keys, now))

    def _sweep(self, now: int) -> None:
        """What made-up accounts left, once a window per process."""
        if now - self._swept >= self._window_ms:
            self._swept = now
            self._written(lambda conn: sign_ins.sweep(conn, now - self._window_ms))
