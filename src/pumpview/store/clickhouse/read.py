"""The facts as ClickHouse answers them (``store.facts.Facts``): from blocks and the daily
rollup.

A range's whole months, then its whole slices of months, that have a usable block
(``store.fact_blocks``) are read from ``usage_blocks`` (or ``usage_block_days``), a few thousand
rows a block; every other day from ``usage_daily``; both as one table (``UNION ALL``) that each
question groups as it needs. A daily row counts only when its
version is the one the metadata snapshot names for its day (``sync_days.version``, committed with
the day's bookmark), and a block only while the snapshot's bookmarks of its span give the digest
it was built from: a write still running, or one killed midway, is invisible, and a report sees
exactly the days the snapshot sees.

Money columns are ``Decimal(38, 24)`` (blocks: ``Decimal(76, 24)``); sums widen to
``Decimal(76, 24)`` first, since ClickHouse's decimal sums overflow silently; nothing is averaged
or turned into a float. Values from users and upstream (emails, models) are always bound
parameters, never SQL text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from pumpview.store import fact_blocks, tables
from pumpview.store.clickhouse.schema import MONEY_FRACTION_DIGITS
from pumpview.store.measures import MEASURES, MONEY
from pumpview.timeutil import MS_PER_DAY, day_of

VISIBLE = (
    "integration_id IN {ids:Array(UInt32)} AND day BETWEEN {first:Date} AND {last:Date}"
    " AND (integration_id, day, version) IN {cells:Array(Tuple(UInt32, Date, UInt64))}"
)
"""The committed daily rows (and events) of a range: (integration, day, version) as the
metadata snapshot names them (``ClickHouseFacts._visible`` gives the parameters)."""
IN_BLOCKS = (
    "integration_id IN {ids:Array(UInt32)} AND span BETWEEN {spans_first:Date}"
    " AND {spans_last:Date}"
    " AND (integration_id, span, block) IN {blocks:Array(Tuple(UInt32, Date, UInt64))}"
)
"""The usable blocks of a range's whole months and slices."""
INSTANTS = "ts_ms >= {start_ms:Int64} AND ts_ms < {end_ms:Int64}"

Column = tuple[str, str, str]
"""A column of ``_source``: (name, its expression over ``usage_daily``, over ``usage_blocks``)."""
KEYS: dict[str, Column] = {name: (name, name, name) for name in ("email", "model")}


def _widened(name: str) -> Column:
    """A measure as ``_source`` gives it: money widened (ClickHouse's decimal sums overflow
    silently), already so in the blocks."""
    if name in MONEY:
        return (name, f"toDecimal256({name}, {MONEY_FRACTION_DIGITS})", name)
    return (name, name, name)


def _sum(name: str) -> str:
    """A measure's sum over ``usage_daily`` alone, money widened first."""
    return f"sum({_widened(name)[1]})"


class ClickHouseFacts:
    """``store.facts.Facts`` on ClickHouse, as of the metadata snapshot ``conn``."""

    def __init__(self, conn: Connection, client: Any) -> None:
        self.conn = conn
        self.client = client
        self._committed: dict[tuple[int, ...], list[tuple[int, date, int, int]]] = {}
        self._usable: dict[tuple[int, ...], dict[tuple[int, date, date], int]] = {}

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

    def _blocks(self, ids: Sequence[int]) -> dict[tuple[int, date, date], int]:
        """(integration, first day, last day) -> the block this snapshot may read there."""
        key = tuple(sorted(ids))
        if key not in self._usable:
            committed = ((iid, day, version) for iid, day, version, _events in self._days(ids))
            self._usable[key] = fact_blocks.valid(self.conn, key, committed)
        return self._usable[key]

    def _visible(
        self, ids: Sequence[int], first: date, last: date, *, blocks: bool = False
    ) -> dict[str, Any] | None:
        """The parameters of ``VISIBLE`` for the committed daily rows of ``[first, last]``
        and, with ``blocks``, of ``IN_BLOCKS`` for the whole months, then the whole slices,
        that a usable block covers (their days then left out of ``VISIBLE``); ``None`` when
        there are no rows."""
        usable = self._blocks(ids) if blocks else {}
        cells, whole = [], set()
        for iid, day, version, events in self._days(ids):
            if not first <= day <= last:
                continue
            for span in (fact_blocks.month_span(day), fact_blocks.slice_span(day)):
                block = usable.get((iid, *span))
                if block is not None and first <= span[0] and span[1] <= last:
                    whole.add((iid, span[0], block))
                    break
            else:
                if events:
                    cells.append((iid, day, version))
        if not cells and not whole:
            return None
        bound: dict[str, Any] = {"ids": sorted(set(ids))}
        if cells:
            days = [day for _iid, day, _version in cells]
            bound.update(first=min(days), last=max(days), cells=cells)
        if whole:
            starts = [start for _iid, start, _block in whole]
            bound.update(spans_first=min(starts), spans_last=max(starts), blocks=sorted(whole))
        return bound

    @staticmethod
    def _source(
        bound: dict[str, Any],
        columns: Sequence[Column],
        where: Sequence[str] = (),
        blocks: str = "usage_blocks",
    ) -> str:
        """The visible daily rows and blocks of ``bound`` (``_visible``) as one table of
        ``columns``, each filtered by ``where`` too; ``blocks``: the blocks' table, per person
        and model (``usage_blocks``) or per day and model (``usage_block_days``)."""
        parts = []
        sources = (("usage_daily", VISIBLE, "cells", 1), (blocks, IN_BLOCKS, "blocks", 2))
        for table, visible, named, at in sources:
            if named in bound:
                names = ", ".join(f"{column[at]} AS {column[0]}" for column in columns)
                parts.append(f"SELECT {names} FROM {table} WHERE {' AND '.join([visible, *where])}")
        return f"({' UNION ALL '.join(parts)})"

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
        per_day = "day" in by
        # The blocks hold days per model, or people per model over the block: not both.
        blocks = not per_day or ("email" not in by and emails is None)
        bound = self._visible(ids, first, last, blocks=blocks)
        if bound is None or (emails is not None and not emails):
            return [] if by else [tuple(_zeros(measures))]
        where = []
        if emails is not None:
            where.append("email IN {emails:Array(String)}")
            bound["emails"] = sorted(emails)
        if model is not None:
            where.append("model = {model:String}")
            bound["model"] = model
        columns = [(name, name, name) for name in by] + [_widened(m) for m in measures]
        table = "usage_block_days" if per_day else "usage_blocks"
        keys = ", ".join(by)
        sql = (
            f"SELECT {keys + ', ' if keys else ''}{', '.join(f'sum({m})' for m in measures)}"
            f" FROM {self._source(bound, columns, where, table)}"
            f"{' GROUP BY ' + keys if keys else ''}"
        )
        return self._query(sql, bound)  # counts as int, money as Decimal, as ClickHouse gives

    def people_count(self, ids: Sequence[int], first: date, last: date) -> int:
        bound = self._visible(ids, first, last, blocks=True)
        if bound is None:
            return 0
        sql = f"SELECT uniqExact(email) FROM {self._source(bound, [KEYS['email']])}"
        return int(self._query(sql, bound)[0][0])

    def people_per_model(self, ids: Sequence[int], first: date, last: date) -> dict[str, int]:
        bound = self._visible(ids, first, last, blocks=True)
        if bound is None:
            return {}
        source = self._source(bound, [KEYS["email"], KEYS["model"]])
        sql = f"SELECT model, uniqExact(email) FROM {source} GROUP BY model"
        return {model: int(count) for model, count in self._query(sql, bound)}

    def last_days(self, ids: Sequence[int], first: date, last: date) -> dict[str, date]:
        bound = self._visible(ids, first, last, blocks=True)
        if bound is None:
            return {}
        source = self._source(bound, [KEYS["email"], ("day", "day", "last_used")])
        return dict(self._query(f"SELECT email, max(day) FROM {source} GROUP BY email", bound))

    def active_spans(
        self, members: Iterable[tuple[int, str]], until: date
    ) -> dict[tuple[int, str], tuple[date, date]]:
        wanted = set(members)
        ids = sorted({iid for iid, _email in wanted})
        days = [day for _iid, day, _version, _events in self._days(ids) if day <= until]
        bound = self._visible(ids, min(days), until, blocks=True) if days else None
        if bound is None:
            return {}
        bound["emails"] = sorted({email for _iid, email in wanted})
        columns = [
            ("integration_id", "integration_id", "integration_id"),
            KEYS["email"],
            ("lo", "day", "first_used"),
            ("hi", "day", "last_used"),
        ]
        source = self._source(bound, columns, ["email IN {emails:Array(String)}"])
        sql = f"SELECT integration_id, email, min(lo), max(hi) FROM {source} GROUP BY 1, 2"
        rows = self._query(sql, bound)
        return {(iid, email): (lo, hi) for iid, email, lo, hi in rows if (iid, email) in wanted}

    def has_model(self, ids: Sequence[int], model: str) -> bool:
        span = self.span(ids)
        bound = None if span is None else self._visible(ids, *span, blocks=True)
        if bound is None:
            return False
        bound["model"] = model
        source = self._source(bound, [KEYS["model"]], ["model = {model:String}"])
        return bool(self._query(f"SELECT 1 FROM {source} LIMIT 1", bound))

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
        return self._query(sql, bound)

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
        """Newest first, a week, then four times as far back each time, until ``limit``: a
        person who used Cursor lately is found in the first (a year of everyone's events is
        hundreds of granules even for one person)."""
        found: list[tuple[Any, ...]] = []
        upper, span = end_ms, 7 * MS_PER_DAY
        while upper > start_ms and len(found) < limit:
            lower = max(start_ms, upper - span)
            found += self._recent(ids, email, lower, upper, limit - len(found))
            upper, span = lower, span * 4
        return found

    def _recent(
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
