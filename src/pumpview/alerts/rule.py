"""A rule's interface: a plain function ``(conn, context) -> Iterable[Candidate]``.

It reads what it needs through ``conn`` (one snapshot shared by every rule of an evaluation) and
yields a ``Candidate`` per crossing, keyed so that the same crossing always has the same key:
the rule, the budget or scope, the period, the threshold or day (``budget:7:2026-12-01:80``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from pumpview.reports.billing import DEFAULTS, Billing


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a rule found: an alert to create unless its ``key`` exists."""

    key: str
    rule: str  # budget, forecast, anomaly, idle_seats or integration
    scope: str  # organization, integration, team, person...
    message: str
    scope_value: str | None = None
    budget_id: int | None = None
    period: date | None = None  # the first day of the budget's period
    threshold: int | None = None  # the percent crossed
    day: date | None = None  # the anomaly's day, the digest's, the failure's
    details: Mapping[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {
            "key": self.key, "rule": self.rule, "scope": self.scope, "message": self.message,
            "scope_value": self.scope_value, "budget_id": self.budget_id, "period": self.period,
            "threshold": self.threshold, "day": self.day, "details": dict(self.details),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule may read besides the store: the present, and the billing settings'
    defaults (the environment's; a rule resolves the stored ones over them)."""

    now_ms: int
    defaults: Billing = DEFAULTS


Rule = Callable[[Connection, Context], Iterable[Candidate]]
