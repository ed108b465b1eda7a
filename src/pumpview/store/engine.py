"""``make_engine(url)`` and ``open_store(url)``: an engine with the schema migrated to head.

SQLite runs in WAL mode so the dashboard can read while a sync writes; PostgreSQL URLs use
psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from pumpview.errors import UserInputError
from pumpview.store.facts import CLICKHOUSE, CLUSTER
from pumpview.store.money_type import SQLITE_TEXT

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql://...``); no schema changes."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        msg = f"not a database URL: {url!r} (expected sqlite:///path or postgresql://...)"
        raise UserInputError(msg) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database).expanduser())
        _register_sqlite_adapters()
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        msg = f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
        raise UserInputError(msg)
    return create_engine(parsed, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """Create the database file (and its folder) readable by its owner only: it holds the
    team's usage and the sealed key. SQLite gives its -wal and -shm files the same mode."""
    if path.parent.exists() and not path.parent.is_dir():
        msg = f"the data folder {path.parent} is a file, not a folder (check PUMPVIEW_HOME)"
        raise UserInputError(msg)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        msg = f"cannot create the database {path}: {exc.strerror or exc}"
        raise UserInputError(msg) from None


def _register_sqlite_adapters() -> None:
    """Let sqlite3 take ``Decimal`` and ``date`` as our column types store them (``Money``'s exact
    text, ISO dates), so ``store.write.insert_many`` can hand it records untouched."""
    sqlite3.register_adapter(Decimal, SQLITE_TEXT)
    sqlite3.register_adapter(date, date.isoformat)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA wal_autocheckpoint=20000")
    cursor.close()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state, whatever commits meanwhile: a
    report's several queries must agree while a sync writes. PostgreSQL: a read-only
    REPEATABLE READ transaction; SQLite: an explicit ``BEGIN`` (sqlite3 opens none for reads)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


ANALYZED = ("usage_daily", "person_blocks", "model_blocks", "integration_blocks")


def refresh_statistics(engine: Engine) -> None:
    """Refresh the planner's statistics on the tables the reports read; a sync does this when
    it ends. Without them PostgreSQL can walk a range of days where one index seek per
    (model, person) pair would do (measured: 1 s instead of 10 ms)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {', '.join(ANALYZED)}")
        else:
            conn.exec_driver_sql("PRAGMA optimize")


HEAD = "0021"
"""The newest migration; ``tests/store/test_migrations.py`` checks it is Alembic's head."""


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration (idempotent); a store already at ``HEAD`` is
    recognised with one query, without loading Alembic (most commands only read)."""
    if _revision(engine) == HEAD:
        return
    from alembic import command  # noqa: PLC0415 - a quarter of a second to import
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DatabaseError:  # a new database: no version table yet
            return None


def open_store(url: str, facts_url: str | None = None, cluster: str | None = None) -> Engine:
    """An engine for ``url`` with the schema at head; a clear error if it is unreachable. With
    ``facts_url`` the facts live in ClickHouse (``store.facts``), its schema at head too
    (``cluster``: replicated over that cluster), and every connection carries its client."""
    engine = _metadata_store(url)
    if facts_url is None:
        return engine
    from pumpview.store.clickhouse import connection, schema  # noqa: PLC0415 - only then

    client = connection.connect(facts_url, cluster)
    schema.migrate(client, cluster)
    return engine.execution_options(**{CLICKHOUSE: client, CLUSTER: cluster})


def _metadata_store(url: str) -> Engine:
    engine = make_engine(url)
    try:
        migrate(engine)
    except DatabaseError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        msg = (
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {reason}"
        )
        raise UserInputError(msg) from None
    return engine
