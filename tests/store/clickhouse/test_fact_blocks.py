"""Blocks on ClickHouse: built for whole final months and slices of months, read only while their
span's bookmarks give their digest, never counted twice, collected once superseded.

Each test syncs the same simulated team twice, once into a SQLite store (the facts in its
tables, read from its own aligned blocks) and once with the facts in chDB, and compares every
question the reports ask, over ranges that cover whole months, parts of months and both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pumpview.store import fact_blocks, facts, rollup, tables, usage
from pumpview.store.engine import open_store, snapshot
from pumpview.store.facts import clickhouse
from pumpview.timeutil import MS_PER_DAY, Window, day_start_ms
from tests.conftest import NOW_MS, sync_served

pytestmark = pytest.mark.clickhouse

DAYS = 90  # 2025-08-27 .. 2025-11-24: September and October whole and final
SEP, OCT, NOV = date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)
BUILT = [
    *fact_blocks.spans(SEP),
    *fact_blocks.spans(OCT),
    (NOV, date(2025, 11, 7)),  # November 20 is final on the 24th at 16:00, the 21st not yet
    (date(2025, 11, 8), date(2025, 11, 14)),
]  # August starts the history (the 27th): none of its spans is whole
RANGES = [
    (date(2025, 8, 27), date(2025, 11, 24)),  # everything
    (SEP, date(2025, 10, 31)),  # two whole months
    (OCT, date(2025, 10, 31)),  # one
    (date(2025, 9, 15), date(2025, 10, 31)),  # a part and a whole
    (date(2025, 10, 2), date(2025, 10, 30)),  # inside one month
    (date(2025, 9, 30), date(2025, 11, 1)),  # a whole month and a day either side
    (date(2025, 10, 6), date(2025, 11, 16)),  # slices, a month, slices, days
    (date(2025, 10, 8), date(2025, 10, 21)),  # two whole slices
]


@pytest.fixture
def stores(tmp_path: Path, chdb_path: Path, serve) -> Iterator[tuple[Engine, Engine]]:
    """(the SQL store, the store with its facts in chDB), each synced from one simulator."""
    served = serve(members=12, days=DAYS + 5)
    sql = open_store(f"sqlite:///{tmp_path / 'sql.db'}")
    name = f"blocks_{tmp_path.name.replace('-', '_')}"
    ch = open_store(f"sqlite:///{tmp_path / 'ch.db'}", f"chdb://{chdb_path}?database={name}")
    for engine in (sql, ch):
        sync_served(engine, served, days=DAYS)
    yield sql, ch
    clickhouse(ch).command(f"DROP DATABASE {name} SYNC")
    for engine in (sql, ch):
        engine.dispose()


def answers(engine: Engine, first: date, last: date) -> dict[str, object]:
    """Every question the reports ask of the facts over ``[first, last]``, in one order."""
    with snapshot(engine) as conn:
        f, ids = facts.of(conn), [1]
        emails = sorted(email for (email, *_rest) in f.sums(ids, first, last, ("email",)))
        models = sorted(model for (model, *_rest) in f.sums(ids, first, last, ("model",)))
        return {
            "total": f.sums(ids, first, last),
            **{
                "by " + "+".join(by): sorted(f.sums(ids, first, last, by))
                for by in (("email",), ("model",), ("email", "model"), ("day",), ("day", "model"))
            },
            "one person": sorted(f.sums(ids, first, last, ("model",), emails=emails[:1])),
            "one model": sorted(f.sums(ids, first, last, ("email",), model=models[0])),
            "people": f.people_count(ids, first, last),
            "per model": f.people_per_model(ids, first, last),
            "last days": f.last_days(ids, first, last),
            "spans": f.active_spans([(1, e) for e in emails], last),
            "has model": [f.has_model(ids, m) for m in models],
            "person days": per_day_and_model(f.person_days(ids, emails[-1], first, last)),
        }


def per_day_and_model(rows: list[tuple]) -> list[tuple]:
    """``person_days`` rows summed per (day, model): the SQL store gives one per kind too."""
    summed: dict[tuple, list] = {}
    for day, model, *values in rows:
        held = summed.setdefault((day, model), [0] * len(values))
        summed[day, model] = [a + b for a, b in zip(held, values, strict=True)]
    return sorted((*key, *values) for key, values in summed.items())


def blocks(engine: Engine) -> list[tuple[date, date]]:
    """The span of every block the metadata holds, committed, by first day then length."""
    fb = tables.fact_blocks
    with engine.connect() as conn:
        rows = conn.execute(
            select(fb.c.first_day, fb.c.last_day, fb.c.digest).order_by(
                fb.c.first_day, fb.c.last_day.desc(), fb.c.id
            )
        )
        return [(first, last) for first, last, digest in rows if digest is not None]


def block_rows(engine: Engine) -> dict[int, int]:
    """Block id -> its rows in ``usage_blocks``, once every queued delete has run."""
    client = clickhouse(engine)
    deadline = time.monotonic() + 60
    while client.query(
        "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND NOT is_done"
    ).result_rows[0][0]:
        assert time.monotonic() < deadline, "a DELETE did not finish within a minute"
        time.sleep(0.05)
    return dict(client.query("SELECT block, count() FROM usage_blocks GROUP BY block").result_rows)


def restore_day(engine: Engine, day: date, fetched_at_ms: int, *, keep: int = 2) -> None:
    """Store ``day`` again, as a re-sync does, with every ``keep``-th of its events."""
    start = day_start_ms(day)
    with snapshot(engine) as conn:
        records = list(facts.of(conn).events([1], start, start + MS_PER_DAY, rollup.EVENT_COLUMNS))
    staged = usage.Staged(Window(start, start + MS_PER_DAY - 1))
    staged.add(records[::keep])
    usage.store_window(engine, 1, staged, fetched_at_ms)


def test_whole_final_spans_get_a_block_and_every_answer_equals_the_sql_stores(stores):
    sql, ch = stores
    assert blocks(ch) == BUILT
    assert blocks(sql) == []
    for first, last in RANGES:
        assert answers(ch, first, last) == answers(sql, first, last), (first, last)


def test_a_whole_month_or_slice_is_read_from_its_block_and_a_part_of_one_from_the_days(stores):
    """October's daily rows deleted behind the store's back: answers over whole October, or
    over its whole slices, do not move (the blocks' people and days), and a range inside its
    first slice then finds nothing."""
    sql, ch = stores
    per_day = {"person days"}  # a person's days are read from the days: only they move

    def from_blocks(engine: Engine, first: date, last: date) -> dict[str, object]:
        found = answers(engine, first, last)
        return {question: found[question] for question in found.keys() - per_day}

    whole = [(SEP, date(2025, 10, 31)), (date(2025, 10, 8), date(2025, 10, 21))]
    expected = [from_blocks(sql, first, last) for first, last in whole]
    clickhouse(ch).command(
        "DELETE FROM usage_daily WHERE day BETWEEN {first:Date} AND {last:Date}",
        parameters={"first": OCT, "last": date(2025, 10, 31)},
    )
    assert [from_blocks(ch, first, last) for first, last in whole] == expected
    with snapshot(ch) as conn:
        assert facts.of(conn).sums([1], date(2025, 10, 2), date(2025, 10, 6), ("email",)) == []


def test_a_day_re_synced_since_takes_its_spans_back_to_the_days_until_their_blocks_are_rebuilt(
    stores,
):
    sql, ch = stores
    day = date(2025, 10, 11)
    first_blocks = block_rows(ch)
    provisional = day_start_ms(day) + MS_PER_DAY  # fetched an instant after the day: not final
    for engine in (sql, ch):
        restore_day(engine, day, provisional)
    assert blocks(ch) == BUILT  # October's blocks are still recorded...
    with snapshot(ch) as conn:
        usable = fact_blocks.valid(conn, [1], _committed(conn))
    assert (1, OCT, date(2025, 10, 31)) not in usable  # ...but neither the month's...
    assert (1, date(2025, 10, 8), date(2025, 10, 14)) not in usable  # ...nor the day's slice
    assert (1, OCT, date(2025, 10, 7)) in usable
    for first, last in RANGES:
        assert answers(ch, first, last) == answers(sql, first, last), (first, last)

    for engine in (sql, ch):
        restore_day(engine, day, NOW_MS, keep=3)  # final now: both get a new block
    assert blocks(ch) == BUILT
    for first, last in RANGES:
        assert answers(ch, first, last) == answers(sql, first, last), (first, last)
    usage.collect(ch, 1)
    kept = block_rows(ch)
    assert len(kept) == len(BUILT)
    assert len(kept.keys() - first_blocks.keys()) == 2  # the two rebuilt, the old ones gone


def test_a_block_never_committed_is_never_read_and_is_collected(stores):
    """A build killed between its rows and its commit: rows under a block id the metadata
    records without a digest. They are not counted, and the next collection deletes them."""
    sql, ch = stores
    fb = tables.fact_blocks
    with ch.begin() as conn:
        dead = conn.execute(
            fb.insert()
            .values(integration_id=1, first_day=OCT, last_day=date(2025, 10, 31), digest=None)
            .returning(fb.c.id)
        ).scalar_one()
        cells = [(day, version) for _iid, day, version in _committed(conn) if day >= OCT]
    from pumpview.store.clickhouse.write import write_block  # noqa: PLC0415

    write_block(clickhouse(ch), 1, dead, OCT, [c for c in cells if c[0] < NOV])
    assert block_rows(ch)[dead] > 0
    for first, last in RANGES:
        assert answers(ch, first, last) == answers(sql, first, last), (first, last)
    usage.collect(ch, 1)
    assert dead not in block_rows(ch)
    assert blocks(ch) == BUILT


def test_a_span_is_due_only_whole_final_and_changed():
    def final(day: date) -> int:
        return day_start_ms(day) + MS_PER_DAY + usage.LATE_DATA_MS

    september = [SEP + timedelta(days=i) for i in range(30)]
    days = [(d, 7, final(d)) for d in september]
    spans = fact_blocks.spans(SEP)
    month, first_week, *_middle, last_slice = spans
    assert month == (SEP, date(2025, 9, 30))
    assert last_slice == (date(2025, 9, 22), date(2025, 9, 30))
    assert sorted(fact_blocks.due(days, {})) == sorted(spans)
    assert sorted(fact_blocks.due(days[1:], {})) == sorted(spans[2:])  # the 1st missing
    not_final = [*days[:-1], (days[-1][0], 7, final(days[-1][0]) - 1)]
    assert sorted(fact_blocks.due(not_final, {})) == sorted(spans[1:4])
    built = {span: fact_blocks.digest(cells) for span, cells in fact_blocks.due(days, {}).items()}
    assert fact_blocks.due(days, built) == {}  # built from these very bookmarks
    resynced = [*days[:-1], (days[-1][0], 8, final(days[-1][0]))]
    assert sorted(fact_blocks.due(resynced, built)) == [month, last_slice]
    assert first_week == (SEP, date(2025, 9, 7))


def _committed(conn) -> list[tuple[int, date, int]]:
    sd = tables.sync_days
    rows = conn.execute(
        select(sd.c.integration_id, sd.c.day, sd.c.version).where(sd.c.version.is_not(None))
    )
    return [tuple(row) for row in rows]
