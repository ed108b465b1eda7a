"""Cloud costs as stored: the imports of FOCUS files and their rows. Writes run in the caller's
transaction. A file is staged (its rows written batch by batch under a ``staging`` import that
nothing reads), then ``swap``-ped in, or ``discard``-ed: it is seen whole or not at all.

The imports and which one each billing period is read from (``cloud_periods``) are always in
the database. The cost rows and their daily sums are there too, or in ClickHouse when the facts
are (``store.clickhouse.cloud``, whose docstring tells how a file stays whole there): the
functions below send them where the connection's engine keeps them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, cast, delete, func, insert, select, update

from pumpview.store import tables
from pumpview.store.facts import clickhouse, cluster

LIVE, STAGING, GONE = "live", "staging", "gone"
"""An import's states. ``gone`` (ClickHouse only): discarded or replaced, its rows not yet
known to be deleted there; nothing reads it, and ``collect`` deletes it once they are."""


def new_import(
    conn: Connection,
    source: str,
    file_name: str,
    version: str,
    now_ms: int,
    tag_keys: str,
    *,
    heartbeat_ms: int,
) -> int:
    """A staging import: its rows can be added in many transactions, seen by nothing."""
    result = conn.execute(
        insert(tables.cloud_imports).values(
            source=source, file_name=file_name, focus_version=version, imported_at_ms=now_ms,
            tag_keys=tag_keys, state=STAGING, heartbeat_ms=heartbeat_ms,
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """``cloud_costs`` rows, as one executemany; to ClickHouse (one insert, not in the
    transaction) when the facts are there."""
    client = clickhouse(conn)
    if client is not None:
        from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

        clickhouse_cloud.add_rows(client, rows)
    elif rows:
        conn.execute(insert(tables.cloud_costs), list(rows))


def add_daily(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """``cloud_daily`` rows, as one executemany; to ClickHouse when the facts are there: call
    it before ``swap`` in the swap's transaction, so the sums are sent before the metadata
    names them."""
    client = clickhouse(conn)
    if client is not None:
        from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

        clickhouse_cloud.add_daily(client, rows)
    elif rows:
        conn.execute(insert(tables.cloud_daily), list(rows))


def heartbeat(conn: Connection, import_id: int, now_ms: int) -> None:
    """A staging import is still being written."""
    imports = tables.cloud_imports
    conn.execute(update(imports).where(imports.c.id == import_id).values(heartbeat_ms=now_ms))


def abandoned(conn: Connection, before_ms: int) -> list[int]:
    """Staging imports not written since ``before_ms``: their process died mid-file."""
    imports = tables.cloud_imports
    return list(
        conn.execute(
            select(imports.c.id).where(
                imports.c.state == STAGING, imports.c.heartbeat_ms < before_ms
            )
        ).scalars()
    )


def discard(conn: Connection, import_id: int) -> None:
    """A staging import and every row it wrote, gone; a live one stays whatever is asked: once
    swapped in, a file is kept. In the database its rows go with it (``ON DELETE CASCADE``);
    on ClickHouse it is marked ``gone`` and its rows' deletion queued (no snapshot names them),
    and ``collect`` forgets it."""
    imports = tables.cloud_imports
    client = clickhouse(conn)
    if client is None:
        conn.execute(delete(imports).where(imports.c.id == import_id, imports.c.state == STAGING))
        return
    marked = conn.execute(
        update(imports)
        .where(imports.c.id == import_id, imports.c.state == STAGING)
        .values(state=GONE)
    ).rowcount
    if marked:
        from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

        clickhouse_cloud.delete_import(client, import_id, cluster=cluster(conn))


def swap(conn: Connection, import_id: int, source: str, period_rows: Mapping[date, int]) -> int:
    """Make the staging import ``import_id`` live, the one each billing period of
    ``period_rows`` (period -> its rows in the file) of ``source`` is read from, replacing the
    earlier rows of those periods, and dropping the imports left with no period; the number of
    rows it replaced. Other periods and other sources stay as they are.

    All in the caller's transaction, in the metadata alone but for the database's own rows: on
    ClickHouse, the replaced rows stay, named by nothing, until ``collect``."""
    periods, named, imports = list(period_rows), tables.cloud_periods, tables.cloud_imports
    before = conn.execute(
        select(named.c.import_id, named.c.rows).where(
            named.c.source == source, named.c.billing_period_start.in_(periods)
        )
    ).all()
    replaced = sum(int(rows) for _import, rows in before)
    client = clickhouse(conn)
    if client is None:  # the database's own rows of the periods, of every live import
        live = select(imports.c.id).where(imports.c.state == LIVE)
        for table in (tables.cloud_daily, tables.cloud_costs):
            conn.execute(
                delete(table).where(
                    table.c.source == source,
                    table.c.billing_period_start.in_(periods),
                    table.c.import_id.in_(live),
                )
            )
    conn.execute(
        delete(named).where(named.c.source == source, named.c.billing_period_start.in_(periods))
    )
    conn.execute(
        insert(named),
        [{"source": source, "billing_period_start": period, "import_id": import_id,
          "rows": rows} for period, rows in period_rows.items()],
    )  # fmt: skip
    unnamed = (
        imports.c.id.not_in(select(named.c.import_id).distinct()),
        imports.c.id != import_id,
        imports.c.state == LIVE,
    )
    if client is None:
        conn.execute(delete(imports).where(*unnamed))
    else:  # kept until its rows are gone (``collect``): its id must not name new rows before
        conn.execute(update(imports).where(*unnamed).values(state=GONE))
    conn.execute(update(imports).where(imports.c.id == import_id).values(state=LIVE))
    return replaced


def period_rows(conn: Connection, source: str) -> dict[date, int]:
    """How many rows each of ``source``'s billing periods holds (the live ones)."""
    named = tables.cloud_periods
    rows = conn.execute(
        select(named.c.billing_period_start, named.c.rows).where(named.c.source == source)
    )
    return {period: int(count) for period, count in rows}


def listing(conn: Connection) -> list[Any]:
    """Each import still holding rows, newest first: source, file, version, when, its rows and
    its billing periods."""
    named, imports = tables.cloud_periods, tables.cloud_imports
    held = (
        select(
            named.c.import_id,
            cast(func.sum(named.c.rows), BigInteger).label("rows"),  # PostgreSQL's is NUMERIC
            func.min(named.c.billing_period_start).label("first_period"),
            func.max(named.c.billing_period_start).label("last_period"),
        )
        .group_by(named.c.import_id)
        .subquery()
    )
    return list(
        conn.execute(
            select(imports.c.source, imports.c.file_name, imports.c.focus_version,
                   imports.c.imported_at_ms, held.c.rows, held.c.first_period,
                   held.c.last_period)
            .join(held, held.c.import_id == imports.c.id)
            .order_by(imports.c.imported_at_ms.desc(), imports.c.id.desc())
        ).all()
    )  # fmt: skip


def visible(conn: Connection) -> list[tuple[str, date, int]]:
    """(source, billing period, import) of every period as ``conn``'s snapshot names it."""
    named = tables.cloud_periods
    return [
        (source, period, int(import_id))
        for source, period, import_id in conn.execute(
            select(named.c.source, named.c.billing_period_start, named.c.import_id)
        )
    ]


def collect(engine: Engine) -> None:
    """Remove from ClickHouse the cost rows nothing names (nothing to do in the database): a
    replaced period's, a discarded or killed import's, and forget the ``gone`` imports then.
    Run at the start of an import, long after readers moved on from what a swap replaced.

    A staging import is left alone (it may be running), and so are the rows of an id the
    metadata does not hold when it is above every id it does (an import begun since this
    snapshot, whose row is not in it). The ``DELETE`` is not waited for (on chDB a wait took
    seconds per import, mostly idle); a ``gone`` import is forgotten at the first collection
    that finds none of its rows, so its id (SQLite gives the highest one again once it is
    deleted) never names stale rows."""
    client = clickhouse(engine)
    if client is None:
        return
    from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

    imports = tables.cloud_imports
    with engine.connect() as conn:
        states = dict(conn.execute(select(imports.c.id, imports.c.state)).all())
        named = set(visible(conn))
    newest = max(states, default=0)
    held = clickhouse_cloud.held(client)
    dead = {
        cell
        for cell in held
        if cell not in named
        and states.get(cell[2]) != STAGING
        and (cell[2] in states or cell[2] < newest)
    }
    clickhouse_cloud.delete(client, dead, cluster=cluster(engine), wait=False)
    holding = {import_id for _source, _period, import_id in held}
    gone = [i for i, state in states.items() if state == GONE and i not in holding]
    if gone:
        with engine.begin() as conn:
            conn.execute(delete(imports).where(imports.c.id.in_(gone), imports.c.state == GONE))
