"""The migrations build exactly the schema ``tables.py`` declares, and upgrades keep the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, insert, select, table, text

from pumpview.reports import activity, cloud, usage
from pumpview.reports.scope import scope
from pumpview.store import cloud as stored_cloud
from pumpview.store import rollup, tables
from pumpview.store.engine import HEAD, MIGRATIONS, make_engine, open_store, snapshot
from pumpview.store.rollup import EVENT_COLUMNS
from pumpview.timeutil import day_of

pytestmark = pytest.mark.blank_store  # each test migrates its own database from nothing


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


DEC_1 = 1_764_547_200_000
"""2025-12-01T00:00:00Z."""


def _event(iid: int, after_ms: int, email: str, model: str, kind: str, max_mode: bool) -> tuple:
    """An event record ``after_ms`` past ``DEC_1``, as ``to_record`` makes it: its day is the
    instant's UTC day, its email as the rollup keys it ("" when unattributed)."""
    ts_ms = DEC_1 + after_ms
    fields = dict.fromkeys(EVENT_COLUMNS) | {
        "integration_id": iid, "ts_ms": ts_ms, "day": day_of(ts_ms), "email": email,
        "model": model, "kind": kind, "max_mode": max_mode, "token_based": True,
        "chargeable": kind == "Usage-based", "input_tokens": 10, "output_tokens": 1,
        "cache_write_tokens": 0, "cache_read_tokens": 0, "model_cost_cents": Decimal("1.25"),
        "cost_cents": Decimal("1.5"), "requests_costs": Decimal(1),
    }  # fmt: skip
    return tuple(fields[c] for c in EVENT_COLUMNS)


OLD_EVENTS = [
    _event(*row)
    for row in (
        # integration, ms after DEC_1, email, model, kind, maxMode
        (1, -1, "a@x.dev", "claude-4-opus", "Usage-based", True),  # Nov 30, 23:59:59.999
        (1, 0, "a@x.dev", "claude-4-opus", "Usage-based", True),
        (1, 60_000, "a@x.dev", "claude-4-opus", "Usage-based", True),
        (1, 120_000, "a@x.dev", "claude-4-opus", "Usage-based", False),
        (1, 180_000, "a@x.dev", "claude-4-opus", "Included in Business", True),
        (1, 240_000, "", "claude-4-opus", "Usage-based", True),  # unattributed
        (1, 300_000, "b@x.dev", "gpt-5", "Usage-based", False),  # a key without Max mode
        (1, 70 * 86_400_000, "b@x.dev", "claude-4-opus", "Usage-based", True),  # Feb 9
        (2, 0, "a@x.dev", "claude-4-opus", "Usage-based", False),  # another team
        (2, 1, "a@x.dev", "gpt-5", "Usage-based", True),
    )
]


def test_upgrading_old_events_counts_each_rollup_keys_max_mode_events(db_url):
    """A store from before ``max_mode_events`` (0002: 0003 and 0007 rebuild blocks on the way
    with their own revision's measures) gains each rollup key's count of Max-mode events from
    its stored events, and blocks and reports that sum them."""
    engine = make_engine(db_url)
    _upgrade(engine, "0002")
    acc: dict[int, rollup.Rollup] = {}
    for event in OLD_EVENTS:
        rollup.fold(acc.setdefault(event[0], {}), [event])
    old_rows = [
        dict(zip(OLD_ROLLUP, (iid, *key, *(str(v) for v in sums[:13])), strict=True))
        for iid, keyed in acc.items()
        for key, sums in keyed.items()
    ]  # the 0002 rollup of the events: the 13 measures of then, money as text
    with engine.begin() as conn:
        for iid in (1, 2):
            conn.execute(
                tables.integrations.insert().values(
                    id=iid, name=f"cursor{iid}", base_url="x", status="connected",
                    connected_at_ms=0, backfill_days=1,
                )
            )  # fmt: skip
        conn.execute(
            tables.usage_events.insert(),
            [dict(zip(EVENT_COLUMNS, e, strict=True)) for e in OLD_EVENTS],
        )
        marks = ", ".join(f":{c}" for c in OLD_ROLLUP)
        conn.execute(
            text(f"INSERT INTO usage_daily ({', '.join(OLD_ROLLUP)}) VALUES ({marks})"),  # noqa: S608
            old_rows,
        )
    _upgrade(engine, "head")

    # Counted by hand from OLD_EVENTS: every key of the rollup, with or without Max mode.
    nov_30, dec_1, feb_9 = date(2025, 11, 30), date(2025, 12, 1), date(2026, 2, 9)
    assert _max_mode_by_key(engine) == {
        (1, nov_30, "a@x.dev", "claude-4-opus", "Usage-based"): 1,
        (1, dec_1, "a@x.dev", "claude-4-opus", "Usage-based"): 2,  # 2 of 3
        (1, dec_1, "a@x.dev", "claude-4-opus", "Included in Business"): 1,
        (1, dec_1, "", "claude-4-opus", "Usage-based"): 1,
        (1, dec_1, "b@x.dev", "gpt-5", "Usage-based"): 0,
        (1, feb_9, "b@x.dev", "claude-4-opus", "Usage-based"): 1,
        (2, dec_1, "a@x.dev", "claude-4-opus", "Usage-based"): 0,
        (2, dec_1, "a@x.dev", "gpt-5", "Usage-based"): 1,
    }
    # The blocks, at every level the ranges below read, sum the counts.
    models = {m.model: (m.events, m.max_mode_events) for m in usage.run(engine, "models")}
    assert models == {"claude-4-opus": (8, 6), "gpt-5": (2, 1)}
    # 0011's list price, from the same events: token-based, 1.25 cents of model cost, no fee.
    listed = {m.model: m.list_cents for m in usage.run(engine, "models")}
    assert listed == {"claude-4-opus": Decimal(10), "gpt-5": Decimal("2.5")}
    users = {
        u.email: u.max_mode_events for u in usage.run(engine, "users", None, None, ["cursor1"])
    }
    assert users == {"a@x.dev": 4, None: 1, "b@x.dev": 1}
    days = {d.date: d.max_mode_events for d in usage.run(engine, "daily")}
    assert days == {nov_30: 1, dec_1: 5, feb_9: 1}
    with snapshot(engine) as conn:
        where = scope(conn)
        assert where is not None
        pairs = {(p.email, p.model): p.max_mode_events for p in activity.pairs(conn, where)}
    assert pairs == {("a@x.dev", "claude-4-opus"): 4, (None, "claude-4-opus"): 1,
                     ("b@x.dev", "gpt-5"): 0, ("b@x.dev", "claude-4-opus"): 1,
                     ("a@x.dev", "gpt-5"): 1}  # fmt: skip
    engine.dispose()


def _max_mode_by_key(engine) -> dict[tuple, int]:
    daily = tables.usage_daily
    key = [daily.c[c] for c in ("integration_id", "day", "email", "model", "kind")]
    with engine.connect() as conn:
        return {
            tuple(row[:5]): row[5] for row in conn.execute(select(*key, daily.c.max_mode_events))
        }


def test_head_constant_is_alembic_head():
    """``engine.HEAD`` lets a migrated store open without loading Alembic; it must be the head."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_upgrading_imported_cloud_costs_sums_them_for_the_reports(db_url):
    """Migration 0010 fills ``cloud_daily`` from the rows 0009 stored: the same totals per team
    tag, exactly, by the default tag keys (an owner tag's value kept as an alias)."""
    engine = make_engine(db_url)
    _upgrade(engine, "0009")
    amounts = [("1.0000000001", '{"team": "Core"}'), ("2.5", '{"CostCenter": "Core"}'),
               ("0.0000000009", "{}"),
               ("0.25", '{"user:Owner": " Alex@Corp.com ", "team": "Core"}')]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO cloud_imports (id, source, file_name, focus_version, "
                          "imported_at_ms) VALUES (1, 'aws', 'f.csv', '1.2', 0)"))  # fmt: skip
        for amount, tags in amounts:
            conn.execute(
                text("INSERT INTO cloud_costs (import_id, source, billing_period_start, "
                     "charge_day, billing_currency, provider, service_name, billed_cost, "
                     "effective_cost, tags, extra) VALUES (1, 'aws', :p, :d, 'USD', 'AWS', "
                     "'EC2', :a, :a, :t, '{}')"),
                {"p": date(2026, 2, 1), "d": date(2026, 2, 3), "a": Decimal(amount), "t": tags},
            )  # fmt: skip
    _upgrade(engine, "head")
    with snapshot(engine) as conn:
        got = dict(cloud.sums(conn, date(2026, 2, 1), date(2026, 2, 28), ("team",)))
    assert {team: costs.effective_cost for (team,), costs in got.items()} == {
        "Core": Decimal("3.7500000001"), None: Decimal("0.0000000009"),
    }  # fmt: skip
    with snapshot(engine) as conn:  # 0017: the period named as its import's, with its rows
        assert stored_cloud.period_rows(conn, "aws") == {date(2026, 2, 1): 4}
        assert [tuple(row)[4:] for row in stored_cloud.listing(conn)] == [
            (4, date(2026, 2, 1), date(2026, 2, 1))
        ]
    with snapshot(engine) as conn:
        owners = conn.execute(text("SELECT owner, team, rows FROM cloud_daily ORDER BY rows"))
        assert sorted(owners.all(), key=str) == sorted(
            [("alex@corp.com", "Core", 1), (None, "Core", 2), (None, None, 1)], key=str
        )
    engine.dispose()


def test_upgrading_renames_the_roster_and_the_integration_blocks_and_keeps_their_rows(db_url):
    """Migration 0013: ``people`` is ``cursor_members`` and ``team_blocks`` is
    ``integration_blocks``, their rows all there (and on PostgreSQL their keys' index renamed)."""
    engine = make_engine(db_url)
    _upgrade(engine, "0012")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO integrations (id, name, base_url, status, connected_at_ms, "
                "backfill_days) VALUES (1, 'cursor', 'http://x', 'connected', 0, 30)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO people (integration_id, email, name, is_removed) "
                "VALUES (1, 'alex@corp.com', 'Alex', false)"
            )
        )
        keys = {"integration_id": 1, "level": 0, "first_day": date(2026, 12, 6)}
        sums = {c.name: 7 for c in tables.integration_blocks.columns  # as they were at 0012
                if c.name not in keys and not c.name.startswith("estimated_cents")}  # fmt: skip
        old = table("team_blocks", *(column(name) for name in [*keys, *sums]))
        conn.execute(insert(old).values(**keys, **sums))
    _upgrade(engine, "head")
    with engine.connect() as conn:
        members = conn.execute(select(tables.cursor_members.c.email, tables.cursor_members.c.name))
        assert members.all() == [("alex@corp.com", "Alex")]
        blocks = conn.execute(select(tables.integration_blocks.c.first_day,
                                     tables.integration_blocks.c.events)).all()  # fmt: skip
        assert blocks == [(date(2026, 12, 6), 7)]
        if engine.dialect.name == "postgresql":
            names = conn.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE tablename IN "
                    "('cursor_members', 'integration_blocks')"
                )
            ).scalars()
            assert sorted(names) == ["cursor_members_pkey", "integration_blocks_pkey"]
    engine.dispose()


def test_upgrading_gives_old_spend_snapshots_their_cycles_midnight_and_members_a_first_listing(
    db_url,
):
    """Migration 0014: a snapshot kept only its cycle's day, so its start instant is that day's
    midnight UTC; a member's first listing is the last one stored (the only one known)."""
    engine = make_engine(db_url)
    _upgrade(engine, "0013")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO integrations (id, name, base_url, status, connected_at_ms, "
                "backfill_days) VALUES (1, 'cursor', 'http://x', 'connected', 0, 30)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cursor_members (integration_id, email, is_removed, listed_at_ms) "
                "VALUES (1, 'alex@corp.com', false, 1764000000000)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO spend_snapshots (integration_id, taken_at_ms, cycle_start, email, "
                "spend_cents, fast_premium_requests) "
                "VALUES (1, 1764000000000, '2025-11-07', 'alex@corp.com', 12.5, 3)"
            )
        )
    _upgrade(engine, "head")
    with engine.connect() as conn:
        snaps = tables.spend_snapshots
        got = conn.execute(select(snaps.c.cycle_start, snaps.c.cycle_start_ms, snaps.c.spend_cents))
        # 2025-11-07 is 20399 days after 1970-01-01 (55 years, 13 leap days, 310 days)
        assert got.all() == [(date(2025, 11, 7), 20399 * 86_400_000, Decimal("12.5"))]
        first = conn.execute(select(tables.cursor_members.c.first_listed_at_ms)).scalar_one()
        assert first == 1764000000000
    engine.dispose()
