"""The migrations build exactly the schema ``tables.py`` declares, and upgrades keep the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from pumpview.reports import usage
from pumpview.store import tables
from pumpview.store.engine import HEAD, MIGRATIONS, make_engine, open_store


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


OLD_ROLLUP = ("integration_id", "day", "email", "model", "kind", "events", "cost_cents",
              "on_demand_cents", "included_cents", "model_cost_cents", "token_fee_cents",
              "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
              "fast_requests", "slow_requests", "not_charged_requests")  # fmt: skip


def test_upgrading_a_0002_rollup_keeps_every_figure_exactly(db_url):
    """Rows of the text-money rollup become exact integer limbs, and their blocks are built."""
    engine = make_engine(db_url)
    _upgrade(engine, "0002")
    rows = [
        ("2026-11-24", "a@x.dev", "auto", "Included", 2, "40.16699999999999", "0",
         "40.16699999999999", "1E-7", "0", 1, 2, 3, 4, 1, 1, 0),
        ("2026-11-25", "a@x.dev", "auto", "Included", 1, "0.00000000000000000001", "0",
         "0.00000000000000000001", "0", "0.000025", 5, 6, 7, 8, 0, 1, 0),
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            tables.integrations.insert().values(
                id=1, name="cursor", base_url="x", status="connected", connected_at_ms=0,
                backfill_days=1,
            )
        )  # fmt: skip
        marks = ", ".join(f":{c}" for c in OLD_ROLLUP)
        conn.execute(
            text(f"INSERT INTO usage_daily ({', '.join(OLD_ROLLUP)}) VALUES ({marks})"),  # noqa: S608
            [
                dict(zip(OLD_ROLLUP, (1, date.fromisoformat(r[0]), *r[1:]), strict=True))
                for r in rows
            ],
        )
    _upgrade(engine, "head")
    (user,) = usage.run(engine, "users")
    assert (user.email, user.events, user.spend_cents, user.model_cost_cents) == (
        "a@x.dev", 3, Decimal("40.16699999999999000001"), Decimal("1E-7"),
    )  # fmt: skip
    assert user.token_fee_cents == Decimal("0.000025")
    assert (user.input_tokens, user.slow_requests) == (6, 2)
    days = usage.run(engine, "daily")
    assert [(d.date, d.events, d.spend_cents) for d in days] == [
        (date(2026, 11, 24), 2, Decimal("40.16699999999999")),
        (date(2026, 11, 25), 1, Decimal("1E-20")),
    ]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'usage_daily'")
            assert ddl.scalar_one().rstrip().endswith("WITHOUT ROWID")
    engine.dispose()


def test_head_constant_is_alembic_head():
    """``engine.HEAD`` lets a migrated store open without loading Alembic; it must be the head."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD
