"""``POST /teams/filtered-usage-events``: the request for one page and the pure event -> row map.

Definitions (README): cost = ``chargedCents``; for old payloads without it,
``tokenUsage.totalCents`` x (1 - discount/100) + ``cursorTokenFee``. Chargeable = ``isChargeable``,
or kind "Usage-based" on old payloads. Unknown fields are kept as JSON so nothing is lost.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pumpview.errors import BadResponse
from pumpview.money import dumps, to_decimal
from pumpview.store.measures import EXACT
from pumpview.store.rollup import Record
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
    """Explicit inclusive ms bounds always (without them the API's undocumented default window
    decides), the largest page the API allows."""
    return {"startDate": window.start, "endDate": window.end, "page": page, "pageSize": page_size}


_NO_USAGE: dict[str, Any] = {}


def _old_payload_cost(event: Mapping[str, Any]) -> Decimal:
    """The cost of an event without ``chargedCents`` (older payloads): discounted
    ``tokenUsage.totalCents`` plus ``cursorTokenFee``."""
    usage = event.get("tokenUsage") or _NO_USAGE
    total = _money(usage.get("totalCents"))
    discount = usage.get("discountPercentOff")
    fee = event.get("cursorTokenFee")
    with decimal.localcontext(EXACT):  # a fractional discount must not round the cost
        if discount:
            total = total * (100 - _money(discount)) / 100
        return total + _money(fee) if fee is not None else total


def to_record(event: Mapping[str, Any], integration_id: int) -> Record:
    """One stored row for one upstream event: the store's event record (``EVENT_COLUMNS``).

    Raises ``BadResponse`` on a malformed event. This runs once per event of a 365-day backfill,
    so it reads each field once and builds a tuple rather than a dict.
    """
    try:
        ts = int(event["timestamp"])
        get = event.get
        usage = get("tokenUsage") or _NO_USAGE
        kind = str(get("kind") or "")
        email = get("userEmail")
        chargeable = get("isChargeable")
        charged = _optional(get("chargedCents"))
        return (
            integration_id,
            ts,
            day_of(ts),
            email.strip().lower() if isinstance(email, str) and email else UNATTRIBUTED,
            str(get("model") or "unknown"),
            kind,
            bool(get("maxMode")),
            bool(get("isTokenBasedCall")),
            bool(chargeable) if chargeable is not None else kind == USAGE_BASED,
            get("isHeadless"),
            int(usage.get("inputTokens") or 0),
            int(usage.get("outputTokens") or 0),
            int(usage.get("cacheWriteTokens") or 0),
            int(usage.get("cacheReadTokens") or 0),
            _money(usage.get("totalCents")),
            _optional(usage.get("discountPercentOff")),
            _optional(get("cursorTokenFee")),
            charged,
            charged if charged is not None else _old_payload_cost(event),
            _optional(get("requestsCosts")),
            get("serviceAccountId"),
            get("conversationId"),
            None if KNOWN_FIELDS.issuperset(event) else _unknown_fields(event),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"unexpected usage event from Cursor ({type(exc).__name__}: {exc})"
        raise BadResponse(msg) from None


def to_records(events: Iterable[Mapping[str, Any]], integration_id: int) -> list[Record]:
    return [to_record(e, integration_id) for e in events]


def _money(value: object) -> Decimal:
    """A JSON number as exact cents; ``Decimal`` values (the common case) pass straight through."""
    return value if type(value) is Decimal else to_decimal(value)


def _optional(value: object) -> Decimal | None:
    return value if value is None or type(value) is Decimal else to_decimal(value)


def _unknown_fields(event: Mapping[str, Any]) -> str:
    """The fields we do not model, as JSON in the order Cursor sent them."""
    return dumps({k: v for k, v in event.items() if k not in KNOWN_FIELDS})
