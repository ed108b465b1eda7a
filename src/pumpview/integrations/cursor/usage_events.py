"""``POST /teams/filtered-usage-events``: the request for one page and the pure event -> row map.

Definitions (README): cost = ``chargedCents``; for old payloads without it,
``tokenUsage.totalCents`` x (1 - discount/100) + ``cursorTokenFee``. Chargeable = ``isChargeable``,
or kind "Usage-based" on old payloads. Unknown fields are kept as JSON so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pumpview.errors import BadResponse
from pumpview.money import ZERO, to_decimal
from pumpview.store.tables import UNATTRIBUTED
from pumpview.timeutil import Window, day_of

PATH = "/teams/filtered-usage-events"
PAGE_SIZE = 1000
USAGE_BASED = "Usage-based"
KNOWN_FIELDS = frozenset(
    {
        "timestamp",
        "userEmail",
        "model",
        "kind",
        "maxMode",
        "requestsCosts",
        "isTokenBasedCall",
        "isChargeable",
        "isHeadless",
        "tokenUsage",
        "chargedCents",
        "cursorTokenFee",
        "serviceAccountId",
        "conversationId",
    }
)


def request_body(window: Window, page: int, page_size: int = PAGE_SIZE) -> dict[str, int]:
    """Explicit inclusive ms bounds always (pitfalls §2.3 #7), the largest page the API allows."""
    return {"startDate": window.start, "endDate": window.end, "page": page, "pageSize": page_size}


def cost_cents(event: dict[str, Any]) -> Decimal:
    """What one event cost, by the product's definition."""
    if event.get("chargedCents") is not None:
        return to_decimal(event["chargedCents"])
    usage = event.get("tokenUsage") or {}
    total = to_decimal(usage.get("totalCents"))
    discount = to_decimal(usage.get("discountPercentOff"))
    return total * (100 - discount) / 100 + to_decimal(event.get("cursorTokenFee"))


def to_row(event: dict[str, Any], integration_id: int) -> dict[str, Any]:
    """One stored row for one upstream event. Raises ``BadResponse`` on a malformed event."""
    try:
        ts = int(event["timestamp"])
        usage = event.get("tokenUsage") or {}
        kind = str(event.get("kind") or "")
        email = event.get("userEmail")
        chargeable = event.get("isChargeable")
        extra = {k: v for k, v in event.items() if k not in KNOWN_FIELDS}
        return {
            "integration_id": integration_id,
            "ts_ms": ts,
            "day": day_of(ts),
            "email": email.strip().lower() if isinstance(email, str) and email else UNATTRIBUTED,
            "model": str(event.get("model") or "unknown"),
            "kind": kind,
            "max_mode": bool(event.get("maxMode")),
            "token_based": bool(event.get("isTokenBasedCall")),
            "chargeable": bool(chargeable) if chargeable is not None else kind == USAGE_BASED,
            "headless": event.get("isHeadless"),
            "input_tokens": int(usage.get("inputTokens") or 0),
            "output_tokens": int(usage.get("outputTokens") or 0),
            "cache_write_tokens": int(usage.get("cacheWriteTokens") or 0),
            "cache_read_tokens": int(usage.get("cacheReadTokens") or 0),
            "model_cost_cents": to_decimal(usage.get("totalCents")),
            "discount_percent": _optional(usage.get("discountPercentOff")),
            "token_fee_cents": _optional(event.get("cursorTokenFee")),
            "charged_cents": _optional(event.get("chargedCents")),
            "cost_cents": cost_cents(event),
            "requests_costs": _optional(event.get("requestsCosts")),
            "service_account_id": event.get("serviceAccountId"),
            "conversation_id": event.get("conversationId"),
            "extra": json.dumps(extra, default=str, ensure_ascii=False) if extra else None,
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"unexpected usage event from Cursor ({type(exc).__name__}: {exc})"
        raise BadResponse(msg) from None


def to_rows(events: Iterable[dict[str, Any]], integration_id: int) -> list[dict[str, Any]]:
    return [to_row(e, integration_id) for e in events]


def _optional(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)


def request_class(row: Mapping[str, Any]) -> str:
    """``not_charged`` (errored/aborted), ``fast`` (used request units or cost) or ``slow``."""
    if "Not Charged" in row["kind"]:
        return "not_charged"
    if (row["requests_costs"] or ZERO) > 0 or row["cost_cents"] > 0:
        return "fast"
    return "slow"
