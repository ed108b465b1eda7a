"""Pacing under an upstream's per-minute limits: a sliding window per bucket (an endpoint, or
endpoints sharing a limit), recorded in a budget of this client's own or one shared by every
process calling the same upstream account; after a 429 a bucket slows down for the client's
lifetime."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

PACE_WINDOW_SECONDS = 60.0


class Budget(Protocol):
    """Where a client records its sends: its own (``LocalBudget``) or one every process calling
    the same Cursor team shares (``store.budget.SharedBudget``)."""

    def claim(self, bucket: str, limit: int) -> float:
        """Record a send and return 0 if fewer than ``limit`` went in the last 60 s; else record
        nothing and return the seconds until one may go."""
        ...


class LocalBudget:
    """A sliding window per bucket, in this client's memory."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def claim(self, bucket: str, limit: int) -> float:
        sent = self._sent.setdefault(bucket, deque())
        now = self._clock()
        while sent and sent[0] <= now - PACE_WINDOW_SECONDS:
            sent.popleft()
        if len(sent) < limit:
            sent.append(now)
            return 0.0
        return sent[0] + PACE_WINDOW_SECONDS - now


class Pacer:
    """At most ``limit`` sends per bucket in any 60 s, recorded in a ``Budget``.

    Because the window slides, any N+1 consecutive sends span at least 60 s, so no fixed upstream
    minute can see more than N of them.
    """

    def __init__(
        self,
        budget: Budget,
        sleep: Callable[[float], object],
        limits: Callable[[str], int],
        after_429: int,
    ) -> None:
        self._budget = budget
        self._sleep = sleep
        self._defaults = limits
        self._after_429 = after_429
        self._limits: dict[str, int] = {}

    def limit(self, bucket: str) -> int:
        return self._limits.get(bucket, self._defaults(bucket))

    def slow_down(self, bucket: str) -> None:
        """Lower ``bucket`` to the pace after a 429 (never raise it)."""
        self._limits[bucket] = min(self.limit(bucket), self._after_429)

    def acquire(self, bucket: str) -> float:
        """Wait until ``bucket`` may send, record the send, and return the seconds waited."""
        waited = 0.0
        while (wait := self._budget.claim(bucket, self.limit(bucket))) > 0:
            self._sleep(wait)
            waited += wait
        return waited
