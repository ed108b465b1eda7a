"""What ``pumpview demo`` sets up for the billing pages, as an admin would, and the lines it ends
with: one per page worth opening.

The demo's seat price is stored as Settings → Billing stores it (before the backfill, so the
alerts its sync evaluates price the idle seats); its budgets go through the store's own
``check`` and ``add`` (as the Budgets page and ``pumpview budgets add``), their amounts chosen
from the data so that one is near its threshold and one is forecast over; then one evaluation
creates their alerts beside the sync's (the anomaly, the idle-seats digest). A re-run on the
same data keeps an admin's seat price and adds no budget twice.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from pumpview.money import format_dollars

if TYPE_CHECKING:
    from pumpview.cli.context import Context
    from pumpview.reports.budgets import Status
    from pumpview.reports.reconciliation import Row

SEAT_PRICE = "40"
"""The demo's seat price in US dollars per seat and cycle (Settings → Billing changes it)."""
NEAR = Decimal("0.85")
"""The share of its amount the near budget has used at the demo's present."""
BILL_BUDGET = "Cursor bill this cycle"
ON_DEMAND_BUDGET = "On-demand this cycle"
ALERT_WORDS = {
    "anomaly": ("anomaly", "anomalies"), "budget": ("budget threshold", "budget thresholds"),
    "forecast": ("forecast over", "forecasts over"), "idle_seats": ("idle-seats digest",
    "idle-seats digests"), "integration": ("integration alert", "integration alerts"),
}  # fmt: skip
"""Each alert rule in words, singular and plural, in the order the demo's last lines count them."""


def set_seat_price(context: Context) -> str:
    """Store the demo's seat price unless one is stored already; a line saying which."""
    from pumpview.reports import billing  # noqa: PLC0415 - SQLAlchemy, when the demo runs
    from pumpview.store import stored_settings  # noqa: PLC0415

    with context.engine.begin() as conn:
        stored = stored_settings.read(conn)
        if billing.SEAT_PRICE in stored:
            return f"Seat price: ${stored[billing.SEAT_PRICE]} per seat and cycle (stored)."
        changes, errors = billing.check({billing.SEAT_PRICE: SEAT_PRICE})
        if errors:  # a constant: never
            raise ValueError(errors)
        stored_settings.write(conn, changes, context.clock())
    return (
        f"Seat price: ${SEAT_PRICE} per seat and cycle, the demo's (configured: "
        "change it in Settings → Billing)."
    )


def add_budgets(context: Context) -> None:
    """The demo's two budgets for the organisation's open cycle, unless they exist: the bill at
    about 85 % used and forecast within it (a warning), and on-demand forecast over its amount.
    A budget the data cannot place (nothing spent yet: a tiny demo) is left out."""
    from pumpview.reports import budgets as report  # noqa: PLC0415 - SQLAlchemy, when run
    from pumpview.reports.billing import resolve  # noqa: PLC0415
    from pumpview.store import budgets as store  # noqa: PLC0415

    now = context.clock()
    with context.engine.begin() as conn:
        names = {b.name for b in store.listing(conn)}
        billing = resolve(conn, context.settings.billing)
        for name, measure in ((BILL_BUDGET, "bill"), (ON_DEMAND_BUDGET, "on_demand")):
            if name in names:
                continue
            fields = {"name": name, "scope": "organization", "provider": "cursor",
                      "period": "cycle", "measure": measure, "amount_cents": "100"}  # fmt: skip
            status = report.of(conn, store.check(conn, fields, now), now, billing)
            amount = (_near if measure == "bill" else _forecast_over)(status)
            if amount is not None:
                store.add(conn, {**fields, "amount_cents": str(amount)}, now)


def _dollars(cents: Decimal, rounding: str) -> Decimal:
    """Whole dollars, in cents."""
    with decimal.localcontext() as exact:
        exact.prec = 60
        return (cents / 100).quantize(Decimal(1), rounding=rounding) * 100


def _near(status: Status) -> Decimal | None:
    """An amount the actual is about 85 % of, and the forecast within: a warning."""
    if status.actual_cents <= 0:
        return None
    with decimal.localcontext() as exact:
        exact.prec = 60
        amount = _dollars(status.actual_cents / NEAR, ROUND_CEILING)
    return max(amount, _dollars(status.forecast_cents, ROUND_CEILING))


def _forecast_over(status: Status) -> Decimal | None:
    """Whole dollars between the actual and the forecast: not over yet, forecast over."""
    amount = _dollars((status.actual_cents + status.forecast_cents) / 2, ROUND_FLOOR)
    if not status.actual_cents < amount < status.forecast_cents:
        return None
    return amount


def evaluate(context: Context) -> None:
    """One evaluation of the alert rules (the demo has no channel: nothing is sent)."""
    from pumpview.alerts.evaluate import check  # noqa: PLC0415 - SQLAlchemy, when run

    check(context.engine, context.clock(), defaults=context.settings.billing)


def tour(context: Context) -> list[str]:
    """One short line per billing page, saying what it shows on the demo's data."""
    from pumpview.reports import bill, reconciliation, seat_use  # noqa: PLC0415
    from pumpview.reports import budgets as report  # noqa: PLC0415
    from pumpview.reports.billing import resolve  # noqa: PLC0415
    from pumpview.store import alerts  # noqa: PLC0415
    from pumpview.store.engine import snapshot  # noqa: PLC0415
    from pumpview.timeutil import day_of  # noqa: PLC0415

    now = context.clock()
    with snapshot(context.engine) as conn:
        billing = resolve(conn, context.settings.billing)
        bills = bill.currents(conn, None, now, billing)
        statuses = report.statuses(conn, now, billing)
        seats = seat_use.seat_use(conn, [b.bill.integration_id for b in bills.bills],
                                  day_of(now), billing)  # fmt: skip
        made = alerts.listing(conn)
    lines = []
    if bills.bill_cents is not None and bills.seats_cents is not None:
        lines.append(
            f"Overview (/): this cycle's bill {format_dollars(bills.bill_cents)} = seats "
            f"{format_dollars(bills.seats_cents)} ({bills.seats} at ${billing.seat_price}, "
            f"configured) + on-demand {format_dollars(bills.usage.on_demand_cents)}"
        )
    if statuses:
        lines.append("Budgets (/budgets): " + "; ".join(_budget(s) for s in statuses))
    idle = seats.idle
    cost = f", {format_dollars(seats.idle_cents)} per cycle" if seats.idle_cents else ""
    lines.append(f"Seats (/billing/seats): {len(idle)} idle of {len(seats.rows)} paid{cost}")
    counts = [(sum(a.rule == rule for a in made), words) for rule, words in ALERT_WORDS.items()]
    said = ", ".join(f"{n} {words[n != 1]}" for n, words in counts if n)
    lines.append(f"Alerts (/alerts): {len(made)}" + (f": {said}" if said else ""))
    lines.extend(
        f"Anomaly: {a.message}" for a in made if a.rule == "anomaly" and a.scope == "person"
    )
    recon = reconciliation.build(context.engine, "current", now)
    listed = [r for r in recon.rows if r.in_snapshot]
    differing = [r for r in listed if r.status == reconciliation.DIFFERS]
    if listed:
        verb = "differs" if len(differing) == 1 else "differ"
        found = "; ".join(_difference(r) for r in differing)
        lines.append(
            f"Reconciliation (/billing/reconciliation): {len(differing)} of {len(listed)} "
            f"members Cursor lists {verb}" + (f": {found}" if found else "")
        )
    return lines


def _budget(status: Status) -> str:
    return f"“{status.budget.name}” at {status.percent_used} % ({status.state_words.lower()})"


def _difference(row: Row) -> str:
    """A differing member: whose figure is higher, by how much, and the computed cause."""
    from pumpview.reports.reconciliation import LABELS  # noqa: PLC0415

    gap = row.usage_difference_cents or row.on_demand_difference_cents or Decimal(0)
    higher = "Cursor's" if gap > 0 else "Pump View's"
    return (f"{row.name or row.email}, {higher} usage value {format_dollars(abs(gap))} higher "
            f"({LABELS[row.cause].lower()})")  # fmt: skip
