"""The facts as ClickHouse answers them (``store.facts.Facts``): from the daily rollup, whole.

It sums ``usage_daily`` over the range, without the SQL store's aligned blocks: fine for days
and months, too slow over a year at 10M events (``benchmarks/clickhouse.py``), where monthly
aggregates under versions of their own are the next step. A row counts only when
its version is the one the metadata snapshot names for its day (``sync_days.version``,
committed with the day's bookmark): a write still running, or one killed midway, is invisible,
and a report sees exactly the days the snapshot sees.

Money columns are ``Decimal(38, 24)``; sums widen to ``Decimal(76, 24)`` first, since
ClickHouse's decimal sums overflow silently; nothing is averaged or turned into a float. Values
from users and upstream (emails, models) are always bound parameters, never SQL text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from pumpview.store import tables
from pumpview.store.clickhouse.schema import MONEY_FRACTION_DIGITS
from pumpview.store.measures import MEASURES, MONEY
from pumpview.timeutil import day_of

VISIBLE = (
    "integration_id IN {ids:Array(UInt32)} AND day BETWEEN {first:Date} AND {last:Date}"
    " AND (integration_id, day, version) IN {cells:Array(Tuple(UInt32, Date, UInt64))}"
)
"""The committed rows of a range: (integration, day, version) as the metadata snapshot names
them (``ClickHouseFacts._visible`` gives the parameters)."""
INSTANTS = "ts_ms >= {start_ms:Int64} AND ts_ms < {end_ms:Int64}"


def _sum(name: str) -> str:
    """A measure's sum: money widened first (ClickHouse's decimal sums overflow silently)."""
    if name in MONEY:
        return f"sum(toDecimal256({name}, {MONEY_FRACTION_DIGITS}))"
    return f"sum({name})"


class ClickHouseFacts:
    """``store.facts.Facts`` on ClickHouse, as of the metadata snapshot ``conn``."""

    def __init__(self, conn: Connection, client: Any) -> None:
        self.conn = conn
        self.client = client
        self._committed: dict[tuple[int, ...], list[tuple[int, date, int, int]]] = {}

    # -- which rows are visible --------------------------------------------------------------

    def _days(self, ids: Sequence[int]) -> list[tuple[int, date, int, int]]:
        """(integration, day, version, events) of every committed day of ``ids``."""
        key = tuple(sorted(ids))
        if key not in self._committed:
            days = tables.sync_days
            self._committed[key] = [
                (iid, day, version, events)
                for iid, day, version, events in self.conn.execute(
                    select(days.c.integration_id, days.c.day, days.c.version, days.c.events).where(
                        days.c.integration_id.in_(key), days.c.version.is_not(None)
                    )
                )
            ]
        return self._committed[key]

    def _visible(self, ids: Sequence[int], first: date, last: date) -> dict[str, Any] | None:
        """The parameters of ``VISIBLE`` for the committed rows of ``[first, last]``; ``None``
        when there are none."""
        cells = [
            (iid, day, version)
            for iid, day, version, events in self._days(ids)
            if first <= day <= last and events
        ]
        if not cells:
            return None
        return {"ids": sorted(set(ids)), "first": first, "last": last, "cells": cells}

    def _query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.client.query(sql, parameters=parameters).result_rows]

    # -- Facts -------------------------------------------------------------------------------

    def span(self, ids: Sequence[int]) -> tuple[date, date] | None:
        days = [day for _iid, day, _version, events in self._days(ids) if events]
        return (min(days), max(days)) if days else None

    def sums(
        self,
        ids: Sequence[int],
        first: date,
        last: date,
        by: Sequence[str] = (),
        *,
        measures: Sequence[str] = MEASURES,
        emails: Collection[str] | None = None,
        model: str | None = None,
    ) -> list[tuple[Any, ...]]:
        bound = self._visible(ids, first, last)
        if bound is None or (emails is not None and not emails):
            return [] if by else [tuple(_zeros(measures))]
        where = [VISIBLE]
        if emails is not None:
            where.append("email IN {emails:Array(String)}")
            bound["emails"] = sorted(emails)
        if model is not None:
            where.append("model = {model:String}")
            bound["model"] = model
        keys = ", ".join(by)
        sql = (
            f"SELECT {keys + ', ' if keys else ''}{', '.join(_sum(m) for m in measures)}"
            f" FROM usage_daily WHERE {' AND '.join(where)}"
            f"{' GROUP BY ' + keys if keys else ''}"
        )
        return [_exact(row, len(by), measures) for row in self._query(sql, bound)]

    def people_count(self, ids: Sequence[int], first: date, last: date) -> int:
        bound = self._visible(ids, first, last)
        if bound is None:
            return 0
        return int(
            self._query(f"SELECT uniqExact(email) FROM usage_daily WHERE {VISIBLE}", bound)[0][0]
        )

    def people_per_model(self, ids: Sequence[int], first: date, last: date) -> dict[str, int]:
        bound = self._visible(ids, first, last)
        if bound is None:
            return {}
        sql = f"SELECT model, uniqExact(email) FROM usage_daily WHERE {VISIBLE} GROUP BY model"
        return {model: int(count) for model, count in self._query(sql, bound)}

    def last_days(self, ids: Sequence[int], first: date, last: date) -> dict[str, date]:
        bound = self._visible(ids, first, last)
        if bound is None:
            return {}
        sql = f"SELECT email, max(day) FROM usage_daily WHERE {VISIBLE} GROUP BY email"
        return dict(self._query(sql, bound))

    def active_spans(
        self, members: Iterable[tuple[int, str]], until: date
    ) -> dict[tuple[int, str], tuple[date, date]]:
        wanted = set(members)
        ids = sorted({iid for iid, _email in wanted})
        days = [day for _iid, day, _version, _events in self._days(ids) if day <= until]
        bound = self._visible(ids, min(days), until) if days else None
        if bound is None:
            return {}
        bound["emails"] = sorted({email for _iid, email in wanted})
        sql = (
            "SELECT integration_id, email, min(day), max(day) FROM usage_daily"
            f" WHERE {VISIBLE} AND email IN {{emails:Array(String)}}"
            " GROUP BY integration_id, email"
        )
        rows = self._query(sql, bound)
        return {(iid, email): (lo, hi) for iid, email, lo, hi in rows if (iid, email) in wanted}

    def has_model(self, ids: Sequence[int], model: str) -> bool:
        span = self.span(ids)
        bound = None if span is None else self._visible(ids, *span)
        if bound is None:
            return False
        bound["model"] = model
        sql = f"SELECT 1 FROM usage_daily WHERE {VISIBLE} AND model = {{model:String}} LIMIT 1"
        return bool(self._query(sql, bound))

    def person_days(
        self, ids: Sequence[int], email: str, first: date, last: date
    ) -> list[tuple[Any, ...]]:
        bound = self._visible(ids, first, last)
        if bound is None:
            return []
        bound["email"] = email
        sql = (
            f"SELECT day, model, {', '.join(_sum(m) for m in MEASURES)} FROM usage_daily"
            f" WHERE {VISIBLE} AND email = {{email:String}} GROUP BY day, model"
        )
        return [_exact(row, 2, MEASURES) for row in self._query(sql, bound)]

    def events(
        self,
        ids: Sequence[int],
        start_ms: int,
        end_ms: int,
        columns: Sequence[str],
        *,
        email: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        bound = self._instants(ids, start_ms, end_ms)
        if bound is None:
            return
        where = [VISIBLE, INSTANTS]
        if email is not None:
            where.append("email = {email:String}")
            bound["email"] = email
        sql = (
            f"SELECT {', '.join(columns)} FROM usage_events WHERE {' AND '.join(where)}"
            " ORDER BY integration_id, ts_ms, version, seq"
        )
        with self.client.query_rows_stream(sql, parameters=bound) as stream:
            for row in stream:
                yield tuple(row)

    def recent_events(
        self, ids: Sequence[int], email: str, start_ms: int, end_ms: int, limit: int
    ) -> list[tuple[Any, ...]]:
        bound = self._instants(ids, start_ms, end_ms)
        if bound is None:
            return []
        bound.update(email=email, limit=limit)
        sql = (
            "SELECT ts_ms, model, kind, cost_cents, input_tokens, output_tokens FROM usage_events"
            f" WHERE {VISIBLE} AND {INSTANTS} AND email = {{email:String}}"
            " ORDER BY ts_ms DESC, integration_id DESC, version DESC, seq DESC"
            " LIMIT {limit:UInt32}"
        )
        return self._query(sql, bound)

    def _instants(self, ids: Sequence[int], start_ms: int, end_ms: int) -> dict[str, Any] | None:
        """``_visible`` for the days of ``[start_ms, end_ms)``, with ``INSTANTS``' bounds."""
        bound = (
            None if end_ms <= start_ms else self._visible(ids, day_of(start_ms), day_of(end_ms - 1))
        )
        if bound is not None:
            bound.update(start_ms=start_ms, end_ms=end_ms)
        return bound


def _zeros(measures: Sequence[str]) -> list[Any]:
    return [Decimal(0) if name in MONEY else 0 for name in measures]


def _exact(row: Sequence[Any], width: int, measures: Sequence[str]) -> tuple[Any, ...]:
    """A result row with counts as ``int`` (ClickHouse's sums of integers may come wider)."""
    values = [
        value if name in MONEY else int(value)
        for name, value in zip(measures, row[width:], strict=True)
    ]
    return (*row[:width], *values)
