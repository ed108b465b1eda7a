"""The facts as the SQL store answers them (``store.facts.Facts``): from the aligned blocks.

A range of days is tiled by a few aligned blocks (``store.blocks.cover``) and SQL sums their exact
integer limbs, so a report reads tens of rows per person or model whatever the range, never a
row per event or day; a per-day read takes the one-day blocks (level 0). The table is the
narrowest that keeps the dimensions asked apart: ``integration_blocks``, ``person_blocks``,
``model_blocks`` or ``person_model_blocks``. One person's days come from ``usage_daily`` (a seek
on its per-person index), events from ``usage_events``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, distinct, func, or_, select

from pumpview.store import tables
from pumpview.store.blocks import cover
from pumpview.store.measures import MEASURES, STORED, from_stored, stored_columns

READ_BATCH = 20_000
"""Events fetched from the database at a time when streaming (``events``)."""

_TABLES = {
    (False, False): tables.integration_blocks,
    (True, False): tables.person_blocks,
    (False, True): tables.model_blocks,
    (True, True): tables.person_model_blocks,
}


def in_blocks(table: Table, ids: Sequence[int], first: date, last: date) -> ColumnElement[bool]:
    """The rows of the blocks that tile ``[first, last]``, as one index seek per level: SQLite
    seeks neither on a row-value ``IN`` nor on an ``OR`` unless each term names the whole key."""
    by_level: dict[int, list[date]] = {}
    for level, first_day in cover(first, last):
        by_level.setdefault(level, []).append(first_day)
    return or_(
        *(
            and_(
                table.c.integration_id.in_(ids),
                table.c.level == level,
                table.c.first_day.in_(days),
            )
            for level, days in by_level.items()
        )
    )


def in_days(table: Table, ids: Sequence[int], first: date, last: date) -> ColumnElement[bool]:
    """The one-day blocks (level 0) of ``[first, last]``: what a per-day read sums."""
    return and_(
        table.c.integration_id.in_(ids),
        table.c.level == 0,
        table.c.first_day.between(first, last),
    )


class SqlFacts:
    """``store.facts.Facts`` on the SQL store, read through ``conn`` (the caller's snapshot)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def span(self, ids: Sequence[int]) -> tuple[date, date] | None:
        whole = tables.integration_blocks
        first, last = self.conn.execute(
            select(func.min(whole.c.first_day), func.max(whole.c.first_day)).where(
                whole.c.integration_id.in_(ids), whole.c.level == 0
            )
        ).one()
        return None if first is None else (first, last)

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
        table = _TABLES["email" in by or emails is not None, "model" in by or model is not None]
        keys = [table.c["first_day" if name == "day" else name] for name in by]
        stored = stored_columns(measures)
        where = in_days if "day" in by else in_blocks
        query = select(*keys, *(func.sum(table.c[c]) for c in stored)).where(
            where(table, ids, first, last)
        )
        if emails is not None:
            query = query.where(table.c.email.in_(sorted(emails)))
        if model is not None:
            query = query.where(table.c.model == model)
        width = len(keys)
        return [
            (*row[:width], *from_stored(row[width:], measures).values())
            for row in self.conn.execute(query.group_by(*keys))
        ]

    def people_count(self, ids: Sequence[int], first: date, last: date) -> int:
        person = tables.person_blocks
        query = select(func.count(distinct(person.c.email))).where(
            in_blocks(person, ids, first, last)
        )
        return int(self.conn.execute(query).scalar_one())

    def people_per_model(self, ids: Sequence[int], first: date, last: date) -> dict[str, int]:
        """The union of the blocks' lists of people: distinct users are not additive."""
        blocks = tables.model_blocks
        people: dict[str, set[str]] = {}
        for model, emails in self.conn.execute(
            select(blocks.c.model, blocks.c.people).where(in_blocks(blocks, ids, first, last))
        ):
            people.setdefault(model, set()).update(json.loads(emails))
        return {model: len(emails) for model, emails in people.items()}

    def last_days(self, ids: Sequence[int], first: date, last: date) -> dict[str, date]:
        """One seek per person and integration on ``ix_usage_daily_person`` (MAX of its last
        column), not a scan of the days."""
        person, daily = tables.person_blocks, tables.usage_daily
        emails = (
            select(person.c.email).where(in_blocks(person, ids, first, last)).distinct().subquery()
        )
        out: dict[str, date] = {}
        for iid in ids:
            latest = (
                select(func.max(daily.c.day))
                .where(daily.c.integration_id == iid, daily.c.email == emails.c.email,
                       daily.c.day.between(first, last))
                .scalar_subquery()
            )  # fmt: skip
            for email, day in self.conn.execute(select(emails.c.email, latest)):
                if day is not None:
                    out[email] = max(out.get(email, day), day)
        return out

    def active_spans(
        self, members: Iterable[tuple[int, str]], until: date
    ) -> dict[tuple[int, str], tuple[date, date]]:
        """One query per integration, a seek per member on ``ix_usage_daily_person``."""
        daily = tables.usage_daily
        by_integration: dict[int, list[str]] = {}
        for iid, email in members:
            by_integration.setdefault(iid, []).append(email)
        out: dict[tuple[int, str], tuple[date, date]] = {}
        for iid, emails in by_integration.items():
            rows = self.conn.execute(
                select(daily.c.email, func.min(daily.c.day), func.max(daily.c.day))
                .where(daily.c.integration_id == iid, daily.c.email.in_(sorted(emails)),
                       daily.c.day <= until)
                .group_by(daily.c.email)
            )  # fmt: skip
            for email, first, last in rows:
                out[iid, email] = (first, last)
        return out

    def has_model(self, ids: Sequence[int], model: str) -> bool:
        """The daily blocks: a seek on the key's first two columns, one row per model and day."""
        blocks = tables.model_blocks
        query = (
            select(blocks.c.model)
            .where(blocks.c.integration_id.in_(ids), blocks.c.level == 0, blocks.c.model == model)
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def person_days(
        self, ids: Sequence[int], email: str, first: date, last: date
    ) -> list[tuple[Any, ...]]:
        daily = tables.usage_daily
        rows = self.conn.execute(  # one seek per integration on ix_usage_daily_person
            select(daily.c.day, daily.c.model, *(daily.c[c] for c in STORED)).where(
                daily.c.integration_id.in_(ids),
                daily.c.email == email,
                daily.c.day.between(first, last),
            )
        )
        return [(day, model, *from_stored(stored).values()) for day, model, *stored in rows]

    def events(
        self,
        ids: Sequence[int],
        start_ms: int,
        end_ms: int,
        columns: Sequence[str],
        *,
        email: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        events = tables.usage_events
        query = select(*(events.c[name] for name in columns)).where(
            events.c.integration_id.in_(ids),  # a walk of ix_usage_events_window each
            events.c.ts_ms >= start_ms,
            events.c.ts_ms < end_ms,
        )
        if email is not None:
            query = query.where(events.c.email == email)
        query = query.order_by(events.c.integration_id, events.c.ts_ms, events.c.id)
        result = self.conn.execution_options(yield_per=READ_BATCH).execute(query)
        try:
            for row in result:
                yield tuple(row)
        finally:  # a reader that stops early leaves no server cursor open
            result.close()

    def recent_events(
        self, ids: Sequence[int], email: str, start_ms: int, end_ms: int, limit: int
    ) -> list[tuple[Any, ...]]:
        events = tables.usage_events
        recent: list[Any] = []
        for iid in ids:  # one backward walk of ix_usage_events_window each: an IN would sort all
            recent += self.conn.execute(
                select(events.c.ts_ms, events.c.model, events.c.kind, events.c.cost_cents,
                       events.c.input_tokens, events.c.output_tokens, events.c.id)
                .where(events.c.integration_id == iid, events.c.email == email,
                       events.c.ts_ms >= start_ms, events.c.ts_ms < end_ms)
                .order_by(events.c.ts_ms.desc(), events.c.id.desc())  # pages never overlap
                .limit(limit)
            ).all()  # fmt: skip
        recent.sort(key=lambda e: (-e.ts_ms, -e.id))
        return [tuple(event[:-1]) for event in recent[:limit]]
