"""The migrations build exactly the schema ``tables.py`` declares, and upgrades keep the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select

from pumpview.store import tables
from pumpview.store.engine import MIGRATIONS, make_engine, open_store
from pumpview.store.write import insert_many


def _upgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_migrated_schema_equals_the_declared_one(db_url):
    engine = open_store(db_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    assert differences == []


def test_rollup_is_one_btree_on_sqlite_and_survives_the_upgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    _upgrade(engine, "0001")
    row = (1, date(2026, 11, 24), "a@x.dev", "auto", "k", 2,
           Decimal("40.16699999999999"), Decimal(0), Decimal("40.16699999999999"), Decimal("1E-7"),
           Decimal(0), 1, 2, 3, 4, 1, 1, 0)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            tables.integrations.insert().values(
                id=1, name="cursor", base_url="x", status="connected", connected_at_ms=0,
                backfill_days=1,
            )
        )  # fmt: skip
        insert_many(conn, tables.usage_daily, [c.name for c in tables.usage_daily.columns], [row])
    _upgrade(engine, "head")
    with engine.connect() as conn:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'usage_daily'")
        assert ddl.scalar_one().rstrip().endswith("WITHOUT ROWID")
        assert tuple(conn.execute(select(tables.usage_daily)).one()) == row
    engine.dispose()
