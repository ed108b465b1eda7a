"""``POST /teams/spend``: the current cycle's per-member spend, paged until ``totalPages``."""

from __future__ import annotations

from typing import Any

from pumpview.errors import BadResponse
from pumpview.money import to_decimal
from pumpview.timeutil import day_of

PATH = "/teams/spend"
PAGE_SIZE = 100


def request_body(page: int) -> dict[str, Any]:
    return {"page": page, "pageSize": PAGE_SIZE}


def total_pages(payload: Any) -> int:
    """``totalPages`` (there is no ``currentPage`` in the documented response)."""
    pages = payload.get("totalPages") if isinstance(payload, dict) else None
    if not isinstance(pages, int):
        msg = "unexpected /teams/spend response: no totalPages"
        raise BadResponse(msg)
    return pages


def to_rows(payload: Any, integration_id: int, taken_at_ms: int) -> list[dict[str, Any]]:
    try:
        cycle_ms = int(payload["subscriptionCycleStart"])
        return [
            {
                "integration_id": integration_id,
                "taken_at_ms": taken_at_ms,
                "cycle_start": day_of(cycle_ms),
                "cycle_start_ms": cycle_ms,
                "email": str(row["email"]).strip().lower(),
                "user_id": None if row.get("userId") is None else str(row["userId"]),
                "spend_cents": to_decimal(row.get("spendCents")),
                "overall_spend_cents": None
                if row.get("overallSpendCents") is None
                else to_decimal(row["overallSpendCents"]),
                "fast_premium_requests": int(row.get("fastPremiumRequests") or 0),
                "hard_limit_dollars": _money(row.get("hardLimitOverrideDollars")),
                "monthly_limit_dollars": _money(row.get("monthlyLimitDollars")),
                "effective_limit_dollars": _money(row.get("effectivePerUserLimitDollars")),
            }
            for row in payload["teamMemberSpend"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"unexpected /teams/spend response ({type(exc).__name__}: {exc})"
        raise BadResponse(msg) from None


def _money(value: object) -> Any:
    return None if value is None else to_decimal(value)
