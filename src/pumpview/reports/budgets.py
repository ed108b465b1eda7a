"""Each budget's status now: the period holding the present, the actual to date (Pump View's own
figure from the events; Cursor's own figures are the reconciliation's), the forecast for the
period's end (``reports.forecast``), the share used, the days left and a state; and, for the
alert rules, the signals a status gives (``signals``).

**The period.** ``month``: the calendar month (UTC). ``cycle``: the billing cycle of the
budget's integration; for the organisation, a team or a person, of the oldest Cursor integration
(the lowest id): a budget has one period, and most organisations have one Cursor team; with
several whose cycles differ, every team's usage is counted over that one window (README). With
no Cursor integration, a cycle is the calendar month (``known`` false, and the page says so).

**The actual.** The measure over the period's events stored so far (``budget_spend``), plus, for
``bill``, the configured seats in full (a cycle's seats are charged at its start; for provider
``all``, Copilot's seats at their plans' prices too). No seat price
set: the bill has no seats, and ``seats_cents`` is ``None`` (the page says so).

**The state.** ``over`` once the actual reaches the amount; else ``forecast_over`` when the
forecast exceeds it; else ``warning`` once a threshold below 100 % is crossed; else ``ok``.
Comparisons are exact (``actual * 100 >= threshold * amount``); percentages are rounded for
display only.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from pumpview.reports import cloud, cycles
from pumpview.reports import forecast as forecasting
from pumpview.reports.attribution import Directory
from pumpview.reports.billing import Billing
from pumpview.reports.billing import resolve as resolve_billing
from pumpview.reports.budget_spend import (
    Folded,
    Scoped,
    copilot_seat_fees,
    first_day,
    resolve,
    seats,
    spend_days,
)
from pumpview.reports.cycles import Cycle
from pumpview.reports.plain import plain
from pumpview.store import budgets as store
from pumpview.store import tables
from pumpview.store.budgets import Budget
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT
from pumpview.store.usage import is_final
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

STATES = ("ok", "warning", "forecast_over", "over")
STATE_WORDS = {"ok": "On track", "warning": "Warning", "forecast_over": "Forecast over budget",
               "over": "Over budget"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Status:
    budget: Budget
    period: Cycle
    """The period holding the present: ``[start_ms, end_ms)``."""
    actual_cents: Decimal
    """To date, seats included for the bill."""
    forecast_cents: Decimal
    """For the period's end (seats included for the bill, never forecast)."""
    seats: int | None
    """Paid seats counted (the bill only)."""
    seats_cents: Decimal | None
    """Their configured cost (the bill only; ``None``: no seat price set)."""
    forecast: forecasting.Forecast
    """How the forecast was made (the variable part: seats aside)."""
    complete_through: date | None
    """The last complete day the forecast's basis reaches."""
    today: date

    @property
    def percent_used(self) -> Decimal:
        """Actual over amount in percent, to one decimal (display only)."""
        return _percent(self.actual_cents, self.budget.amount_cents)

    @property
    def forecast_percent(self) -> Decimal:
        return _percent(self.forecast_cents, self.budget.amount_cents)

    @property
    def days_left(self) -> int:
        """UTC days of the period from today to its last day, today included."""
        return max(0, (self.period.last_day - self.today).days + 1)

    @property
    def crossed(self) -> tuple[int, ...]:
        """The thresholds the actual has reached, ascending."""
        actual = self.actual_cents
        return tuple(t for t in self.budget.thresholds if reached(actual, t, self.budget))

    @property
    def state(self) -> str:
        amount = self.budget.amount_cents
        if self.actual_cents >= amount:
            return "over"
        if self.forecast_cents > amount:
            return "forecast_over"
        if any(t < 100 for t in self.crossed):
            return "warning"
        return "ok"

    @property
    def state_words(self) -> str:
        return STATE_WORDS[self.state]


def reached(cents: Decimal, threshold: int, budget: Budget) -> bool:
    """Whether ``cents`` is at least ``threshold`` % of the budget's amount, exactly."""
    with decimal.localcontext(EXACT):
        return cents * 100 >= budget.amount_cents * threshold


def _percent(cents: Decimal, amount: Decimal) -> Decimal:
    with decimal.localcontext(decimal.Context(prec=60, rounding=ROUND_HALF_EVEN)):
        return (cents * 100 / amount).quantize(Decimal("0.1"))


# -- for the alert rules ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Crossing:
    """A threshold a budget's actual has reached in a period: an alert's key."""

    budget_id: int
    period_first_day: date
    threshold_percent: int


@dataclass(frozen=True, slots=True)
class Signals:
    """What a budget's status gives the alert rules: each threshold crossed this period (one
    alert each), and whether the forecast exceeds the amount (one alert per period)."""

    crossings: tuple[Crossing, ...]
    forecast_over: bool
    period_first_day: date


def signals(status: Status) -> Signals:
    """The budget's threshold crossings this period, and whether its forecast for the period's
    end exceeds the amount (while the actual has not reached it yet): pure."""
    first = status.period.first_day
    crossings = tuple(Crossing(status.budget.id, first, t) for t in status.crossed)
    over = status.forecast_cents > status.budget.amount_cents > status.actual_cents
    return Signals(crossings, over, first)


# -- the status -------------------------------------------------------------------------------


def period_of(conn: Connection, scoped: Scoped, now_ms: int) -> Cycle:
    """The budget's period holding ``now_ms`` (see the module's docstring)."""
    if scoped.budget.period == "month" or not scoped.integration_ids:
        return cycles.month_of(now_ms)
    return cycles.current(conn, scoped.integration_ids[0], now_ms)


def complete_through(conn: Connection, integration_ids: Sequence[int], now_ms: int) -> date | None:
    """The last day up to which every stored day of the integrations is final at ``now_ms``
    (``reports.completeness``' rule: a disconnected integration's days are final as stored)."""
    days, every = tables.sync_days, tables.integrations
    marks = conn.execute(
        select(days.c.day, days.c.fetched_at_ms, every.c.status)
        .join(every, every.c.id == days.c.integration_id)
        .where(days.c.integration_id.in_(list(integration_ids)))
    ).all()
    pending = [
        day
        for day, fetched, state in marks
        if state != "disconnected" and not is_final(day, min(fetched, now_ms))
    ]
    first_pending = min(pending, default=None)
    return max((d for d, *_ in marks if first_pending is None or d < first_pending), default=None)


def of(
    conn: Connection,
    budget: Budget,
    now_ms: int,
    billing: Billing,
    directory: Directory | None = None,
    folded: Folded | None = None,
) -> Status:
    """The budget's status at ``now_ms`` (``directory``: the people directory, if loaded;
    ``folded``: the cut days other budgets of this snapshot folded, ``budget_spend.Folded``)."""
    scoped = resolve(conn, budget, directory)
    period = period_of(conn, scoped, now_ms)
    today = day_of(now_ms)
    through = complete_through(conn, scoped.integration_ids, now_ms)
    if not scoped.integration_ids and budget.provider == "all":  # the cloud alone: as stored
        stored = cloud.days(conn)
        through = stored[1] if stored else None
    oldest = first_day(conn, scoped)
    last = None if through is None else min(through, today - timedelta(days=1))
    basis_start = None
    if oldest is not None and last is not None and oldest <= last:
        basis_start = max(oldest, last - timedelta(days=forecasting.BASIS_DAYS - 1))
    # The period's events stored so far (as ``bill.of`` reads a cycle), and the basis's days:
    # one read when the period starts at midnight, the usual case; else its first day is cut.
    midnight = period.start_ms == day_start_ms(period.first_day)
    start = period.start_ms
    if basis_start is not None and midnight:
        start = min(start, day_start_ms(basis_start))
    days = spend_days(conn, scoped, start, period.end_ms, folded)
    history = days
    if basis_start is not None and last is not None and not midnight:
        history = spend_days(
            conn, scoped, day_start_ms(basis_start), day_start_ms(last) + MS_PER_DAY, folded
        )
    with decimal.localcontext(EXACT):
        variable = sum((c for d, c in days.items() if d >= period.first_day), Decimal(0))
    seat_count: int | None = None
    seat_cents: Decimal | None = None
    if budget.measure == "bill":
        seat_count = seats(conn, scoped, today)
        if billing.seat_price is not None:
            with decimal.localcontext(EXACT):
                seat_cents = (billing.seat_price * seat_count).scaleb(2)
        held, copilot_cents = copilot_seat_fees(conn, scoped, today, billing.copilot)
        if held:
            seat_count += held
            with decimal.localcontext(EXACT):
                seat_cents = (seat_cents or Decimal(0)) + copilot_cents
    fixed = seat_cents or Decimal(0)
    with decimal.localcontext(EXACT):
        amount_left = budget.amount_cents - fixed
    made = forecasting.forecast(
        variable,
        history,
        basis_start,
        last,
        max(now_ms, period.start_ms),
        period.end_ms,
        amount_left,
    )
    with decimal.localcontext(EXACT):
        actual, total = variable + fixed, made.total_cents + fixed
    return Status(budget, period, actual, total, seat_count, seat_cents, made, last, today)


def listing(engine: Engine, now_ms: int, defaults: Billing) -> list[Status]:
    """Every budget's status at ``now_ms``, in one snapshot, oldest budget first; the seat
    price is Settings → Billing's over ``defaults`` (the environment's)."""
    with snapshot(engine) as conn:
        return statuses(conn, now_ms, resolve_billing(conn, defaults))


def statuses(conn: Connection, now_ms: int, billing: Billing) -> list[Status]:
    """Every budget's status at ``now_ms`` in the caller's snapshot (the alert rules'), oldest
    budget first."""
    every = store.listing(conn)
    people = any(b.scope in ("team", "person") for b in every)
    directory = Directory(conn) if people else None  # once for every budget
    folded: Folded = {}  # a cycle's cut first day, folded once for every budget
    return [of(conn, budget, now_ms, billing, directory, folded) for budget in every]


def one(engine: Engine, budget_id: int, now_ms: int, defaults: Billing) -> Status | None:
    """One budget's status, ``None`` when there is no budget ``budget_id``."""
    with snapshot(engine) as conn:
        budget = store.get(conn, budget_id)
        if budget is None:
            return None
        return of(conn, budget, now_ms, resolve_billing(conn, defaults))


# -- as data ----------------------------------------------------------------------------------

COLUMNS = (
    "id", "name", "scope", "scope_value", "provider", "period", "measure", "amount_cents",
    "thresholds", "actual_cents", "forecast_cents", "percent_used", "state", "period_start",
    "period_end", "period_known", "days_left", "forecast_percent", "seats", "seats_cents",
    "crossed", "reached_on", "complete_through", "basis_days",
)  # fmt: skip
"""The JSON contract of ``GET /api/budgets`` and ``pumpview budgets list --format json``: the
issue's fields first, then the rest. ``period_end`` is the period's last day; ``reached_on``
the day the forecast reaches the amount; ``crossed`` the thresholds reached."""


def record(status: Status) -> dict[str, Any]:
    """A status as plain data: money as exact decimal strings in cents, days ``YYYY-MM-DD``,
    percentages rounded to one decimal (for display: the state is decided exactly)."""
    b = status.budget
    values: dict[str, Any] = {
        "id": b.id, "name": b.name, "scope": b.scope, "scope_value": b.scope_value,
        "provider": b.provider, "period": b.period, "measure": b.measure,
        "amount_cents": b.amount_cents, "thresholds": list(b.thresholds),
        "actual_cents": status.actual_cents, "forecast_cents": status.forecast_cents,
        "percent_used": status.percent_used, "state": status.state,
        "period_start": status.period.first_day, "period_end": status.period.last_day,
        "period_known": status.period.known if b.period == "cycle" else None,
        "days_left": status.days_left, "forecast_percent": status.forecast_percent,
        "seats": status.seats, "seats_cents": status.seats_cents,
        "crossed": list(status.crossed), "reached_on": status.forecast.reached_on,
        "complete_through": status.complete_through, "basis_days": status.forecast.basis_days,
    }  # fmt: skip
    return {name: value if isinstance(value, list) else plain(value)
            for name, value in values.items()}  # fmt: skip
