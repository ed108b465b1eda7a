"""The ClickHouse schema as code: its DDL on one node and on a cluster, and the step runner."""

from __future__ import annotations

import pytest

from pumpview.errors import UserInputError
from pumpview.store import rollup
from pumpview.store.clickhouse.schema import SCHEMA_TABLE, STEPS, applied, ddl, migrate
from pumpview.store.measures import MEASURES

pytestmark = pytest.mark.clickhouse


def columns(client, table):
    rows = client.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String}"
        " ORDER BY position",
        parameters={"t": table},
    ).result_rows
    return tuple(name for (name,) in rows)


def test_migrate_applies_every_step_then_nothing(fresh):
    """The second run finds the schema at head and changes nothing."""
    assert migrate(fresh) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert migrate(fresh) == []
    assert fresh.query("SELECT version FROM pumpview_schema ORDER BY version").result_rows == [
        (1,),
        (2,),
        (3,),
        (4,),
        (5,),
        (6,),
        (7,),
        (8,),
    ]


def test_a_step_another_process_applied_but_did_not_record_applies_again_harmlessly(fresh):
    """Two processes migrating at once: the tables exist, the record does not yet."""
    migrate(fresh)
    fresh.command("TRUNCATE TABLE pumpview_schema")
    assert migrate(fresh) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert applied(fresh) == {1, 2, 3, 4, 5, 6, 7, 8}


def test_a_schema_newer_than_the_code_is_refused(fresh):
    migrate(fresh)
    fresh.command("INSERT INTO pumpview_schema (version, applied_at) VALUES (99, now64(3))")
    with pytest.raises(UserInputError, match="schema step 99, newer than this Pump View"):
        migrate(fresh)


def test_usage_events_holds_the_sql_tables_event_columns_plus_version_and_seq(facts):
    """A column added to the SQL table needs a step here: this test says so."""
    assert columns(facts, "usage_events") == (
        "integration_id", "version", "seq", *rollup.EVENT_COLUMNS[1:],
    )  # fmt: skip


def test_usage_daily_holds_the_rollup_key_and_every_measure(facts):
    assert columns(facts, "usage_daily") == ("integration_id", "version", *rollup.KEY, *MEASURES)


def test_the_data_tables_are_partitioned_by_month_and_ordered_as_the_reports_filter(facts):
    rows = facts.query(
        "SELECT name, engine, partition_key, sorting_key FROM system.tables"
        " WHERE database = currentDatabase() ORDER BY name"
    ).result_rows
    assert rows == [
        (
            "cloud_costs",
            "MergeTree",
            "toYYYYMM(charge_day)",
            "source, billing_period_start, import_id, charge_day",
        ),
        (
            "cloud_daily",
            "MergeTree",
            "toYYYYMM(charge_day)",
            "charge_day, source, billing_period_start, import_id",
        ),
        (SCHEMA_TABLE, "ReplacingMergeTree", "", "version"),
        ("usage_block_days", "MergeTree", "toYear(span)", "integration_id, span, day, model"),
        ("usage_blocks", "MergeTree", "toYear(span)", "integration_id, span, email, model"),
        ("usage_daily", "MergeTree", "toYYYYMM(day)", "integration_id, day, email, model, kind"),
        ("usage_events", "MergeTree", "toYYYYMM(day)", "integration_id, day, email, ts_ms"),
    ]


def test_money_is_an_exact_decimal_with_24_places(facts):
    types = dict(
        facts.query(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase()"
            " AND table = 'usage_events'"
        ).result_rows
    )
    assert types["cost_cents"] == "Decimal(38, 24)"
    assert types["charged_cents"] == "Nullable(Decimal(38, 24))"


def test_cloud_costs_hold_every_amount_the_importer_admits(facts):
    """15 whole digits and 24 decimals per FOCUS amount; a day's sum as wide as Decimal256."""
    types = dict(facts.query(
        "SELECT table || '.' || name, type FROM system.columns"
        " WHERE database = currentDatabase() AND table LIKE 'cloud_%'").result_rows)  # fmt: skip
    assert types["cloud_costs.billed_cost"] == "Decimal(39, 24)"
    assert types["cloud_costs.list_cost"] == "Nullable(Decimal(39, 24))"
    assert types["cloud_daily.effective_cost"] == "Decimal(76, 24)"


def test_on_a_cluster_cloud_costs_shard_by_source_and_billing_period():
    """A billing period, written and replaced whole, sits on one shard."""
    statements = ddl("prod", database="facts")
    assert (
        "CREATE TABLE IF NOT EXISTS cloud_daily ON CLUSTER prod AS cloud_daily_local\n"
        "ENGINE = Distributed(prod, facts, cloud_daily_local,"
        " cityHash64(source, billing_period_start))"
    ) in statements


def test_on_one_node_no_statement_names_a_cluster():
    statements = ddl()
    assert len(statements) == 1 + len(STEPS) + 2 + 2  # steps 5 and 8 are three statements each
    assert not any("ON CLUSTER" in s or "Replicated" in s or "Distributed" in s for s in statements)


def test_on_a_cluster_every_statement_runs_on_it():
    assert all(" ON CLUSTER prod" in statement for statement in ddl("prod"))


def test_one_persons_days_are_kept_in_their_own_order_and_deletes_rebuild_it(facts):
    (create,) = facts.query("SHOW CREATE TABLE usage_daily").result_rows[0]
    assert "PROJECTION by_person" in create
    assert "ORDER BY\n            integration_id,\n            email,\n            day" in create
    assert "lightweight_mutation_projection_mode = 'rebuild'" in create
    on_cluster = [s for s in ddl("prod") if "by_person" in s or "projection_mode" in s]
    assert len(on_cluster) == 3
    assert all(s.startswith("ALTER TABLE usage_daily_local ON CLUSTER prod ") for s in on_cluster)


def test_on_a_cluster_the_data_live_in_replicated_local_tables():
    events_local = next(s for s in ddl("prod") if "TABLE IF NOT EXISTS usage_events_local" in s)
    assert (
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/usage_events_local',"
        " '{replica}')\nPARTITION BY toYYYYMM(day)\nORDER BY (integration_id, day, email, ts_ms)"
    ) in events_local


def test_on_a_cluster_a_distributed_table_shards_by_integration_and_person():
    """One person's rows sit on one shard; the name the reports query stays the same."""
    statements = ddl("prod", database="facts")
    assert (
        "CREATE TABLE IF NOT EXISTS usage_events ON CLUSTER prod AS usage_events_local\n"
        "ENGINE = Distributed(prod, facts, usage_events_local, cityHash64(integration_id, email))"
    ) in statements
    assert (
        "CREATE TABLE IF NOT EXISTS usage_daily ON CLUSTER prod AS usage_daily_local\n"
        "ENGINE = Distributed(prod, facts, usage_daily_local, cityHash64(integration_id, email))"
    ) in statements


def test_on_a_cluster_the_schema_table_is_replicated_too():
    path = "'/clickhouse/tables/{shard}/{database}/pumpview_schema', '{replica}'"
    assert f"ENGINE = ReplicatedReplacingMergeTree({path})" in ddl("prod")[0]


def test_a_cluster_name_with_a_dash_is_quoted_and_anything_else_refused():
    assert " ON CLUSTER `all-sharded`" in ddl("all-sharded")[0]
    with pytest.raises(UserInputError, match="not a ClickHouse name"):
        ddl("prod; DROP TABLE x")
