"""Writing rows: one dialect-aware upsert, and a fast bulk insert for the event firehose."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; on a ``keys`` conflict overwrite ``update`` (default: all other columns)."""
    if not rows:
        return
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table)
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(rows))


def insert_many(
    conn: Connection, table: Table, columns: Sequence[str], records: Sequence[Sequence[Any]]
) -> None:
    """``INSERT`` records (value tuples, ``columns`` in the table's order) in one driver call.

    The same rows as ``conn.execute(insert(table), ...)``, minus SQLAlchemy's per-value work,
    which is most of the cost of storing a million events. Values reach the driver as they are,
    so records hold only types both drivers store exactly as the column types would: ``int``,
    ``str``, ``bool``, ``None``, ``Decimal`` and ``date`` (``engine.make_engine`` teaches sqlite3
    the last two; ``tests/store/test_write.py`` proves the rows identical).
    """
    if not records:
        return
    sql, positional = _insert_sql(table, tuple(columns), conn.dialect)
    if not positional:
        params = [dict(zip(columns, record, strict=True)) for record in records]
        conn.exec_driver_sql(sql, params)
        return
    conn.exec_driver_sql(sql, list(records))


@cache
def _insert_sql(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, bool]:
    """The ``INSERT`` for ``columns`` in ``dialect``, and whether it takes positional values:
    compiled once, not for every window."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional and list(compiled.positiontup or ()) != list(columns):
        msg = f"columns must follow the order of table {table.name}: {compiled.positiontup}"
        raise ValueError(msg)
    return compiled.string, compiled.positional
