"""Claude Code and GitHub Copilot as FOCUS cost rows, beside Cursor's (``cursor_mapping``): pure,
no I/O, the same columns, the same exact money (cents / 100, a rounding raises).

**Claude Code** (ProviderName "Anthropic"). Anthropic states two different things, and the file
keeps both without counting either twice:

* one Usage row per UTC day x person x model, ServiceName "Claude Code", from the claude_code
  report: its cost is Anthropic's *estimate* at list price (``estimated_cost``), not what is
  invoiced. So ``BilledCost`` = 0 and ``EffectiveCost`` = ``ListCost`` = ``ContractedCost`` = the
  estimate, tagged ``anthropic/estimated: true`` and ``x_CostSource`` "estimated";
* one Usage row per UTC day x line of the organisation's cost report, ServiceName "Anthropic
  API": what Anthropic bills. ``BilledCost`` = ``ListCost`` = ``ContractedCost`` = the line's
  amount, ``EffectiveCost`` = 0, ``x_CostSource`` "billed".

This is FOCUS 1.2's pattern for usage paid through another row (the SaaS appendix's virtual
currency, and Cursor's included usage in this file): usage rows carry the effective cost with
BilledCost 0, the invoiced row carries the cash. Σ BilledCost of the Anthropic rows is the bill;
Σ EffectiveCost is the people's estimates, for showback by person. The bill also holds lines
no person's estimate covers (other API use, code execution, web search), so the two sums differ:
``reports.claude_code_reconciliation`` shows the difference per day. Do not sum ListCost over
both kinds of row (FOCUS 2.1: Purchase and the usage it covers).

**GitHub Copilot** (ProviderName "GitHub", ServiceName "GitHub Copilot"): one Usage row per UTC
day x person x model from the billing usage GitHub states per user: ``BilledCost`` =
``EffectiveCost`` = the net amount (what is billed after the seats' included allowance),
``ListCost`` = ``ContractedCost`` = the gross amount. The person is the directory's email when
the login is aliased to a person, else ``github:<login>`` (pseudonymised as every email is).
GitHub bills premium requests ($0.04 each) before ``AI_CREDITS_FROM`` and AI credits ($0.01
each) from it; the quantity is the gross amount at that unit price (the store keeps amounts, not
quantities). Seats are recurring Usage rows, one per seat and calendar month it is active in,
priced as configured per plan (``reports.copilot_seats``: the price is not in GitHub's API) in
all four costs, ``x_CostSource`` "configured", as Cursor's seat rows.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pumpview.exports.focus.columns import TYPES
from pumpview.exports.focus.cursor_mapping import (
    CONFIGURED,
    Account,
    Principal,
    Row,
    common,
    cost_columns,
    dollars,
    midnight,
    principal,
    scrubbed,
    seat_costs,
)
from pumpview.exports.focus.pseudonyms import Pseudonyms
from pumpview.integrations.copilot.billing import AI_CREDITS_FROM
from pumpview.store.measures import EXACT

ANTHROPIC, GITHUB = "Anthropic", "GitHub"
CLAUDE_CODE_SERVICE, ANTHROPIC_BILL_SERVICE = "Claude Code", "Anthropic API"
COPILOT_SERVICE = "GitHub Copilot"
ANTHROPIC_TAGS, GITHUB_TAGS = "anthropic/", "github/"
ESTIMATED, BILLED, MEASURED = "estimated", "billed", "measured"
"""``x_CostSource``: Anthropic's per-person estimate, Anthropic's bill, GitHub's billing."""
API_KEY = "api-key:"
"""How the store names a Claude Code ``api_actor`` (by its key's name)."""
TOOL_COSTS = (
    "Claude Code: a row per UTC day, person and model with Anthropic's estimate at list price "
    "as EffectiveCost, ListCost and ContractedCost and BilledCost 0 (tag anthropic/estimated), "
    "and a row per UTC day and line of Anthropic's cost report with the billed amount as "
    "BilledCost, ListCost and ContractedCost and EffectiveCost 0: BilledCost sums to the bill, "
    "EffectiveCost to the estimates. GitHub Copilot: a row per UTC day, person and model, "
    "BilledCost = EffectiveCost = the net amount, ListCost = ContractedCost = the gross amount; "
    "no Copilot seat rows"
)
PREMIUM_REQUEST_CENTS, AI_CREDIT_CENTS = Decimal(4), Decimal(1)
"""GitHub's unit prices: $0.04 a premium request, $0.01 an AI credit (reference §2)."""


@dataclass(frozen=True, slots=True)
class ToolSums:
    """One person's day on one model, as the store sums it; money in cents."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    list_cents: Decimal = Decimal(0)
    """The value used before discounts: Claude Code's estimate, Copilot's gross amount."""
    billed_cents: Decimal = Decimal(0)
    """What is billed for it: 0 for Claude Code (the bill is its own rows), Copilot's net."""

    @property
    def tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )


def claude_code_principal(identity: str) -> Principal:
    """A Claude Code identity (a lower-case email, or ``api-key:<name>``) as a principal."""
    if identity.startswith(API_KEY):
        name = identity.removeprefix(API_KEY)
        return Principal(None, service_account_id=identity, service_account_name=name)
    return Principal(identity or None)


def claude_code_row(
    day: date, who: Principal, model: str, sums: ToolSums, account: Account, version: str,
    names: Pseudonyms,
) -> Row:  # fmt: skip
    """One person's (or API key's) Claude Code day on one model: the estimate, not billed."""
    estimate = dollars(sums.list_cents)
    tokens = Decimal(sums.tokens)
    tags: dict[str, object] = {
        f"{ANTHROPIC_TAGS}userEmail": names.email(who.email),
        f"{ANTHROPIC_TAGS}model": model,
        f"{ANTHROPIC_TAGS}estimated": True,
    }
    if who.service_account_name is not None:
        tags[f"{ANTHROPIC_TAGS}apiKey"] = who.service_account_name
    row: Row = {
        **dict.fromkeys(TYPES),
        **common(account, midnight(day.replace(day=1)), version, ANTHROPIC),
        **_day(day),
        "BilledCost": Decimal(0),
        "ChargeDescription": f"{model} - Claude Code - estimated at list price",
        "ChargeFrequency": "Usage-Based",
        "ConsumedQuantity": tokens,
        "ConsumedUnit": "Tokens",
        "ContractedCost": estimate,
        "EffectiveCost": estimate,
        "ListCost": estimate,
        "PricingQuantity": tokens.scaleb(-6, EXACT),
        "PricingUnit": "1000000 Tokens",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": CLAUDE_CODE_SERVICE,
        "ServiceSubcategory": "Generative AI",
        "SkuId": f"anthropic/claude-code/{model}",
        "SkuMeter": "Tokens",
        "Tags": tags,
        "x_CacheReadTokens": sums.cache_read_tokens,
        "x_CacheWriteTokens": sums.cache_write_tokens,
        "x_CostSource": ESTIMATED,
        "x_InputTokens": sums.input_tokens,
        "x_Model": model,
        "x_OutputTokens": sums.output_tokens,
        **principal(who, names),
    }
    return scrubbed(row, names)


def anthropic_bill_row(
    day: date, line: str, model: str | None, cents: Decimal, account: Account, version: str,
    names: Pseudonyms,
) -> Row:  # fmt: skip
    """One line of what Anthropic bills the organisation for a day: billed, not attributed."""
    amount = dollars(cents)
    tags: dict[str, object] = {f"{ANTHROPIC_TAGS}costReportLine": line}
    if model is not None:
        tags[f"{ANTHROPIC_TAGS}model"] = model
    row: Row = {
        **dict.fromkeys(TYPES),
        **common(account, midnight(day.replace(day=1)), version, ANTHROPIC),
        **_day(day),
        "BilledCost": amount,
        "ChargeDescription": line,
        "ChargeFrequency": "Usage-Based",
        "ConsumedQuantity": Decimal(1),
        "ConsumedUnit": "Units",
        "ContractedCost": amount,
        "EffectiveCost": Decimal(0),
        "ListCost": amount,
        # The cost report states money only: the line is one unit, priced as a whole.
        "PricingQuantity": Decimal(1),
        "PricingUnit": "Units",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": ANTHROPIC_BILL_SERVICE,
        "ServiceSubcategory": "Generative AI",
        "SkuId": f"anthropic/cost-report/{model}" if model else "anthropic/cost-report",
        "SkuMeter": None,
        "Tags": tags,
        "x_CostSource": BILLED,
        "x_Model": model,
        "x_PrincipalType": "Organisation",
    }
    return scrubbed(row, names)


def copilot_row(
    day: date, who: Principal, model: str, sums: ToolSums, account: Account, version: str,
    names: Pseudonyms,
) -> Row:  # fmt: skip
    """One person's Copilot day on one model: billed = effective = net, list = gross."""
    credits = day >= AI_CREDITS_FROM
    unit, price = ("Credits", AI_CREDIT_CENTS) if credits else ("Requests", PREMIUM_REQUEST_CENTS)
    with decimal.localcontext(EXACT):  # a quarter of a cent is exact; a rounding would raise
        quantity = sums.list_cents / price
    gross, net = dollars(sums.list_cents), dollars(sums.billed_cents)
    sku = "AI credits" if credits else "premium requests"
    tags: dict[str, object] = {f"{GITHUB_TAGS}user": names.email(who.email),
                               f"{GITHUB_TAGS}model": model}  # fmt: skip
    row: Row = {
        **dict.fromkeys(TYPES),
        **common(account, midnight(day.replace(day=1)), version, GITHUB),
        **_day(day),
        "BilledCost": net,
        "ChargeDescription": f"{model} - Copilot {sku}",
        "ChargeFrequency": "Usage-Based",
        "ConsumedQuantity": quantity,
        "ConsumedUnit": unit,
        "ContractedCost": gross,
        "EffectiveCost": net,
        "ListCost": gross,
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": COPILOT_SERVICE,
        "ServiceSubcategory": "Generative AI",
        "SkuId": f"github/copilot/{model}",
        "SkuMeter": unit,
        "Tags": tags,
        "x_CostSource": MEASURED,
        "x_Model": model,
        **principal(who, names),
    }
    return scrubbed(row, names)


def copilot_seat_row(
    month: date, plan: str, fee: Decimal, who: Principal, account: Account, version: str,
    names: Pseudonyms,
) -> Row:  # fmt: skip
    """One login's Copilot seat for one calendar month: the configured price of its plan in all
    four costs (an unknown plan is priced as Business, ``reports.copilot_seats``)."""
    start = midnight(month)
    row: Row = {
        **dict.fromkeys(TYPES),
        **common(account, start, version, GITHUB),
        **cost_columns(seat_costs(fee)),
        "ChargeDescription": f"Copilot {plan.capitalize()} seat, monthly",
        "ChargeFrequency": "Recurring",
        "ChargePeriodStart": start,
        "ChargePeriodEnd": midnight((month + timedelta(days=32)).replace(day=1)),
        "ConsumedQuantity": Decimal(1),
        "ConsumedUnit": "Seats",
        "PricingQuantity": Decimal(1),
        "PricingUnit": "Seats",
        "ServiceCategory": "Developer Tools",
        "ServiceName": COPILOT_SERVICE,
        "ServiceSubcategory": "Development Environments",
        "SkuId": f"github/copilot/seat/{plan}",
        "SkuMeter": "Seats",
        "Tags": {f"{GITHUB_TAGS}user": names.email(who.email), f"{GITHUB_TAGS}plan": plan},
        "x_CostSource": CONFIGURED,
        **principal(who, names),
    }
    return scrubbed(row, names)


def _day(day: date) -> Row:
    start = midnight(day)
    return {"ChargePeriodStart": start, "ChargePeriodEnd": start + timedelta(days=1)}
