"""Cursor usage as FOCUS cost rows (our mapping, README "FOCUS export"): pure, no I/O.

One usage row per UTC day x principal x model x kind x Max mode x token-based x headless,
its costs in the product's words (README, "Definitions"; ``reports.billing``):

* ``ContractedCost`` = usage value: Σ cost (``chargedCents``, or the old-payload formula) of
  every event;
* ``BilledCost`` = ``EffectiveCost`` = on-demand (chargeable events): included usage value is
  paid for by the seats, so it bills nothing;
* ``ListCost`` = Σ (model cost + Cursor token fee) for token-based rows, the price before any
  discount; for request-based rows Σ ``chargedCents``, or for old payloads without it the legacy
  $0.04 per request unit; 0 for the "Not Charged" kinds.

Seat rows (the seats: optional, configured, priced by Settings → Billing over
``PUMPVIEW_SEAT_PRICE``) are recurring Usage rows with the seat price in all four costs
(focus-validator's ``EffectiveCost-C-005-C``: a Purchase row would need EffectiveCost 0). Money
is exact: cents / 100 under a context that traps rounding. Rows are plain dicts of typed values
(``Decimal``, ``int``, ``bool``, ``datetime``, ``str``, a tag dict, ``None``); ``writer`` puts
them into files.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pumpview.exports.focus.columns import CUSTOM_COLUMNS
from pumpview.exports.focus.pseudonyms import Pseudonyms
from pumpview.reports.providers import CURSOR, CURSOR_CURRENCY, SEAT_SERVICE, USAGE_SERVICE
from pumpview.store.measures import EXACT

PROVIDER, CURRENCY = CURSOR, CURSOR_CURRENCY
TAG_PREFIX = "cursor/"
NOT_CHARGED = "Not Charged"
MEASURED, CONFIGURED = "measured", "configured"
"""``x_CostSource``: from Cursor's usage events, or from the seat price in settings."""

Row = dict[str, Any]

# -- who a row is for ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """An integration as a FOCUS billing account: a Cursor team, an Anthropic or a GitHub
    organisation (``kind``: the id's prefix)."""

    slug: str
    name: str
    kind: str = "cursor:team"

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.slug}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who the events of a row belong to: a member, a service account, or nobody known."""

    email: str | None
    """Lower-case; ``None`` for events without ``userEmail`` (removed users)."""
    service_account_id: str | None = None
    service_account_name: str | None = None
    group_id: str | None = None
    group_name: str | None = None
    """The Cursor billing group (Enterprise) the person is in now: FOCUS ``SubAccount``."""


# -- usage rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class UsageSums:
    """The events of one grain cell, summed exactly; money in cents as Cursor states it."""

    events: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    model_cost_cents: Decimal = Decimal(0)
    token_fee_cents: Decimal = Decimal(0)
    cost_cents: Decimal = Decimal(0)
    """The product's cost of the events (README): ``chargedCents`` or the old-payload formula."""
    on_demand_cents: Decimal = Decimal(0)
    charged_cents: Decimal | None = None
    """Σ ``chargedCents`` as sent; ``None`` when no event of the cell carried it."""
    list_cents: Decimal = Decimal(0)
    """Σ of each event's list price (``store.rollup.list_cents``: the reports' own rule)."""
    requests_costs: Decimal = Decimal(0)
    discount_percent: Decimal | None = None
    """The largest ``discountPercentOff`` among the events."""

    @property
    def tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )


@dataclass(frozen=True, slots=True)
class UsageKey:
    """The grain of a usage row, principal aside."""

    day: date
    model: str
    kind: str
    max_mode: bool
    token_based: bool
    headless: bool | None
    """``None`` on old payloads, which do not say."""


def keep(key: UsageKey, sums: UsageSums) -> bool:
    """Whether a cell becomes a row: "Not Charged" events only when they carry tokens, so usage
    volume stays visible; anything else always."""
    return NOT_CHARGED not in key.kind or sums.tokens > 0


@dataclass(frozen=True, slots=True)
class Costs:
    """The four FOCUS costs of a row, in dollars."""

    billed: Decimal
    effective: Decimal
    list: Decimal
    contracted: Decimal


def usage_costs(sums: UsageSums) -> Costs:
    """A usage cell's costs: billed = effective = on-demand, contracted = all of the
    product's cost, list = before discounts."""
    billed = dollars(sums.on_demand_cents)
    return Costs(billed, billed, dollars(sums.list_cents), dollars(sums.cost_cents))


def seat_costs(fee: Decimal) -> Costs:
    """A seat's costs: the configured price in all four (a Usage row: focus-validator's
    ``EffectiveCost-C-005-C`` wants EffectiveCost 0 on a Purchase)."""
    return Costs(fee, fee, fee, fee)


def usage_row(
    key: UsageKey,
    sums: UsageSums,
    account: Account,
    who: Principal,
    version: str,
    names: Pseudonyms,
) -> Row:
    """One FOCUS usage row for one grain cell."""
    day_start = midnight(key.day)
    month = midnight(key.day.replace(day=1))
    if key.token_based:
        consumed, unit = Decimal(sums.tokens), "Tokens"
        pricing, pricing_unit = Decimal(sums.tokens).scaleb(-6, EXACT), "1000000 Tokens"
    else:
        consumed = pricing = sums.requests_costs
        unit = pricing_unit = "Requests"
    costs = usage_costs(sums)
    mode = " (Max Mode)" if key.max_mode else ""
    plural = "request" if sums.events == 1 else "requests"
    tags: dict[str, object] = {
        f"{TAG_PREFIX}userEmail": names.email(who.email),
        f"{TAG_PREFIX}model": key.model,
        f"{TAG_PREFIX}kind": key.kind,
        f"{TAG_PREFIX}maxMode": key.max_mode,
    }
    if who.service_account_id is not None:
        tags[f"{TAG_PREFIX}serviceAccount"] = who.service_account_name or who.service_account_id
    if key.headless:
        tags[f"{TAG_PREFIX}headless"] = True
    if who.group_name is not None:
        tags[f"{TAG_PREFIX}billingGroup"] = who.group_name
    row: Row = {
        **common(account, month, version),
        "BilledCost": costs.billed,
        "ChargeDescription": f"{key.model}{mode} - {key.kind} - {sums.events} {plural}",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": day_start,
        "ChargePeriodEnd": day_start + timedelta(days=1),
        "ConsumedQuantity": consumed,
        "ConsumedUnit": unit,
        "ContractedCost": costs.contracted,
        "EffectiveCost": costs.effective,
        "ListCost": costs.list,
        "PricingQuantity": pricing,
        "PricingUnit": pricing_unit,
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": USAGE_SERVICE,
        "ServiceSubcategory": "Generative AI",
        "SkuId": f"cursor/model/{key.model}",
        "SkuMeter": unit,
        "SubAccountId": who.group_id,
        "SubAccountName": who.group_name,
        "Tags": tags,
        "x_CacheReadTokens": sums.cache_read_tokens,
        "x_CacheWriteTokens": sums.cache_write_tokens,
        "x_ChargedCents": sums.charged_cents,
        "x_CostSource": MEASURED,
        "x_CursorKind": key.kind,
        "x_CursorTokenFeeCents": sums.token_fee_cents,
        "x_DiscountPercentOff": sums.discount_percent,
        "x_InputTokens": sums.input_tokens,
        "x_IsHeadless": key.headless,
        "x_IsTokenBasedCall": key.token_based,
        "x_MaxMode": key.max_mode,
        "x_Model": key.model,
        "x_ModelCostCents": sums.model_cost_cents,
        "x_OutputTokens": sums.output_tokens,
        "x_RequestCount": sums.events,
        "x_RequestsCosts": sums.requests_costs,
        **principal(who, names),
    }
    return scrubbed(row, names)


# -- seat rows ----------------------------------------------------------------------------------


def seat_row(
    month: date,
    fee: Decimal,
    plan: str | None,
    account: Account,
    who: Principal,
    version: str,
    names: Pseudonyms,
) -> Row:
    """One member's seat for one billing month (a calendar month): a recurring
    Usage row with the configured price in all four costs."""
    start = midnight(month)
    end = midnight((month + timedelta(days=32)).replace(day=1))
    label = f"Cursor {plan} seat" if plan else "Cursor seat"
    sku = re.sub(r"[^a-z0-9]+", "-", plan.lower()).strip("-") if plan else ""
    tags: dict[str, object] = {f"{TAG_PREFIX}userEmail": names.email(who.email)}
    if who.group_name is not None:
        tags[f"{TAG_PREFIX}billingGroup"] = who.group_name
    row: Row = {
        **dict.fromkeys(CUSTOM_COLUMNS),
        **common(account, start, version),
        **cost_columns(seat_costs(fee)),
        "ChargeDescription": f"{label}, monthly",
        "ChargeFrequency": "Recurring",
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ConsumedQuantity": Decimal(1),
        "ConsumedUnit": "Seats",
        "PricingQuantity": Decimal(1),
        "PricingUnit": "Seats",
        "ServiceCategory": "Developer Tools",
        "ServiceName": SEAT_SERVICE,
        "ServiceSubcategory": "Development Environments",
        "SkuId": f"cursor/seat/{sku}" if sku else "cursor/seat",
        "SkuMeter": "Seats",
        "SubAccountId": who.group_id,
        "SubAccountName": who.group_name,
        "Tags": tags,
        "x_CostSource": CONFIGURED,
        **principal(who, names),
    }
    return scrubbed(row, names)


# -- shared parts -------------------------------------------------------------------------------


def common(account: Account, month: datetime, version: str, provider: str = PROVIDER) -> Row:
    """What every row of one account and billing month says the same way (``provider``: the
    ProviderName, PublisherName and InvoiceIssuerName, one string: not a third-party charge)."""
    providers = {"ProviderName": provider, "PublisherName": provider}
    if version != "1.2":
        providers.update(ServiceProviderName=provider, HostProviderName=provider)
    if version == "1.4":
        del providers["ProviderName"], providers["PublisherName"]
    next_month = (month + timedelta(days=32)).replace(day=1)
    return {
        "BillingAccountId": account.id,
        "BillingAccountName": account.name,
        "BillingCurrency": CURRENCY,
        "BillingPeriodStart": month,
        "BillingPeriodEnd": next_month,
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        # Present though always null: with usage measurement declared, the 1.2 validator's
        # rules read it (focus-validator 2.2.1).
        "CommitmentDiscountStatus": None,
        "InvoiceId": None,  # no provider's invoice ids are in its API
        "InvoiceIssuerName": provider,  # = ProviderName: not a third-party charge
        **providers,
    }


def cost_columns(costs: Costs) -> Row:
    return {"BilledCost": costs.billed, "EffectiveCost": costs.effective,
            "ListCost": costs.list, "ContractedCost": costs.contracted}  # fmt: skip


def principal(who: Principal, names: Pseudonyms) -> Row:
    if who.service_account_id is not None:
        kind, opaque = "Service Account", who.service_account_id
    elif who.email:
        kind, opaque = "User", names.opaque(who.email)
    else:
        kind, opaque = "Unattributed", None
    return {
        "x_PrincipalId": opaque,
        "x_PrincipalType": kind,
        "x_UserEmail": names.email(who.email),
    }


def scrubbed(row: Row, names: Pseudonyms) -> Row:
    """With ``hash_emails``, no email-shaped text anywhere: a member named by an address, a
    team or group named after one."""
    if not names.hash_emails:
        return row
    for name, value in row.items():
        if isinstance(value, str):
            row[name] = names.text(value)
        elif isinstance(value, dict):
            row[name] = {k: names.text(v) if isinstance(v, str) else v for k, v in value.items()}
    return row


def dollars(cents: Decimal) -> Decimal:
    """Cents as dollars, exactly (a rounding would raise)."""
    return cents.scaleb(-2, EXACT)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# -- totals -------------------------------------------------------------------------------------


@dataclass
class Totals:
    """Σ of the four FOCUS costs over rows, in USD (the only currency Cursor bills in)."""

    billed: Decimal = Decimal(0)
    effective: Decimal = Decimal(0)
    list: Decimal = Decimal(0)
    contracted: Decimal = Decimal(0)
    usage_rows: int = 0
    seat_rows: int = 0

    def add(self, costs: Costs, *, seat: bool = False) -> None:
        with decimal.localcontext(EXACT):
            self.billed += costs.billed
            self.effective += costs.effective
            self.list += costs.list
            self.contracted += costs.contracted
        if seat:
            self.seat_rows += 1
        else:
            self.usage_rows += 1

    def add_row(self, row: Mapping[str, Any]) -> None:
        """A row as written (``usage_row`` or ``seat_row``)."""
        self.add(Costs(row["BilledCost"], row["EffectiveCost"], row["ListCost"],
                       row["ContractedCost"]), seat=row["x_CostSource"] == CONFIGURED)  # fmt: skip
