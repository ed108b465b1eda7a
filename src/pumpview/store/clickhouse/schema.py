"""The ClickHouse schema as code: numbered steps, and a runner that applies the missing ones.

Why not Alembic, as the SQL store has: clickhouse-connect ships a SQLAlchemy dialect, but what
matters here is said per statement (``ON CLUSTER``, the engine, the partition key, a
``Distributed`` table in front of each replicated one), which Alembic's operations do not express,
and a table of applied step numbers (``pumpview_schema``) is all the bookkeeping needed.

Every statement is idempotent (``CREATE ... IF NOT EXISTS``; a later step that alters a table
must use ``ADD COLUMN IF NOT EXISTS`` and the like), so two processes migrating at once do no
harm: both may apply a step and record it twice, and ``pumpview_schema`` (a ReplacingMergeTree
keyed by the step) folds the duplicates. A step's statements are frozen once released: a change
to a table is a new step, never an edit of an old one.

The data tables are partitioned by month: a month is dropped or skipped as a whole, and a year
of facts is 12 partitions, not 365 (ClickHouse advises against many small partitions). The order
key is what the reports filter on: the integration, a day range, then a person.

With a cluster, every statement runs ``ON CLUSTER``; each data table is ``<name>_local``
(ReplicatedMergeTree, one copy per replica of a shard) behind a ``Distributed`` table ``<name>``
that spreads rows over the shards by ``cityHash64(integration_id, email)``, so one person's rows
sit on one shard. That variant is generated and checked as text; no cluster runs in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from clickhouse_connect.driver.client import Client

from pumpview.errors import UserInputError

DATABASE = "pumpview"
"""The database of an embedded (chDB) store, and of a server URL that names none."""
SCHEMA_TABLE = "pumpview_schema"

MONEY_TYPE = "Decimal(38, 24)"
"""Exact cents: 24 decimals (Cursor sends up to 20), so 14 digits before the point."""
MONEY_FRACTION_DIGITS = 24
MONEY_INTEGER_DIGITS = 38 - MONEY_FRACTION_DIGITS

Columns = tuple[tuple[str, str], ...]
"""(name, ClickHouse type) in the table's order."""

USAGE_EVENTS: Columns = (
    ("integration_id", "UInt32"),
    ("version", "UInt64"),
    ("seq", "UInt32"),  # the event's position in its window's write: a tie-break after ts_ms
    ("ts_ms", "Int64"),
    ("day", "Date"),
    ("email", "LowCardinality(String)"),
    ("model", "LowCardinality(String)"),
    ("kind", "LowCardinality(String)"),
    ("max_mode", "Bool"),
    ("token_based", "Bool"),
    ("chargeable", "Bool"),
    ("headless", "Nullable(Bool)"),
    ("input_tokens", "Int64"),
    ("output_tokens", "Int64"),
    ("cache_write_tokens", "Int64"),
    ("cache_read_tokens", "Int64"),
    ("model_cost_cents", MONEY_TYPE),
    ("discount_percent", f"Nullable({MONEY_TYPE})"),
    ("token_fee_cents", f"Nullable({MONEY_TYPE})"),
    ("charged_cents", f"Nullable({MONEY_TYPE})"),
    ("cost_cents", MONEY_TYPE),
    ("requests_costs", f"Nullable({MONEY_TYPE})"),
    ("service_account_id", "Nullable(String)"),
    ("conversation_id", "Nullable(String)"),
    ("extra", "Nullable(String)"),
)
"""The SQL store's ``usage_events`` (``rollup.EVENT_COLUMNS``) without ``id``, plus ``version``
and ``seq``: two identical events are two rows (a plain MergeTree never deduplicates)."""

USAGE_DAILY: Columns = (
    ("integration_id", "UInt32"),
    ("version", "UInt64"),
    ("day", "Date"),
    ("email", "LowCardinality(String)"),
    ("model", "LowCardinality(String)"),
    ("kind", "LowCardinality(String)"),
    ("events", "Int64"),
    ("spend_cents", MONEY_TYPE),
    ("on_demand_cents", MONEY_TYPE),
    ("included_cents", MONEY_TYPE),
    ("model_cost_cents", MONEY_TYPE),
    ("token_fee_cents", MONEY_TYPE),
    ("input_tokens", "Int64"),
    ("output_tokens", "Int64"),
    ("cache_write_tokens", "Int64"),
    ("cache_read_tokens", "Int64"),
    ("fast_requests", "Int64"),
    ("slow_requests", "Int64"),
    ("not_charged_requests", "Int64"),
    ("max_mode_events", "Int64"),
    ("list_cents", MONEY_TYPE),
)
"""The rollup (``rollup.KEY``, then ``measures.MEASURES``) as step 2 created it: money as exact
decimals, not the SQL store's integer limbs, since ClickHouse sums decimals exactly. A money
measure added later is a step that adds it to the three fact tables (``_add_measure``)."""

BLOCK_MONEY_TYPE = "Decimal(76, 24)"
"""A block's sums: ``usage_daily``'s amounts summed wider, as every read sums them."""

USAGE_BLOCKS: Columns = (
    ("integration_id", "UInt32"),
    ("block", "UInt64"),  # ``fact_blocks.id`` in the metadata store
    ("span", "Date"),  # the block's first day
    ("email", "LowCardinality(String)"),
    ("model", "LowCardinality(String)"),
    ("first_used", "Date"),  # the person's first and last day with this model in the block
    ("last_used", "Date"),
    *(
        (name, BLOCK_MONEY_TYPE if kind == MONEY_TYPE else kind)
        for name, kind in USAGE_DAILY[USAGE_DAILY.index(("events", "Int64")) :]
    ),
)
"""A month, or a slice of one, of ``usage_daily`` summed per person and model
(``store.fact_blocks``): what a report over whole months and weeks reads, a few thousand rows a
block instead of a hundred thousand."""

USAGE_BLOCK_DAYS: Columns = (
    ("integration_id", "UInt32"),
    ("block", "UInt64"),
    ("span", "Date"),
    ("day", "Date"),
    ("model", "LowCardinality(String)"),
    *USAGE_BLOCKS[USAGE_BLOCKS.index(("last_used", "Date")) + 1 :],
)
"""The same block summed per day and model, everyone together: what a chart of days reads."""

SHARDING_KEY = "cityHash64(integration_id, email)"

COST_TYPE = "Decimal(39, 24)"
"""A FOCUS amount exactly as the importer admits it (``integrations.focus.values``): up to 15
whole digits and 24 decimals, 39 digits (a ``Decimal256``; ``Decimal(38, 24)`` holds 14)."""
COST_FRACTION_DIGITS = 24
COST_INTEGER_DIGITS = 15
DAILY_COST_TYPE = "Decimal(76, 24)"
"""A day's sum of FOCUS amounts: as wide as a ``Decimal256`` goes (the SQL store's limbs hold
19 whole digits; the importer refuses a sum past them on every store)."""

CLOUD_COSTS: Columns = (
    ("import_id", "UInt32"),
    ("source", "LowCardinality(String)"),
    ("billing_period_start", "Date32"),
    ("charge_day", "Date32"),
    ("billing_currency", "LowCardinality(String)"),
    ("provider", "Nullable(String)"),
    ("service_name", "Nullable(String)"),
    ("service_category", "Nullable(String)"),
    ("sub_account_id", "Nullable(String)"),
    ("sub_account_name", "Nullable(String)"),
    ("charge_category", "Nullable(String)"),
    ("billed_cost", COST_TYPE),
    ("effective_cost", COST_TYPE),
    ("list_cost", f"Nullable({COST_TYPE})"),
    ("contracted_cost", f"Nullable({COST_TYPE})"),
    ("tags", "String"),
    ("extra", "String"),
)
"""The SQL store's ``cloud_costs`` without ``id``: a FOCUS row as its file gave it, under the
import that brought it. ``Date32`` (1900-2299), not ``Date`` (from 1970): a file's dates are
the provider's."""

CLOUD_DAILY: Columns = (
    ("import_id", "UInt32"),
    ("source", "LowCardinality(String)"),
    ("billing_period_start", "Date32"),
    ("charge_day", "Date32"),
    ("currency", "LowCardinality(String)"),
    ("provider", "String"),
    ("service", "String"),
    ("owner", "Nullable(String)"),
    ("team", "Nullable(String)"),
    ("rows", "Int64"),
    ("billed_cost", DAILY_COST_TYPE),
    ("effective_cost", DAILY_COST_TYPE),
    ("list_cost", DAILY_COST_TYPE),
    ("contracted_cost", DAILY_COST_TYPE),
)
"""The SQL store's ``cloud_daily``, its four costs as exact decimals rather than limbs."""

CLOUD_SHARDING_KEY = "cityHash64(source, billing_period_start)"
"""A source's billing period on one shard: it is written, named and replaced as a whole."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def is_name(text: str) -> bool:
    """Whether ``text`` may name a database or a cluster: letters, digits, ``_`` and ``-``."""
    return len(text) <= 128 and _NAME.fullmatch(text) is not None


def quoted(name: str) -> str:
    """``name`` as a ClickHouse identifier (back-quoted when it holds a ``-``)."""
    if not is_name(name):
        msg = f"{name!r} is not a ClickHouse name: use letters, digits, _ and -"
        raise UserInputError(msg)
    return f"`{name}`" if "-" in name else name


def on_cluster(cluster: str | None) -> str:
    """The ``ON CLUSTER`` clause of a DDL statement, or nothing on a single node."""
    return "" if cluster is None else f" ON CLUSTER {quoted(cluster)}"


def _create(
    name: str,
    columns: Columns,
    order_by: Sequence[str],
    cluster: str | None,
    database: str,
    *,
    partition_by: str = "toYYYYMM(day)",
    sharding_key: str = SHARDING_KEY,
) -> list[str]:
    """A partitioned data table (by the month of its ``day`` unless said): one MergeTree, or
    replicated tables behind a ``Distributed`` one (spread by ``sharding_key``) on a cluster."""
    body = ",\n".join(f"    {column} {kind}" for column, kind in columns)
    keys = f"PARTITION BY {partition_by}\nORDER BY ({', '.join(order_by)})"
    if cluster is None:
        return [f"CREATE TABLE IF NOT EXISTS {name}\n(\n{body}\n)\nENGINE = MergeTree\n{keys}"]
    local = f"{name}_local"
    where = f"'/clickhouse/tables/{{shard}}/{{database}}/{local}', '{{replica}}'"
    return [
        f"CREATE TABLE IF NOT EXISTS {local}{on_cluster(cluster)}\n(\n{body}\n)\n"
        f"ENGINE = ReplicatedMergeTree({where})\n{keys}",
        f"CREATE TABLE IF NOT EXISTS {name}{on_cluster(cluster)} AS {local}\n"
        f"ENGINE = Distributed({quoted(cluster)}, {quoted(database)}, {local}, {sharding_key})",
    ]


def _add_measure(name: str, cluster: str | None, _database: str) -> list[str]:
    """A money measure added to the rollup and both block tables, 0 in the rows already there
    (on a cluster, to each local table and the ``Distributed`` one in front of it)."""
    statements = []
    for table, kind in (("usage_daily", MONEY_TYPE), ("usage_blocks", BLOCK_MONEY_TYPE),
                        ("usage_block_days", BLOCK_MONEY_TYPE)):  # fmt: skip
        names = [table] if cluster is None else [f"{table}_local", table]
        statements += [
            f"ALTER TABLE {each}{on_cluster(cluster)} ADD COLUMN IF NOT EXISTS {name} {kind}"
            " DEFAULT 0"
            for each in names
        ]
    return statements


def _by_person(cluster: str | None, _database: str) -> list[str]:
    """``usage_daily`` also kept ordered by person (a projection), so that one person's days
    over a year are a few granules, not a scan of everyone's; its lightweight ``DELETE``s then
    rebuild the projection (ClickHouse refuses them on a table with projections otherwise)."""
    table = "usage_daily" if cluster is None else f"usage_daily_local{on_cluster(cluster)}"
    return [
        f"ALTER TABLE {table} MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild'",
        f"ALTER TABLE {table} ADD PROJECTION IF NOT EXISTS by_person"
        " (SELECT * ORDER BY integration_id, email, day)",
        f"ALTER TABLE {table} MATERIALIZE PROJECTION by_person",  # the rows already there
    ]


@dataclass(frozen=True, slots=True)
class Step:
    """One change to the schema, applied once: its number and its statements."""

    version: int
    statements: Callable[[str | None, str], list[str]]
    """(cluster, database) -> the DDL."""


STEPS: tuple[Step, ...] = (
    Step(
        1,
        partial(_create, "usage_events", USAGE_EVENTS, ("integration_id", "day", "email", "ts_ms")),
    ),
    Step(
        2,
        partial(
            _create, "usage_daily", USAGE_DAILY, ("integration_id", "day", "email", "model", "kind")
        ),
    ),
    Step(  # a year of blocks is a few MB: one partition a year, not twelve tiny ones
        3,
        partial(
            _create,
            "usage_blocks",
            USAGE_BLOCKS,
            ("integration_id", "span", "email", "model"),
            partition_by="toYear(span)",
        ),
    ),
    Step(
        4,
        partial(
            _create,
            "usage_block_days",
            USAGE_BLOCK_DAYS,
            ("integration_id", "span", "day", "model"),
            partition_by="toYear(span)",
        ),
    ),
    Step(5, _by_person),
    # FOCUS cost rows: found by their import and period (to collect), read rarely.
    Step(
        6,
        partial(
            _create,
            "cloud_costs",
            CLOUD_COSTS,
            ("source", "billing_period_start", "import_id", "charge_day"),
            partition_by="toYYYYMM(charge_day)",
            sharding_key=CLOUD_SHARDING_KEY,
        ),
    ),
    # Their daily sums, what the reports read: by a range of charge days, then a source.
    Step(
        7,
        partial(
            _create,
            "cloud_daily",
            CLOUD_DAILY,
            ("charge_day", "source", "billing_period_start", "import_id"),
            partition_by="toYYYYMM(charge_day)",
            sharding_key=CLOUD_SHARDING_KEY,
        ),
    ),
    Step(8, partial(_add_measure, "estimated_cents")),  # issue 22: a provider's estimates
)


def schema_table(cluster: str | None) -> str:
    """The DDL of ``pumpview_schema``, the applied steps. On a cluster each shard keeps its own
    (a step is idempotent, so a shard that missed the record only applies it again)."""
    if cluster is None:
        engine = "ReplacingMergeTree"
    else:
        engine = (
            f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{{database}}/"
            f"{SCHEMA_TABLE}', '{{replica}}')"
        )
    return (
        f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE}{on_cluster(cluster)}\n"
        f"(\n    version UInt32,\n    applied_at DateTime64(3, 'UTC')\n)\n"
        f"ENGINE = {engine}\nORDER BY version"
    )


def ddl(cluster: str | None = None, database: str = DATABASE) -> list[str]:
    """Every statement of the schema at head, in order: for a test, or the README."""
    return [schema_table(cluster)] + [
        statement for step in STEPS for statement in step.statements(cluster, database)
    ]


def applied(client: Client) -> set[int]:
    """The steps ``pumpview_schema`` records as applied (the table must exist: ``migrate``)."""
    rows = client.query(f"SELECT DISTINCT version FROM {SCHEMA_TABLE}").result_rows
    return {int(row[0]) for row in rows}


def migrate(client: Client, cluster: str | None = None) -> list[int]:
    """Apply the steps the client's database lacks, in order; return their numbers (``[]`` when
    the schema is at head). Raises ``UserInputError`` if the database is ahead of this code."""
    database = client.database or DATABASE
    client.command(schema_table(cluster))
    done = applied(client)
    head = STEPS[-1].version
    if done and max(done) > head:
        msg = (
            f"the ClickHouse database {database} has schema step {max(done)}, newer than this "
            f"Pump View knows (up to {head}): upgrade Pump View"
        )
        raise UserInputError(msg)
    applied_now: list[int] = []
    for step in STEPS:
        if step.version in done:
            continue
        for statement in step.statements(cluster, database):
            client.command(statement)
        client.command(
            f"INSERT INTO {SCHEMA_TABLE} (version, applied_at) "
            "VALUES ({version:UInt32}, now64(3))",
            parameters={"version": step.version},
        )
        applied_now.append(step.version)
    return applied_now
