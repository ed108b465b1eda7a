"""What security keeps across requests, built once with the app: the cookie signer (its key
derived from the data folder's secret) and the sign-in throttle (failed sign-ins in memory).
Neither reads a request; ``security`` applies them to one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import deque


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
    """

    def __init__(self, per_address: int = 10, per_account: int = 100, window: float = 60.0) -> None:
        self.per_address, self.per_account, self.window = per_address, per_account, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.RLock()  # attempt() holds it through blocked() and failed()
        self._swept = float("-inf")

    def _recent(self, key: str, now: float) -> int:
        """How many failures ``key`` had in the window; a key with none left is forgotten."""
        failures = self._failures.get(key)
        if failures is None:
            return 0
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return len(failures)

    def _limits(self, account: str, address: str) -> tuple[tuple[str, int], ...]:
        return (f"account:{account}", self.per_account), (f"address:{address}", self.per_address)

    def blocked(self, account: str, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            limits = self._limits(account, address)
            return any(self._recent(key, now) >= limit for key, limit in limits)

    def attempt(self, account: str, address: str, now: float | None = None) -> bool:
        """Whether a sign-in may be tried; if so it counts as failed until it ``succeeded``,
        so that sign-ins checked at once (each hashing a password) cannot all pass a check
        that none of them has failed yet."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self.blocked(account, address, now):
                return False
            self.failed(account, address, now)
            return True

    def succeeded(self, account: str, address: str) -> None:
        """Give back the place an ``attempt`` took (its sign-in succeeded)."""
        with self._lock:
            for key, _limit in self._limits(account, address):
                failures = self._failures.get(key)
                if failures:
                    failures.pop()
                    if not failures:
                        del self._failures[key]

    def failed(self, account: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if now - self._swept >= self.window:  # what made-up accounts left, once a window
                self._swept = now
                for key in list(self._failures):
                    self._recent(key, now)
            for key, _limit in self._limits(account, address):
                self._failures.setdefault(key, deque()).append(now)
