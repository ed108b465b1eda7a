"""Unit costs and shares: what a manager compares models by. Ratios for people to compare, not
sums: 28 significant digits, rounded (sums stay exact, in ``store.measures.EXACT``)."""

from __future__ import annotations

import decimal
from decimal import Decimal

from pumpview.store.measures import EXACT, Measures

_RATIO = decimal.Context(prec=28)


def ratio(part: Decimal | int, whole: Decimal | int, scale: int = 1) -> Decimal | None:
    """``part / whole`` (times ``scale``), rounded once; ``None`` when ``whole`` is zero. The
    scaling is exact: an exact sum may have more than 28 digits."""
    if not whole:
        return None
    return _RATIO.divide(EXACT.multiply(Decimal(part), scale), Decimal(whole))


def unit_costs(row: Measures) -> dict[str, Decimal | None]:
    """Cents per million tokens (all four kinds), cents per request, and the shares of cache
    reads, of Max-mode events and of on-demand spend; ``None`` where undefined."""
    tokens = row.input_tokens + row.output_tokens + row.cache_write_tokens + row.cache_read_tokens
    return {
        "cents_per_million_tokens": ratio(row.spend_cents, tokens, 1_000_000),
        "cents_per_request": ratio(row.spend_cents, row.events),
        "cache_read_share": ratio(row.cache_read_tokens, tokens),
        "max_mode_share": ratio(row.max_mode_events, row.events),
        "on_demand_share": ratio(row.on_demand_cents, row.spend_cents),
    }
