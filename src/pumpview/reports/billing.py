"""What Cursor money is called and how a bill is priced: the billing settings.

The words, defined once and used the same way on every page, report, JSON field, CSV column and
the FOCUS export (README, "Definitions"):

- **usage value**: Cursor's charge for every event (Σ ``chargedCents``), included or not: the
  ``spend_cents`` measure (its JSON name since the first release).
- **included**: usage value consumed from the plan, already paid for by the seats.
- **on-demand**: chargeable usage value, billed on top of the seats.
- **seats**: the paid seats times the seat price, per billing cycle. The Admin API has no seat fee,
  so the price is configured (Settings → Billing, else ``PUMPVIEW_SEAT_PRICE``): "configured".
- **bill** = seats + on-demand, per billing cycle (``reports.cycles``).

An admin's choices in Settings → Billing are stored (``store.stored_settings``) and win over the
``PUMPVIEW_*`` variables, which are their defaults.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection

from pumpview.reports.baselines import FACTOR, FLOOR_CENTS
from pumpview.reports.seats import SeatPlan
from pumpview.store import stored_settings

DEFAULT_IDLE_DAYS = 30
SEAT_PRICE, SEAT_PLAN, IDLE_DAYS = "seat_price", "seat_plan", "idle_days"
ANOMALY_FACTOR, ANOMALY_FLOOR = "anomaly_factor", "anomaly_floor_cents"
"""The stored settings' names."""


@dataclass(frozen=True, slots=True)
class Billing:
    """The seat price (USD per seat and cycle; ``None``: not set), the plan's name, after how
    many days without usage a seat is idle, and how far above the usual a day must be to be an
    anomaly (``reports.baselines``)."""

    seat_price: Decimal | None = None
    seat_plan: str | None = None
    idle_days: int = DEFAULT_IDLE_DAYS
    anomaly_factor: Decimal = FACTOR
    anomaly_floor_cents: Decimal = FLOOR_CENTS

    @property
    def plan(self) -> SeatPlan | None:
        """The seat plan, ``None`` when no price is set."""
        return None if self.seat_price is None else SeatPlan(self.seat_price, self.seat_plan)


DEFAULTS = Billing()
"""No seat price, idle after 30 days, anomalies at 6 scales and $10 above the usual."""


def resolve(conn: Connection, defaults: Billing) -> Billing:
    """The billing settings in force: stored ones over ``defaults`` (the environment's)."""
    stored = stored_settings.read(conn)
    billing = defaults
    if SEAT_PRICE in stored:
        with suppress(InvalidOperation):  # written checked (Settings → Billing); never expected
            billing = replace(billing, seat_price=Decimal(stored[SEAT_PRICE]))
    if SEAT_PLAN in stored:
        billing = replace(billing, seat_plan=stored[SEAT_PLAN] or None)
    if IDLE_DAYS in stored and stored[IDLE_DAYS].isdigit():
        billing = replace(billing, idle_days=int(stored[IDLE_DAYS]))
    with suppress(InvalidOperation):
        if ANOMALY_FACTOR in stored:
            billing = replace(billing, anomaly_factor=Decimal(stored[ANOMALY_FACTOR]))
        if ANOMALY_FLOOR in stored:
            billing = replace(billing, anomaly_floor_cents=Decimal(stored[ANOMALY_FLOOR]))
    return billing
