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
- **Copilot seats**: GitHub's API has no seat price either, so it is configured per plan
  (``copilot_business_price``, ``copilot_enterprise_price``, else ``PUMPVIEW_COPILOT_*_PRICE``),
  by default GitHub's list prices: Business $19, Enterprise $39 per seat and month.

An admin's choices in Settings → Billing are stored (``store.stored_settings``) and win over the
``PUMPVIEW_*`` variables, which are their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection

from pumpview.reports.baselines import FACTOR, FLOOR_CENTS
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.seats import SeatPlan
from pumpview.store import stored_settings

DEFAULT_IDLE_DAYS = 30
SEAT_PRICE, SEAT_PLAN, IDLE_DAYS = "seat_price", "seat_plan", "idle_days"
ANOMALY_FACTOR, ANOMALY_FLOOR = "anomaly_factor", "anomaly_floor"
"""(The floor is kept in US dollars, as it is typed.)"""
COPILOT_BUSINESS, COPILOT_ENTERPRISE = "copilot_business_price", "copilot_enterprise_price"
"""The stored settings' names."""
COPILOT_BUSINESS_PRICE, COPILOT_ENTERPRISE_PRICE = Decimal("19.00"), Decimal("39.00")
"""GitHub's list prices per Copilot seat and month (USD), the defaults: the API has none."""


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
    copilot_business_price: Decimal = COPILOT_BUSINESS_PRICE
    copilot_enterprise_price: Decimal = COPILOT_ENTERPRISE_PRICE

    @property
    def copilot(self) -> CopilotPrices:
        """The configured price per Copilot seat and month of each plan."""
        return CopilotPrices(self.copilot_business_price, self.copilot_enterprise_price)

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
            billing = replace(billing, anomaly_floor_cents=Decimal(stored[ANOMALY_FLOOR]) * 100)
        if COPILOT_BUSINESS in stored:
            billing = replace(billing, copilot_business_price=Decimal(stored[COPILOT_BUSINESS]))
        if COPILOT_ENTERPRISE in stored:
            price = Decimal(stored[COPILOT_ENTERPRISE])
            billing = replace(billing, copilot_enterprise_price=price)
    return billing


MAX_PLACES = 6
"""A seat price's decimals at most (as ``PUMPVIEW_SEAT_PRICE``'s)."""
MAX_PRICE = Decimal(1_000_000)
"""A seat price below a million dollars (12 digits with 6 decimals, as the setting's)."""
MAX_PLAN = 100
"""The longest plan name kept (a label)."""
MIN_IDLE_DAYS, MAX_IDLE_DAYS = 1, 3660
LABELS = {SEAT_PRICE: "seat price", SEAT_PLAN: "plan name", IDLE_DAYS: "idle after (days)",
          ANOMALY_FACTOR: "anomaly factor", ANOMALY_FLOOR: "anomaly floor",
          COPILOT_BUSINESS: "Copilot Business seat price",
          COPILOT_ENTERPRISE: "Copilot Enterprise seat price"}  # fmt: skip
"""Each setting's name in words, for the messages."""


def check(values: Mapping[str, object]) -> tuple[dict[str, str | None], dict[str, str]]:
    """What to store of an admin's billing ``values`` (text from a form, or JSON values: a
    string, an integer, an exact decimal), and a message per bad one by name. An empty value
    (or ``None``) forgets the stored one, so its default applies again; names not given are
    left as they are. Nothing is stored while any message is returned."""
    changes: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name not in LABELS:
            errors[name] = f"{name}: not a billing setting ({', '.join(LABELS)})"
            continue
        text = "" if value is None else str(value).strip()
        if isinstance(value, bool) or (value is not None and not isinstance(value, _TYPES[name])):
            errors[name] = f"The {LABELS[name]} must be {_TYPE_WORDS[name]}."
            continue
        if not text:
            changes[name] = None
            continue
        try:
            changes[name] = _CHECKS[name](text)
        except ValueError as exc:
            errors[name] = str(exc)
    return ({} if errors else changes), errors


def _price(text: str, what: str = "seat price") -> str:
    try:
        price = Decimal(text.removeprefix("$"))
    except InvalidOperation:
        msg = f"The {what} must be a number of US dollars, such as 40 or 39.99."
        raise ValueError(msg) from None
    if not price.is_finite():
        msg = f"The {what} must be a number of US dollars, such as 40 or 39.99."
        raise ValueError(msg)
    if price < 0:
        msg = f"The {what} cannot be negative."
        raise ValueError(msg)
    if price.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]  # finite: an int
        msg = f"The {what} has at most {MAX_PLACES} decimals."
        raise ValueError(msg)
    if price >= MAX_PRICE:
        msg = f"The {what} must be less than $1,000,000."
        raise ValueError(msg)
    return format(price, "f")


def _copilot_business(text: str) -> str:
    return _price(text, LABELS[COPILOT_BUSINESS])


def _copilot_enterprise(text: str) -> str:
    return _price(text, LABELS[COPILOT_ENTERPRISE])


def _plan(text: str) -> str:
    if len(text) > MAX_PLAN:
        msg = f"The plan name is at most {MAX_PLAN} characters."
        raise ValueError(msg)
    return text


def _idle_days(text: str) -> str:
    if (
        not text.isascii()
        or not text.isdigit()
        or not (MIN_IDLE_DAYS <= int(text) <= MAX_IDLE_DAYS)
    ):
        msg = f"Idle after must be a whole number of days from {MIN_IDLE_DAYS} to {MAX_IDLE_DAYS}."
        raise ValueError(msg)
    return str(int(text))


def _decimal(text: str, words: str, places: int, below: Decimal, *, zero: bool) -> str:
    """``text`` as an exact decimal of at most ``places`` decimals, from 0 (or above it when not
    ``zero``) to below ``below``; ``words`` say what it must be."""
    try:
        value = Decimal(text.removeprefix("$"))
    except InvalidOperation:
        raise ValueError(words) from None
    places_ok = value.is_finite() and value.as_tuple().exponent >= -places  # type: ignore[operator]
    if not places_ok or value < 0 or (value == 0 and not zero) or value >= below:
        raise ValueError(words)
    return format(value, "f")


def _factor(text: str) -> str:
    words = "The anomaly factor must be a number above 0 and below 1000, such as 6 or 4.5."
    return _decimal(text, words, 4, Decimal(1000), zero=False)


def _floor(text: str) -> str:
    words = "The anomaly floor must be US dollars from 0 to below $1,000,000, such as 10."
    return _decimal(text, words, 2, MAX_PRICE, zero=True)


_CHECKS = {SEAT_PRICE: _price, SEAT_PLAN: _plan, IDLE_DAYS: _idle_days, ANOMALY_FACTOR: _factor,
           ANOMALY_FLOOR: _floor, COPILOT_BUSINESS: _copilot_business,
           COPILOT_ENTERPRISE: _copilot_enterprise}  # fmt: skip
_TYPES: dict[str, type | tuple[type, ...]] = {
    SEAT_PRICE: (str, int, Decimal), SEAT_PLAN: str, IDLE_DAYS: (str, int),
    ANOMALY_FACTOR: (str, int, Decimal), ANOMALY_FLOOR: (str, int, Decimal),
    COPILOT_BUSINESS: (str, int, Decimal), COPILOT_ENTERPRISE: (str, int, Decimal),
}  # fmt: skip
_TYPE_WORDS = {SEAT_PRICE: "a number or a decimal string", SEAT_PLAN: "text",
               IDLE_DAYS: "a whole number", ANOMALY_FACTOR: "a number or a decimal string",
               ANOMALY_FLOOR: "a number or a decimal string",
               COPILOT_BUSINESS: "a number or a decimal string",
               COPILOT_ENTERPRISE: "a number or a decimal string"}  # fmt: skip
"""What JSON may carry for each (a form sends text alone)."""


@dataclass(frozen=True, slots=True)
class Choices:
    """The billing settings in force, what an admin stored, and the environment's defaults."""

    billing: Billing
    stored: dict[str, str]
    defaults: Billing


def choices(conn: Connection, defaults: Billing) -> Choices:
    """The billing settings as Settings → Billing and ``pumpview billing show`` show them."""
    stored = {k: v for k, v in stored_settings.read(conn).items() if k in LABELS}
    return Choices(resolve(conn, defaults), stored, defaults)


def as_json(made: Choices) -> dict[str, Any]:
    """The settings in force (the seat price an exact decimal string of US dollars, ``null``:
    not set), the ``stored`` ones (``null``: the default applies) and the ``defaults``."""

    def values(billing: Billing) -> dict[str, Any]:
        price, floor = billing.seat_price, billing.anomaly_floor_cents.scaleb(-2).normalize()
        return {SEAT_PRICE: None if price is None else format(price, "f"),
                SEAT_PLAN: billing.seat_plan, IDLE_DAYS: billing.idle_days,
                ANOMALY_FACTOR: format(billing.anomaly_factor, "f"),
                ANOMALY_FLOOR: format(floor, "f"),
                COPILOT_BUSINESS: format(billing.copilot_business_price, "f"),
                COPILOT_ENTERPRISE: format(billing.copilot_enterprise_price, "f")}  # fmt: skip

    return {**values(made.billing), "stored": {name: made.stored.get(name) for name in LABELS},
            "defaults": values(made.defaults)}  # fmt: skip
