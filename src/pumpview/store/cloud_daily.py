"""Cloud cost rows summed to the grain the reports read: per charge day, billing period,
provider, service, currency, owner and team. A month of hourly rows per resource becomes a few
rows per day, summed exactly (Decimal, then integer limbs the database sums without floats)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pumpview.store.measures import split
from pumpview.store.tables import CLOUD_COSTS, CLOUD_STORED

Grain = tuple[date, date, str, str, str, str | None, str | None]
"""(billing period, charge day, currency, provider, service, owner, team)."""
_ZEROS = (Decimal(0),) * len(CLOUD_COSTS)


class Attribution(Protocol):
    """Who a row's tags name: the import's tag keys (``integrations.focus.tagging.TagKeys``)."""

    def attribute(self, tags: Mapping[str, object], /) -> tuple[str | None, str | None]:
        """(owner alias, team); ``None`` where no key has a value."""
        ...


class DailySums:
    """Exact sums of cost rows per grain; memory grows with the grain, not with the rows.

    ``add`` runs once per row of a file: call it under ``decimal.localcontext(EXACT)`` (the
    importer does, once per file), where a sum that would round raises instead."""

    def __init__(self, keys: Attribution) -> None:
        self.keys = keys
        self._sums: dict[Grain, tuple[int, tuple[Decimal, ...]]] = {}

    def add(
        self,
        *,
        billing_period: date,
        charge_day: date,
        currency: str,
        provider: str | None,
        service: str | None,
        tags: Mapping[str, object],
        costs: tuple[Decimal | None, ...],
    ) -> None:
        owner, team = self.keys.attribute(tags)
        grain = (billing_period, charge_day, currency, provider or "", service or "", owner, team)
        rows, sums = self._sums.get(grain, (0, _ZEROS))
        added = tuple(s + (c or 0) for s, c in zip(sums, costs, strict=True))
        self._sums[grain] = (rows + 1, added)

    def period_rows(self) -> dict[date, int]:
        """Rows per billing period."""
        out: dict[date, int] = {}
        for (period, *_rest), (rows, _sums) in self._sums.items():
            out[period] = out.get(period, 0) + rows
        return out

    def records(self, import_id: int, source: str) -> Iterable[dict[str, Any]]:
        """``cloud_daily`` rows; ``ValueError`` for an amount the limbs cannot hold exactly."""
        for (period, day, currency, provider, service, owner, team), (
            rows,
            sums,
        ) in self._sums.items():
            limbs = [limb for amount in sums for limb in split(amount)]
            yield {
                "import_id": import_id, "source": source, "billing_period_start": period,
                "charge_day": day, "currency": currency, "provider": provider,
                "service": service, "owner": owner, "team": team, "rows": rows,
                **dict(zip(CLOUD_STORED, limbs, strict=True)),
            }  # fmt: skip
