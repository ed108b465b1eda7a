"""Costs per provider: the cloud's per provider (and service), with the AI tools as providers:
Cursor by the FOCUS mapping the export writes (billed = on-demand + configured seats), Claude
Code (billed = Anthropic's per-person estimate, so ``estimated``; list = the same) and GitHub
Copilot (billed = GitHub's net amount + configured seats per plan, ``reports.copilot_seats``;
list = the gross amount + seats), each summed over its own integrations alone; and each
provider's billed cost per day for the Cloud page's chart. Amounts are in their currency's
units, one row per currency. Provider comparisons compare billed amounts (``reports.billing``
has the words)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.reports import cloud, copilot_seats, seats, usage
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.scope import Scope
from pumpview.reports.seats import SeatPlan
from pumpview.reports.series import DayAmount
from pumpview.store.measures import EXACT

CURSOR = "Cursor"
CURSOR_CURRENCY = "USD"
USAGE_SERVICE = "Cursor AI Usage"
SEAT_SERVICE = "Cursor"
"""Cursor as a provider: its name, currency and the FOCUS ``ServiceName`` of its usage and of
its (configured) seats, here and in the FOCUS export (``exports.focus``), which reads them."""
ZERO = Decimal(0)
CLAUDE_CODE, COPILOT = "Claude Code", "GitHub Copilot"
"""The other AI tools as providers (``integrations.providers.LABELS``' words: a report never
imports an integration)."""
CLAUDE_CODE_SERVICE = "Claude Code"
COPILOT_USAGE_SERVICE, COPILOT_SEAT_SERVICE = "GitHub Copilot Usage", "GitHub Copilot Seats"
DEFAULT_COPILOT = CopilotPrices(Decimal("19.00"), Decimal("39.00"))
"""GitHub's list prices (``reports.billing``'s defaults), when a caller names none."""


@dataclass(frozen=True, slots=True)
class ProviderRow:
    provider: str
    service: str | None
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal
    currency: str
    estimated: bool = False
    """Whether the amounts are the provider's estimate (Claude Code's)."""


def narrowed(where: Scope, provider: str) -> Scope | None:
    """``where`` over ``provider``'s integrations alone (``cursor``, ``claude-code``,
    ``copilot``); ``None`` when it has none in scope."""
    ids = dict(where.providers).get(provider)
    if not ids:
        return None
    return replace(where, integration_ids=ids, provider=provider, providers=((provider, ids),))


def providers(
    conn: Connection,
    where: Scope,
    *,
    by_service: bool = False,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> list[ProviderRow]:
    """Cloud costs per provider (and service), the biggest billed first, with Cursor as a
    provider by the FOCUS mapping the export writes: billed = effective = on-demand, list =
    before discounts; configured seat fees (``plan``) added to all three, as the export's seat
    rows (service ``Cursor``). Claude Code and GitHub Copilot beside them (the module's
    docstring), each over its own integrations."""
    by = ("provider", "service", "currency") if by_service else ("provider", "currency")
    rows = [
        ProviderRow(key[0] or "(none)", (key[1] or "(none)") if by_service else None,
                    costs.billed_cost, costs.effective_cost, costs.list_cost, key[-1])
        for key, costs in cloud.sums(conn, where.range.since, where.range.until, by)
    ]  # fmt: skip
    cursor = narrowed(where, "cursor")
    if cursor is not None:
        rows += _cursor_rows(conn, cursor, by_service, plan)
    claude = narrowed(where, "claude-code")
    if claude is not None:
        rows += _claude_code_rows(conn, claude, by_service)
    github = narrowed(where, "copilot")
    if github is not None:
        rows += _copilot_rows(conn, github, by_service, copilot)
    return sorted(rows, key=lambda r: (-r.billed_cost, r.provider, r.service or "", r.currency))


def provider_days(conn: Connection, where: Scope) -> list[DayAmount]:
    """Each provider's US-dollar billed cost per day in cents, the AI tools' billed usage among
    them (Cursor's on-demand, Claude Code's estimate, Copilot's net amount; configured seats
    are per month, not per day). Other currencies are left out: they are never added to
    dollars."""
    days = [
        DayAmount(day, provider or "(none)", costs.billed_cost.scaleb(2, EXACT))
        for (day, provider, currency), costs in cloud.sums(
            conn, where.range.since, where.range.until, ("charge_day", "provider", "currency")
        )
        if currency == CURSOR_CURRENCY
    ]
    for name, label in (("cursor", CURSOR), ("claude-code", CLAUDE_CODE), ("copilot", COPILOT)):
        mine = narrowed(where, name)
        if mine is not None:
            days += [DayAmount(d.date, label, d.on_demand_cents) for d in usage.daily(conn, mine)]
    return days


def _cursor_rows(
    conn: Connection, where: Scope, by_service: bool, plan: SeatPlan | None
) -> list[ProviderRow]:
    total = usage.total(conn, where)
    fees = seats.seat_fees(conn, where, plan) if plan is not None else []
    with decimal.localcontext(EXACT):
        seat = sum((f.fee for f in fees), ZERO)
        billed, listed = total.on_demand_cents.scaleb(-2), total.list_cents.scaleb(-2)
        parts = [(USAGE_SERVICE, billed, listed)] if total.events else []
        if fees:
            parts.append((SEAT_SERVICE, seat, seat))
        if by_service:
            return [ProviderRow(CURSOR, s, b, b, li, CURSOR_CURRENCY) for s, b, li in parts]
        if not parts:
            return []
        billed, listed = sum((p[1] for p in parts), ZERO), sum((p[2] for p in parts), ZERO)
    return [ProviderRow(CURSOR, None, billed, billed, listed, CURSOR_CURRENCY)]


def _claude_code_rows(conn: Connection, where: Scope, by_service: bool) -> list[ProviderRow]:
    """Claude Code: billed = effective = list = Anthropic's per-person estimate (the usage
    report's ``estimated_cost``), marked ``estimated``."""
    total = usage.total(conn, where)
    if not total.events and not total.on_demand_cents:
        return []
    with decimal.localcontext(EXACT):
        billed, listed = total.on_demand_cents.scaleb(-2), total.list_cents.scaleb(-2)
    service = CLAUDE_CODE_SERVICE if by_service else None
    return [ProviderRow(CLAUDE_CODE, service, billed, billed, listed, CURSOR_CURRENCY,
                        estimated=total.estimated_cents != 0)]  # fmt: skip


def _copilot_rows(
    conn: Connection, where: Scope, by_service: bool, prices: CopilotPrices
) -> list[ProviderRow]:
    """GitHub Copilot: billed = effective = the net amount (after the monthly allowance), list
    = the gross amount; configured seat fees per plan added to all three."""
    total = usage.total(conn, where)
    fees = copilot_seats.seat_fees(
        conn, where.integration_ids, where.range.since, where.range.until, prices
    )
    with decimal.localcontext(EXACT):
        seat = copilot_seats.total_cents(fees).scaleb(-2)
        billed, listed = total.on_demand_cents.scaleb(-2), total.list_cents.scaleb(-2)
        parts = [(COPILOT_USAGE_SERVICE, billed, listed)] if total.events or listed else []
        if fees:
            parts.append((COPILOT_SEAT_SERVICE, seat, seat))
        if by_service:
            return [ProviderRow(COPILOT, s, b, b, li, CURSOR_CURRENCY) for s, b, li in parts]
        if not parts:
            return []
        billed, listed = sum((p[1] for p in parts), ZERO), sum((p[2] for p in parts), ZERO)
    return [ProviderRow(COPILOT, None, billed, billed, listed, CURSOR_CURRENCY)]
