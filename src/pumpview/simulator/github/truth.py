"""Ground truth the Copilot importer's tests compare with, computed from the generated days alone
(never through the routes, and the allowance walked again here, not read from the ledger).

Identity: a person is a login, compared lowercased (GitHub logins are case-insensitive).
Billing: one ``Line`` per (login, model, sku) per day, quantities in the day's unit (premium
requests before ``ai_credits_from``, AI credits from then on), amounts in dollars. The monthly
allowance is per user, per UTC calendar month and per unit, consumed in time order: days
ascending, and within a day the models in catalogue order (``data.MODELS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pumpview.simulator.github.data import MODELS, Organisation, Seat


@dataclass(frozen=True, slots=True)
class Line:
    """One user's usage of one model on one day, as the billing API's usage item has it."""

    unit_type: str
    price_per_unit: Decimal
    gross_quantity: Decimal
    gross_amount: Decimal
    discount_quantity: Decimal
    discount_amount: Decimal
    net_quantity: Decimal
    net_amount: Decimal


@dataclass(frozen=True, slots=True)
class Activity:
    """One user's usage-metrics day (the ``users-1-day`` record's totals and flags)."""

    interactions: int
    code_generations: int
    code_acceptances: int
    lines_added: int
    lines_deleted: int
    ai_credits_used: Decimal | None
    """The day's AI credits (gross, all models); ``None`` before ``credits_metric_from``."""
    used_agent: bool
    used_chat: bool
    used_cli: bool
    used_copilot_code_review_active: bool
    used_copilot_code_review_passive: bool
    used_copilot_cloud_agent: bool


def billing_truth(org: Organisation, day: date) -> dict[tuple[str, str, str], Line]:
    """Every user's billed usage on ``day``: (login lowercased, model name, sku) -> ``Line``.
    Empty for a day outside the history (before its first day, after the present's)."""
    unit = org.unit(day)
    allowance = org.allowance(unit)
    left: dict[int, Decimal] = {}
    walk = day.replace(day=1)
    while walk < day:
        if org.unit(walk).allowance_kind == unit.allowance_kind:
            for index, activity in org.day(walk).items():
                left[index] = max(Decimal(0), left.get(index, allowance) - activity.gross)
        walk += timedelta(days=1)
    out: dict[tuple[str, str, str], Line] = {}
    for index, activity in org.day(day).items():
        login = org.users[index].login.lower()
        remaining = left.get(index, allowance)
        for model, gross in activity.usage:
            discount = min(gross, remaining)
            remaining -= discount
            net = gross - discount
            out[login, MODELS[model].name, unit.sku] = Line(
                unit_type=unit.unit_type,
                price_per_unit=unit.price,
                gross_quantity=gross,
                gross_amount=gross * unit.price,
                discount_quantity=discount,
                discount_amount=discount * unit.price,
                net_quantity=net,
                net_amount=net * unit.price,
            )
    return out


def activity_truth(org: Organisation, day: date) -> dict[str, Activity]:
    """Every active user's usage-metrics day on ``day``, by login lowercased; a user without
    activity has no entry (and no line in the report)."""
    out: dict[str, Activity] = {}
    credits = day >= org.config.credits_metric_from
    for index, activity in org.day(day).items():
        totals = activity.totals
        features = {name for name, _counters in activity.features}
        gross = activity.gross if day >= org.config.ai_credits_from else Decimal(0)
        out[org.users[index].login.lower()] = Activity(
            interactions=totals[0],
            code_generations=totals[1],
            code_acceptances=totals[2],
            lines_added=totals[5],
            lines_deleted=totals[6],
            ai_credits_used=gross if credits else None,
            used_agent="chat_panel_agent_mode" in features,
            used_chat=bool(features & {"chat_panel_ask_mode", "chat_panel_agent_mode"}),
            used_cli=activity.cli is not None,
            used_copilot_code_review_active=activity.code_review_active,
            used_copilot_code_review_passive=activity.code_review_passive,
            used_copilot_cloud_agent=activity.cloud_agent,
        )
    return out


def seat_truth(org: Organisation) -> list[Seat]:
    """Every seat, in the order ``/copilot/billing/seats`` lists them (the deleted user's seat
    with ``user`` None, user 1 twice through two teams)."""
    return org.seats()


def login_emails(org: Organisation) -> dict[str, str]:
    """Login lowercased -> the Cursor roster's email of the same person, for every login that
    is in the Cursor roster (the contractors are not: the product shows them unmapped)."""
    return {u.login.lower(): u.work_email for u in org.users if u.work_email is not None}
