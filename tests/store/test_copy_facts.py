"""``pumpview store copy-facts``: an install's facts moved from SQLite or PostgreSQL into
ClickHouse (embedded chDB, a database per test) give every report the SQL store gave, field for
field, and the simulator's ground truth; a killed copy resumes, copying each day once. Its FOCUS
cloud costs (the sample files, imported for real) move too: the same figures, each row once."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from pumpview.errors import UserInputError
from pumpview.integrations.focus import importer
from pumpview.reports import cloud as cloud_report
from pumpview.reports import usage
from pumpview.simulator import truth as gt
from pumpview.store import copy_cloud, copy_facts, facts, tables
from pumpview.store.clickhouse import cloud as clickhouse_cloud
from pumpview.store.clickhouse import connection, schema
from pumpview.store.clickhouse import write as clickhouse_write
from pumpview.store.clickhouse.read import ClickHouseFacts
from pumpview.store.copy_facts import CopyError, CopyProgress, copy_to_clickhouse
from pumpview.store.engine import open_store, snapshot
from pumpview.timeutil import day_of, day_start_ms
from tests.cli.invoke import run
from tests.conftest import NOW_MS, Served, sync_served

pytestmark = pytest.mark.clickhouse
STORES = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
"""The metadata, and the facts to copy, on SQLite and on PostgreSQL."""

DAYS = 20
START = day_start_ms(day_of(NOW_MS) - timedelta(days=DAYS - 1))
KINDS = tuple(usage.REPORTS)


@pytest.fixture
def facts_url(chdb_path: Path) -> str:
    """A fresh database of the process's embedded ClickHouse (``tests/conftest.py``)."""
    return f"chdb://{chdb_path}?database=copy_{uuid.uuid4().hex}"


@pytest.fixture
def client(facts_url: str) -> Any:
    client = connection.connect(facts_url)
    schema.migrate(client)
    return client


@pytest.fixture
def sql(db_url: str) -> Iterator[Engine]:
    """The install as it runs before the move: the facts in the database."""
    engine = open_store(db_url)
    yield engine
    engine.dispose()


def _two_teams(sql: Engine, serve: Callable[..., Served]) -> tuple[Served, Served]:
    one, two = serve(days=DAYS, members=8, seed=1), serve(days=DAYS, members=5, seed=2)
    sync_served(sql, one, days=DAYS, name="cursor")
    sync_served(sql, two, days=DAYS, name="acme-eu")
    return one, two


def _reports(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    return {kind: [dataclasses.asdict(row) for row in usage.run(engine, kind)] for kind in KINDS}


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _clickhouse_rows(client: Any, table: str) -> int:
    return int(client.query(f"SELECT count() FROM {table}").result_rows[0][0])  # noqa: S608


def _assert_exact(got: list[Any], expected: dict[Any, gt.Totals], key: str) -> None:
    """Every figure of the generator's ground truth, to the digit."""
    have = {getattr(row, key): row for row in got}
    assert set(have) == set(expected)
    for name, want in expected.items():
        for field in dataclasses.fields(want):
            assert getattr(have[name], field.name) == getattr(want, field.name), (name, field)


@STORES
def test_every_report_after_the_copy_is_the_sql_stores_field_for_field(
    sql, serve, client, db_url, facts_url
):
    one, two = _two_teams(sql, serve)
    before = _reports(sql)
    events = _count(sql, tables.usage_events)
    days = _count(sql, tables.sync_days)

    result = copy_to_clickhouse(sql, client)

    assert result.verified
    assert (result.integrations, result.days, result.events) == (2, days, events)
    assert result.chunks == 2 * 3  # 20 days a week at a time: 7, 7 and 6, per integration
    moved = open_store(db_url, facts_url)
    try:
        with snapshot(moved) as conn:
            assert isinstance(facts.of(conn), ClickHouseFacts)
        after = _reports(moved)
        assert after == before
        assert all(after[kind] for kind in KINDS)
        for served, name in ((one, "cursor"), (two, "acme-eu")):
            users = usage.run(moved, "users", integrations=[name])
            _assert_exact(users, gt.totals(served.sim.team, START, NOW_MS, gt.by_user), "email")
            daily = usage.run(moved, "daily", integrations=[name])
            _assert_exact(daily, gt.totals(served.sim.team, START, NOW_MS, gt.by_day), "date")
    finally:
        moved.dispose()
    assert _clickhouse_rows(client, "usage_events") == events  # each event once
    assert _count(sql, tables.usage_events) == events  # the database keeps its facts


class Killed(BaseException):
    """Stands for the copy's process being killed."""


@STORES
def test_a_copy_killed_after_its_first_chunk_copies_each_day_once_when_run_again(
    sql, serve, client, db_url, facts_url
):
    served = serve(days=DAYS, members=6)
    sync_served(sql, served, days=DAYS)
    before = _reports(sql)
    days, events = _count(sql, tables.sync_days), _count(sql, tables.usage_events)
    seen: list[CopyProgress] = []

    def kill_after_the_first_chunk(progress: CopyProgress) -> None:
        seen.append(progress)
        if progress.chunks == 1:
            raise Killed

    with pytest.raises(Killed):
        copy_to_clickhouse(sql, client, days_per_chunk=3, on_progress=kill_after_the_first_chunk)
    assert seen[0] == CopyProgress(
        days_total=days, days_done=0, events=0, chunks=0, imports=0, cost_rows=0
    )
    first = seen[-1]
    assert (first.days_done, first.chunks) == (3, 1)
    assert _count(sql, tables.fact_writes) == 1
    assert _count(sql, tables.sync_days, tables.sync_days.c.version.is_not(None)) == 3

    rest = copy_to_clickhouse(sql, client, days_per_chunk=3)

    chunks = -(-days // 3)
    assert (rest.days, rest.chunks) == (days - 3, chunks - 1)
    assert first.events + rest.events == events
    assert _count(sql, tables.fact_writes) == chunks  # one version per chunk, none given twice
    assert _clickhouse_rows(client, "usage_events") == events
    assert _count(sql, tables.sync_days, tables.sync_days.c.version.is_(None)) == 0
    moved = open_store(db_url, facts_url)
    try:
        assert _reports(moved) == before
    finally:
        moved.dispose()

    again = copy_to_clickhouse(sql, client, days_per_chunk=3)  # nothing left
    assert (again.integrations, again.days, again.events, again.chunks) == (0, 0, 0, 0)
    assert again.verified
    assert _count(sql, tables.fact_writes) == chunks


@STORES
def test_a_copy_killed_between_its_two_inserts_leaves_rows_the_next_run_collects(
    sql, serve, client, monkeypatch
):
    served = serve(days=DAYS, members=6)
    sync_served(sql, served, days=DAYS)
    events = _count(sql, tables.usage_events)
    real = clickhouse_write.write_daily
    calls = 0

    def dies_on_the_second_chunk(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Killed  # the chunk's events are in ClickHouse, its rollup is not
        return real(*args, **kwargs)

    monkeypatch.setattr(clickhouse_write, "write_daily", dies_on_the_second_chunk)
    with pytest.raises(Killed):
        copy_to_clickhouse(sql, client)
    monkeypatch.setattr(clickhouse_write, "write_daily", real)
    assert _clickhouse_rows(client, "usage_events") > _count(
        sql, tables.sync_days, tables.sync_days.c.version.is_not(None)
    )
    assert _count(sql, tables.fact_writes) == 2  # the dead write is recorded

    result = copy_to_clickhouse(sql, client)

    assert result.verified
    assert _clickhouse_rows(client, "usage_events") == events  # the dead write's rows are gone
    assert _count(sql, tables.fact_writes) == 3  # the dead write forgotten: 20 days in 3 chunks


@STORES
def test_a_day_a_sync_rewrites_while_its_chunk_is_copied_is_copied_again(sql, serve, client):
    served = serve(days=DAYS, members=6)
    sync_served(sql, served, days=DAYS)
    events = _count(sql, tables.usage_events)
    days = tables.sync_days
    real = clickhouse_write.write_daily
    rewritten: list[date] = []

    def sync_meanwhile(client: Any, integration_id: int, version: int, acc: Any) -> int:
        if not rewritten:  # a sync stores the chunk's first day again, after the copy read it
            first = min(key[0] for key in acc)
            with sql.begin() as conn:
                conn.execute(
                    update(days)
                    .where(days.c.integration_id == integration_id, days.c.day == first)
                    .values(fetched_at_ms=days.c.fetched_at_ms + 1)
                )
            rewritten.append(first)
        return real(client, integration_id, version, acc)

    progress: list[CopyProgress] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clickhouse_write, "write_daily", sync_meanwhile)
        result = copy_to_clickhouse(sql, client, on_progress=progress.append)

    total = _count(sql, days)
    assert (result.days, result.events, result.chunks) == (total, events, 3 + 1)
    assert progress[-1].days_total == progress[-1].days_done == total
    with sql.connect() as conn:
        version = conn.execute(select(days.c.version).where(days.c.day == rewritten[0])).scalar()
        assert version == conn.execute(select(func.max(tables.fact_writes.c.id))).scalar()
    assert _clickhouse_rows(client, "usage_events") == events


@STORES
def test_a_copy_that_differs_from_the_sql_store_is_refused_naming_the_day_and_measure(
    sql, serve, client
):
    served = serve(days=DAYS, members=6)
    sync_served(sql, served, days=DAYS)
    events = tables.usage_events
    with sql.begin() as conn:  # an event that no longer adds up to its day's stored rollup
        row = conn.execute(
            select(events.c.id, events.c.day, events.c.cost_cents).order_by(events.c.id).limit(1)
        ).one()
        conn.execute(
            update(events)
            .where(events.c.id == row.id)
            .values(cost_cents=row.cost_cents + Decimal("0.000000000001"))
        )

    with pytest.raises(CopyError) as refused:
        copy_to_clickhouse(sql, client)

    message = str(refused.value)
    assert f"integration cursor, day {row.day}, spend_cents is " in message
    assert "the SQL store is unchanged" in message


def test_chunks_are_runs_of_consecutive_days():
    day = day_of(NOW_MS)
    days = [day + timedelta(days=i) for i in (0, 1, 2, 3, 5, 6, 9)]
    assert [len(c) for c in copy_facts._chunks(days, 3)] == [3, 1, 2, 1]


# -- FOCUS cloud costs -------------------------------------------------------------------------

SAMPLES = sorted((Path(__file__).parents[1] / "focus_samples").rglob("*.csv"))
IMPORTED_MS = 1_800_000_000_000
GROUPINGS = (
    (),
    ("provider", "service", "currency"),
    ("owner", "team", "currency"),
    copy_cloud.BY,
    ("billing_period_start", *copy_cloud.BY),
)


def _import_samples(engine: Engine) -> None:
    """Every FOCUS sample file, imported as a user would; the few it refuses are left out."""
    for path in SAMPLES:
        with contextlib.suppress(UserInputError):
            importer.import_file(engine, path, source=None, now_ms=IMPORTED_MS)


def _cloud_figures(engine: Engine) -> dict[str, Any]:
    """What the cloud reports read: the charge days, and the sums of every grouping, each as
    its digits (``repr``) per key. The keys' order is left out: PostgreSQL's (``NULL`` last,
    its collation's text order) is not ClickHouse's, which follows SQLite's."""
    with snapshot(engine) as conn:
        span = cloud_report.days(conn)
        assert span is not None
        sums = {by: cloud_report.sums(conn, *span, by) for by in GROUPINGS}
        return {"days": span, "sums": {by: {k: repr(c) for k, c in sums[by]} for by in sums}}


def _sql_rows_per_import(engine: Engine) -> dict[int, tuple[int, int]]:
    with engine.connect() as conn:
        return {
            i: (
                _count(engine, tables.cloud_costs, tables.cloud_costs.c.import_id == i),
                _count(engine, tables.cloud_daily, tables.cloud_daily.c.import_id == i),
            )
            for i in conn.execute(select(tables.cloud_periods.c.import_id).distinct()).scalars()
        }


def _moved_cloud_figures(db_url: str, facts_url: str) -> dict[str, Any]:
    moved = open_store(db_url, facts_url)
    try:
        return _cloud_figures(moved)
    finally:
        moved.dispose()


@STORES
def test_the_cloud_figures_after_the_copy_are_the_sql_stores_field_for_field(
    sql, client, db_url, facts_url
):
    """Every live import moves with its cost rows and daily sums, and the reports read the same
    figures from ClickHouse, to the digit."""
    _import_samples(sql)
    before = _cloud_figures(sql)
    per_import = _sql_rows_per_import(sql)
    rows = _count(sql, tables.cloud_costs)

    result = copy_to_clickhouse(sql, client)

    assert result.verified
    assert (result.imports, result.cost_rows, result.days) == (len(per_import), rows, 0)
    assert len(per_import) > 3
    assert rows == sum(costs for costs, _daily in per_import.values())
    assert clickhouse_cloud.rows_per_import(client) == per_import  # each row once
    after = _moved_cloud_figures(db_url, facts_url)
    assert after == before  # every sum to the same digits, not only equal numbers
    assert all(before["sums"].values())
    assert _count(sql, tables.cloud_costs) == rows  # the database keeps its costs


@STORES
def test_a_second_copy_copies_no_cloud_cost_again(sql, client):
    """Imports ClickHouse holds whole are skipped."""
    _import_samples(sql)
    copy_to_clickhouse(sql, client)
    held = clickhouse_cloud.rows_per_import(client)

    again = copy_to_clickhouse(sql, client)

    assert (again.imports, again.cost_rows) == (0, 0)
    assert again.verified
    assert clickhouse_cloud.rows_per_import(client) == held


@STORES
def test_an_import_a_dead_copy_left_in_part_is_copied_again_whole_and_once(
    sql, client, db_url, facts_url
):
    """A killed copy's part of an import is replaced by the whole import, no row twice; an
    import it finished is not copied again."""
    _import_samples(sql)
    before = _cloud_figures(sql)
    per_import = _sql_rows_per_import(sql)
    largest = max(per_import, key=lambda i: per_import[i][0])
    finished = min(i for i in per_import if i != largest)
    costs, daily = tables.cloud_costs, tables.cloud_daily
    with sql.connect() as conn:  # as a dead copy leaves them: one import whole, one in part
        for import_id, limit in ((finished, None), (largest, 7)):
            rows = conn.execute(
                select(*(costs.c[name] for name in clickhouse_cloud.ROW_COLUMNS))
                .where(costs.c.import_id == import_id)
                .order_by(costs.c.id)
                .limit(limit)
            )
            clickhouse_cloud.add_rows(client, [row._asdict() for row in rows])
        sums = conn.execute(select(daily).where(daily.c.import_id == finished))
        clickhouse_cloud.add_daily(client, [row._asdict() for row in sums])
    assert clickhouse_cloud.rows_per_import(client) == {
        finished: per_import[finished],
        largest: (7, 0),
    }

    result = copy_to_clickhouse(sql, client)

    assert result.verified
    assert result.imports == len(per_import) - 1
    assert result.cost_rows == _count(sql, tables.cloud_costs) - per_import[finished][0]
    assert clickhouse_cloud.rows_per_import(client) == per_import
    assert _moved_cloud_figures(db_url, facts_url) == before


@STORES
def test_a_copy_killed_mid_import_is_completed_exactly_by_the_next_run(sql, client, monkeypatch):
    """Killed after an import's first batch of cost rows, the next run copies it whole once."""
    _import_samples(sql)
    per_import = _sql_rows_per_import(sql)
    first = min(per_import)
    monkeypatch.setattr(copy_cloud, "BATCH", 100)

    def kill_after_the_first_batch(progress: CopyProgress) -> None:
        if progress.cost_rows:
            raise Killed

    with pytest.raises(Killed):
        copy_to_clickhouse(sql, client, on_progress=kill_after_the_first_batch)
    assert clickhouse_cloud.rows_per_import(client) == {first: (min(per_import[first][0], 100), 0)}

    result = copy_to_clickhouse(sql, client)

    assert result.verified
    assert (result.imports, result.cost_rows) == (len(per_import), _count(sql, tables.cloud_costs))
    assert clickhouse_cloud.rows_per_import(client) == per_import


@STORES
def test_a_cloud_cost_that_differs_in_clickhouse_is_refused_naming_it(sql, client):
    """The verification compares every cost per day, source, currency, provider, service,
    owner and team: a tampered daily row in ClickHouse is named."""
    _import_samples(sql)
    copy_to_clickhouse(sql, client)
    day, source, provider = client.query(
        "SELECT charge_day, source, provider FROM cloud_daily"
        " ORDER BY charge_day, source, provider LIMIT 1"
    ).result_rows[0]
    client.command(
        "ALTER TABLE cloud_daily UPDATE billed_cost = billed_cost + 1"
        " WHERE charge_day = {day:Date32} AND source = {source:String}"
        " AND provider = {provider:String}",
        {"day": day, "source": source, "provider": provider},
        settings={"mutations_sync": 2},
    )

    with pytest.raises(CopyError) as refused:
        copy_to_clickhouse(sql, client)

    message = str(refused.value)
    assert f"cloud costs of charge_day {day}, source {source}, currency " in message
    assert "billed_cost is " in message
    assert "the SQL store is unchanged" in message


# -- the command -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", db_url)
    monkeypatch.delenv("PUMPVIEW_CLICKHOUSE_URL", raising=False)


@STORES
def test_the_command_copies_verifies_and_says_what_next(
    cli_env, sql, serve, facts_url, capsys, monkeypatch
):
    sync_served(sql, serve(days=DAYS, members=6), days=DAYS)
    _import_samples(sql)
    events = _count(sql, tables.usage_events)
    imports = len(_sql_rows_per_import(sql))

    code, out, err = run(capsys, "store", "copy-facts", "--to-clickhouse", facts_url)

    assert code == 0, err
    assert f"Copied {events:,} events of {DAYS} days from 1 integration" in out
    rows = f"{_count(sql, tables.cloud_costs):,}"
    assert f"Copied {rows} FOCUS cost rows of {imports} imports, with their daily sums" in out
    assert "Verified: every measure per day, person and model, and every cloud cost" in out
    assert f"Next: set PUMPVIEW_CLICKHOUSE_URL={facts_url}" in out
    monkeypatch.setenv("PUMPVIEW_CLICKHOUSE_URL", facts_url)  # the flag's default
    code, out, err = run(capsys, "store", "copy-facts")
    assert code == 0, err
    assert "Nothing to copy: every stored day is in ClickHouse" in out
    assert "No FOCUS cost to copy: every import is in ClickHouse already." in out


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRET = "s3cret-P@ss/word"


@STORES
def test_the_command_never_shows_the_password(cli_env, capsys, monkeypatch):
    encoded = SECRET.replace("@", "%40").replace("/", "%2F")
    url = f"http://alice:{encoded}@127.0.0.1:{_closed_port()}/db"
    for argv in (("--to-clickhouse", url), ()):
        if not argv:
            monkeypatch.setenv("PUMPVIEW_CLICKHOUSE_URL", url)
        code, out, err = run(capsys, "store", "copy-facts", *argv)
        assert code == 1
        assert out == ""
        assert err.startswith("error: cannot use ClickHouse at http://alice:***@127.0.0.1:")
        assert err.count("\n") == 1
        for secret in ("s3cret", "P%40ss", SECRET):
            assert secret not in out + err


@STORES
def test_the_command_asks_where_to(cli_env, capsys):
    code, _out, err = run(capsys, "store", "copy-facts")
    assert code == 1
    assert err == "error: where to? give --to-clickhouse URL, or set PUMPVIEW_CLICKHOUSE_URL\n"
