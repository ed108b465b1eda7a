"""The budget rules: a threshold of a budget's amount reached this period, and a forecast that
exceeds the amount, each once per budget and period.

When several thresholds are reached at once (a budget added late in a period, a quiet weekend
of evaluations), only the highest is told: the lower ones say less, and would arrive together.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from pumpview.alerts.rule import Candidate, Context
from pumpview.money import format_dollars
from pumpview.reports import billing, budgets
from pumpview.reports.budgets import Status

MEASURE_WORDS = {"usage": "usage value", "on_demand": "on-demand", "bill": "bill"}


def _what(status: Status) -> str:
    b = status.budget
    period = f"{'cycle' if b.period == 'cycle' else 'month'} from {status.period.first_day}"
    return (f"{MEASURE_WORDS.get(b.measure, b.measure)} of {format_dollars(status.actual_cents)}"
            f" against {format_dollars(b.amount_cents)} for the {period}")  # fmt: skip


def budget(conn: Connection, context: Context) -> Iterator[Candidate]:
    """Each budget's highest threshold reached this period, and its forecast over the amount."""
    settings = billing.resolve(conn, context.defaults)
    for status in budgets.statuses(conn, context.now_ms, settings):
        b, signals = status.budget, budgets.signals(status)
        first = signals.period_first_day.isoformat()
        if signals.crossings:
            top = signals.crossings[-1]
            yield Candidate(
                key=f"budget:{b.id}:{first}:{top.threshold_percent}", rule="budget",
                scope=b.scope, scope_value=b.scope_value, budget_id=b.id,
                period=signals.period_first_day, threshold=top.threshold_percent,
                message=(f"Budget “{b.name}” reached {top.threshold_percent} %: "
                         f"{_what(status)} ({status.percent_used} % used, "
                         f"{status.days_left} days left)."),
                details=budgets.record(status),
            )  # fmt: skip
        if signals.forecast_over:
            reached = status.forecast.reached_on
            by = f", reaching it on {reached}" if reached else ""
            yield Candidate(
                key=f"forecast:{b.id}:{first}", rule="forecast", scope=b.scope,
                scope_value=b.scope_value, budget_id=b.id, period=signals.period_first_day,
                message=(f"Budget “{b.name}” is forecast to end the period at "
                         f"{format_dollars(status.forecast_cents)}{by}: {_what(status)}."),
                details=budgets.record(status),
            )  # fmt: skip
