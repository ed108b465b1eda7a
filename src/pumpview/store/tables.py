"""The whole schema on one screen. Money columns are ``Money`` (exact); instants are epoch ms.

Events are kept column by column (every field the product uses) plus all other fields as JSON,
so anything can be recomputed. ``usage_daily`` is their day x person x model x kind rollup, and the
``*_blocks`` tables aggregate it over aligned blocks of days for the reports; all of them keep
the measures as exact integers (``store.measures``) and are rebuilt for exactly the days a sync
window touched, in the window's transaction.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from pumpview.store.measures import LIMB_SUFFIXES, MEASURES, MONEY, TOKENS, stored_columns
from pumpview.store.money_type import Money

metadata = MetaData()
ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER keys
UNATTRIBUTED = ""
"""The person key of events that carry no ``userEmail`` (removed users): an explicit bucket."""


def _integration_id() -> Column[int]:
    return Column(
        "integration_id", Integer, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False
    )


def _sums() -> list[Column[object]]:
    """The additive measures as stored: counts as integers, money as exact integer limbs
    (``measures.split``), so SQL sums them without floats."""
    return [
        Column(stored, BigInteger if name in MONEY or name in TOKENS else Integer, nullable=False)
        for name in MEASURES
        for stored in stored_columns([name])
    ]


integrations = Table(
    "integrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), nullable=False, unique=True),
    Column("team_name", String(200)),
    Column("key_ciphertext", Text),
    Column("key_hint", String(32)),
    Column("base_url", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text),
    Column("connected_at_ms", BigInteger, nullable=False),
    Column("last_attempt_at_ms", BigInteger),
    Column("last_success_at_ms", BigInteger),
    Column("backfill_days", Integer, nullable=False),
    Column("earliest_day", Date),  # the oldest day the API still returned: Cursor's retention
    Column("provider", String(32), nullable=False, server_default="cursor"),  # 0019
    Column("account", String(200)),  # the upstream account its key reads (0019); None: Cursor
)
"""One connected source: a Cursor team, a Claude Code (Anthropic) organisation, a GitHub
organisation's Copilot; ``provider`` says which (``integrations.providers``)."""

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    _integration_id(),
    Column("owner", String(200), nullable=False),  # host and pid of the process running it
    Column("started_at_ms", BigInteger, nullable=False),
    Column("heartbeat_at_ms", BigInteger, nullable=False),
    Column("finished_at_ms", BigInteger),
    Column("stage", String(16), nullable=False),
    Column("windows_done", Integer, nullable=False),
    Column("windows_total", Integer, nullable=False),
    Column("days_done", Integer, nullable=False),
    Column("days_total", Integer, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("rate_limit_wait_ms", BigInteger, nullable=False),
    Column("outcome", String(16)),  # ok / revoked / error / interrupted; NULL while running
    Column("message", Text),
    Column("stop_requested", Boolean, nullable=False),  # set by a disconnect; the run stops
    Index("ix_sync_runs_integration", "integration_id", "started_at_ms"),
)
"""One row per sync run, updated as it goes: any process can watch a run another is doing."""

sync_leases = Table(
    "sync_leases",
    metadata,
    Column(
        "integration_id",
        Integer,
        ForeignKey("integrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("run_id", Integer, ForeignKey("sync_runs.id"), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
)
"""At most one sync per integration across processes: the running one renews its row; a killed
process's row expires and the next run takes it over."""

upstream_sends = Table(
    "upstream_sends",
    metadata,
    Column("team", String(64), nullable=False),  # the integration's name: one Cursor team
    Column("bucket", String(100), nullable=False),  # the rate limit drawn from (a path)
    Column("sent_at_ms", BigInteger, nullable=False),
    Index("ix_upstream_sends", "team", "bucket", "sent_at_ms"),
)
"""Requests sent to a Cursor team in the last minute, by every process: Cursor's limits are per
team, so a connect's key check and a running sync draw on one budget (``store.budget``)."""

sync_days = Table(
    "sync_days",
    metadata,
    _integration_id(),
    Column("day", Date, nullable=False),
    Column("events", Integer, nullable=False),
    Column("fetched_at_ms", BigInteger, nullable=False),
    Column("version", BigInteger),  # the day's visible facts in ClickHouse (0015); NULL in SQL
    PrimaryKeyConstraint("integration_id", "day"),
)
"""The bookmark: a day is stored completely as of ``fetched_at_ms``; committed with its rows."""

fact_writes = Table(
    "fact_writes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),  # the version its rows carry
    _integration_id(),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("written_at_ms", BigInteger, nullable=False),
    Index("ix_fact_writes_integration", "integration_id"),
    sqlite_autoincrement=True,  # a version is never given twice, even after its row is deleted
)
"""Writes of a window's facts to ClickHouse, each a version, recorded before its rows are sent:
what a crashed write left there is found here and collected (``store.usage.collect``)."""

fact_blocks = Table(
    "fact_blocks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),  # its rows' ``block`` in ClickHouse
    _integration_id(),
    Column("first_day", Date, nullable=False),  # its span: a month, or a slice of one
    Column("last_day", Date, nullable=False),
    Column("digest", String(64)),  # of the bookmarks it summed; NULL while it is being built
    Index("ix_fact_blocks_integration", "integration_id", "first_day"),
    sqlite_autoincrement=True,  # a block id is never given twice
)
"""Blocks of the facts in ClickHouse (migration 0016, ``store.fact_blocks``): a month, or a
slice of one, of final days summed once more, valid while its days' bookmarks give ``digest``."""

usage_events = Table(
    "usage_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    _integration_id(),
    Column("ts_ms", BigInteger, nullable=False),
    Column("day", Date, nullable=False),
    Column("email", String(320), nullable=False),  # lower-case; UNATTRIBUTED when absent
    Column("model", String(200), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("max_mode", Boolean, nullable=False),
    Column("token_based", Boolean, nullable=False),
    Column("chargeable", Boolean, nullable=False),
    Column("headless", Boolean),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cache_write_tokens", BigInteger, nullable=False),
    Column("cache_read_tokens", BigInteger, nullable=False),
    Column("model_cost_cents", Money, nullable=False),
    Column("discount_percent", Money),
    Column("token_fee_cents", Money),
    Column("charged_cents", Money),  # as sent; absent on old payloads
    Column("cost_cents", Money, nullable=False),  # the product's definition (README)
    Column("requests_costs", Money),
    Column("service_account_id", String(100)),
    Column("conversation_id", String(100)),
    Column("extra", Text),  # unknown fields, as JSON
    Index("ix_usage_events_window", "integration_id", "ts_ms"),
)

usage_daily = Table(
    "usage_daily",
    metadata,
    _integration_id(),
    Column("day", Date, nullable=False),
    Column("email", String(320), nullable=False),
    Column("model", String(200), nullable=False),
    Column("kind", String(100), nullable=False),
    *_sums(),
    PrimaryKeyConstraint("integration_id", "day", "email", "model", "kind"),
    Index("ix_usage_daily_person", "integration_id", "email", "day"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key (migration 0002)
)
"""The day x person x model x kind rollup, rebuilt from ``usage_events`` for exactly the days a
sync window touched, in the window's transaction. Indexed per day (the key) and per person, for the
pages that drill into one. A per-model index was measured and dropped: a model's people over a
year took 296 ms at 9.9M events with it or without it, and it slowed every write."""


activity_daily = Table(
    "activity_daily",
    metadata,
    _integration_id(),
    Column("day", Date, nullable=False),
    Column("email", String(320), nullable=False),  # the person key, as in ``usage_daily``
    Column("measure", String(40), nullable=False),  # sessions, lines_added, commits...
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("integration_id", "day", "email", "measure"),
    Index("ix_activity_daily_person", "integration_id", "email", "day"),  # migration 0021
    sqlite_with_rowid=False,
)
"""What a person did with a tool per day, as its provider counts it (migration 0019): Claude
Code's sessions, lines, commits and pull requests, Copilot's accepted lines and active days.
Replaced with the usage of the same days, in the same transaction."""

provider_costs = Table(
    "provider_costs",
    metadata,
    _integration_id(),
    Column("day", Date, nullable=False),
    Column("line", String(300), nullable=False),  # the provider's description of the line
    Column("model", String(200)),
    Column("amount_cents", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    PrimaryKeyConstraint("integration_id", "day", "line"),
)
"""What a provider bills the organisation per day, line by line (migration 0019): Anthropic's
cost report; GitHub's billing usage aggregate (a line per ``sku · model``, its net amount).
Summed in Python (exact), never in SQL."""


def _blocks(name: str, *dimension: Column[str], extra: tuple[Column[str], ...] = ()) -> Table:
    """An aggregate of ``usage_daily`` over aligned blocks of days (``store.blocks``)."""
    return Table(
        name,
        metadata,
        _integration_id(),
        Column("level", Integer, nullable=False),
        Column("first_day", Date, nullable=False),
        *dimension,
        *_sums(),
        *extra,
        PrimaryKeyConstraint("integration_id", "level", "first_day", *(c.name for c in dimension)),
        sqlite_with_rowid=False,
    )


person_blocks = _blocks("person_blocks", Column("email", String(320), nullable=False))
"""Per person and block: the users and requests reports."""
model_blocks = _blocks(
    "model_blocks",
    Column("model", String(200), nullable=False),
    extra=(Column("people", Text, nullable=False),),
)
"""Per model and block: the models report. ``people`` lists who used the model in the block (a
JSON array of emails): distinct users are not additive, so a range's are the union of its
blocks' lists."""
person_model_blocks = _blocks(
    "person_model_blocks",
    Column("email", String(320), nullable=False),
    Column("model", String(200), nullable=False),
)
"""Per person, model and block: what changed between two periods, pair by pair (migration 0007)."""
integration_blocks = _blocks("integration_blocks")
"""Per block for a whole Cursor integration; level 0 is the daily report (migration 0013; it was
``team_blocks``, when "team" meant an integration)."""

cursor_members = Table(
    "cursor_members",
    metadata,
    _integration_id(),
    Column("email", String(320), nullable=False),  # lower-case
    Column("name", String(500)),
    Column("role", String(32)),
    Column("user_id", String(100)),
    Column("is_removed", Boolean, nullable=False),
    Column("service_account_id", String(100)),
    Column("listed_at_ms", BigInteger),  # last time /teams/members listed this person
    Column("first_listed_at_ms", BigInteger),  # first time it did (migration 0014)
    PrimaryKeyConstraint("integration_id", "email"),
)

copilot_seats = Table(
    "copilot_seats",
    metadata,
    _integration_id(),
    Column("login", String(100), nullable=False),  # lower-case GitHub login
    Column("user_id", BigInteger),
    Column("plan_type", String(32)),  # business, enterprise, unknown; None: not given
    Column("created_at_ms", BigInteger),  # when the seat was (last) granted
    Column("pending_cancellation_date", Date),
    Column("last_activity_at_ms", BigInteger),
    Column("listed_at_ms", BigInteger, nullable=False),  # the last sync that listed it
    PrimaryKeyConstraint("integration_id", "login"),
)
"""GitHub Copilot's seats, one row per login (migration 0020): the seat with the latest activity
when a login holds two through two teams; seats without an assignee are not kept."""

spend_snapshots = Table(
    "spend_snapshots",
    metadata,
    _integration_id(),
    Column("taken_at_ms", BigInteger, nullable=False),
    Column("cycle_start", Date, nullable=False),  # the UTC day of ``cycle_start_ms``
    Column("cycle_start_ms", BigInteger, nullable=False),  # ``subscriptionCycleStart`` (0014)
    Column("email", String(320), nullable=False),
    Column("user_id", String(100)),
    Column("spend_cents", Money, nullable=False),
    Column("overall_spend_cents", Money),
    Column("fast_premium_requests", Integer, nullable=False),
    Column("hard_limit_dollars", Money),
    Column("monthly_limit_dollars", Money),
    Column("effective_limit_dollars", Money),
    PrimaryKeyConstraint("integration_id", "taken_at_ms", "email"),
    Index("ix_spend_snapshots_cycle", "integration_id", "cycle_start_ms", "taken_at_ms"),
)
"""``/teams/spend`` as of each sync: past cycles cannot be fetched later, so history accrues. The
last snapshot of a cycle is Cursor's final word on it. A cycle starts at an instant
(``cycle_start_ms``); snapshots stored before migration 0014 kept only its UTC day, and have
that day's midnight."""

billing_groups = Table(
    "billing_groups",
    metadata,
    _integration_id(),
    Column("group_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    PrimaryKeyConstraint("integration_id", "group_id"),
)

group_members = Table(
    "group_members",
    metadata,
    _integration_id(),
    Column("group_id", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("joined_at_ms", BigInteger),  # the group's ``joinedAt`` for the member (0014)
    PrimaryKeyConstraint("integration_id", "email"),
)

# -- the web app's accounts -------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # lower-case
    Column("role", String(16), nullable=False),  # admin or viewer
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("created_at_ms", BigInteger, nullable=False),
)
"""Local accounts of the web app."""

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of a random token
    Column("hint", String(16), nullable=False),  # its first characters, to tell tokens apart
    Column("created_at_ms", BigInteger, nullable=False),
    Column("last_used_at_ms", BigInteger),
)
"""Bearer tokens for scripts, each acting with its user's role. Only hashes are kept."""

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's session id
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
)
"""Signed-in browsers; a sign-out or a removed user ends them at once."""

setup_links = Table(
    "setup_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger),
)
"""One-time links that create the first admin when no user exists yet."""

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key_hash", String(64), nullable=False),  # SHA-256 of "account:EMAIL" or "address:IP"
    Column("failed_at_ms", BigInteger, nullable=False),
    Index("ix_sign_in_failures", "key_hash", "failed_at_ms"),
)
"""Failed sign-ins of the last minute, by account and by address, for every server on the store
(``store.sign_ins``); kept as digests, so the store lists no one's guesses; older rows swept."""

schedule_leases = Table(
    "schedule_leases",
    metadata,
    Column("name", String(32), primary_key=True),  # what is scheduled: "schedule"
    Column("holder", String(200), nullable=False),  # host, pid and a random id of the server
    Column("expires_at_ms", BigInteger, nullable=False),
)
"""The schedule (scheduled syncs, spend snapshots, alert checks) run by one server of many on the
store: the holder renews its row; a stopped server's row expires and another takes it over."""


# -- cloud costs (FOCUS files) ----------------------------------------------------------------

cloud_imports = Table(
    "cloud_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("focus_version", String(8), nullable=False),
    Column("imported_at_ms", BigInteger, nullable=False),
    Column("tag_keys", Text),  # JSON: the owner and team tag keys its costs were attributed by
    Column("state", String(16), nullable=False, server_default="live"),  # or staging
    Column("heartbeat_ms", BigInteger),  # a staging import's latest batch (migration 0012)
)
"""One imported FOCUS file (migration 0009); its rows are in ``cloud_costs``. A file is
``staging`` while its rows are written, batch by batch, and nothing reads it; one short
transaction then replaces its periods and makes it ``live`` (migration 0012)."""

cloud_costs = Table(
    "cloud_costs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column(
        "import_id", Integer, ForeignKey("cloud_imports.id", ondelete="CASCADE"), nullable=False
    ),
    Column("source", String(64), nullable=False),
    Column("billing_period_start", Date, nullable=False),
    Column("charge_day", Date, nullable=False),
    Column("billing_currency", String(32), nullable=False),
    Column("provider", String(200)),
    Column("service_name", String(500)),
    Column("service_category", String(100)),
    Column("sub_account_id", String(500)),
    Column("sub_account_name", String(500)),
    Column("charge_category", String(32)),
    Column("billed_cost", Money, nullable=False),
    Column("effective_cost", Money, nullable=False),
    Column("list_cost", Money),
    Column("contracted_cost", Money),
    Column("tags", Text, nullable=False),
    Column("extra", Text, nullable=False),
    Index("ix_cloud_costs_period", "source", "billing_period_start"),
    Index("ix_cloud_costs_day", "charge_day"),
    Index("ix_cloud_costs_import", "import_id"),  # migration 0012
)
"""A FOCUS cost row, exact in its file's currency (amounts in currency units, not cents), with
its tags and ``x_`` columns as JSON. A source's billing period is replaced whole on re-import:
providers re-deliver whole months, and FOCUS rows have no id."""

CLOUD_COSTS: tuple[str, ...] = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
"""The FOCUS cost columns ``cloud_daily`` sums, each as exact integer limbs."""
CLOUD_STORED = tuple(f"{name}{suffix}" for name in CLOUD_COSTS for suffix in LIMB_SUFFIXES)

cloud_daily = Table(
    "cloud_daily",
    metadata,
    Column(
        "import_id", Integer, ForeignKey("cloud_imports.id", ondelete="CASCADE"), nullable=False
    ),
    Column("source", String(64), nullable=False),
    Column("billing_period_start", Date, nullable=False),
    Column("charge_day", Date, nullable=False),
    Column("currency", String(32), nullable=False),
    Column("provider", String(200), nullable=False),  # "" when the file names none
    Column("service", String(500), nullable=False),  # "" when the file names none
    Column("owner", String(500)),  # the owner tag's value, normalised (``people.aliases.alias``)
    Column("team", String(200)),  # the team tag's value, as written
    Column("rows", Integer, nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in CLOUD_STORED),
    Index("ix_cloud_daily_day", "charge_day"),
    Index("ix_cloud_daily_period", "source", "billing_period_start"),
    Index("ix_cloud_daily_import", "import_id"),  # migration 0012
)
"""``cloud_costs`` summed at import per day, source, provider, service, currency and owner and
team tags (migration 0010): what the reports read. Money as limbs, as the usage blocks keep it,
so SQL sums it exactly. ``owner`` and ``team`` come from the tag keys in force at the import
(``cloud_imports.tag_keys``)."""

cloud_periods = Table(
    "cloud_periods",
    metadata,
    Column("source", String(64), nullable=False),
    Column("billing_period_start", Date, nullable=False),
    Column(
        "import_id", Integer, ForeignKey("cloud_imports.id", ondelete="CASCADE"), nullable=False
    ),
    Column("rows", BigInteger, nullable=False),
    PrimaryKeyConstraint("source", "billing_period_start"),
    Index("ix_cloud_periods_import", "import_id"),
)
"""Which import each source's billing period is read from, and its rows (migration 0017):
written by the swap that makes an import live, on every store. With ClickHouse it is what makes
cost rows visible: a row counts only when its (source, period, import) is named here, in the
reader's snapshot (``store.clickhouse.cloud``)."""

# -- people across sources --------------------------------------------------------------------

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), unique=True),  # lower-case; None for a cloud-only owner
    Column("name", String(500)),
    Column("created_at_ms", BigInteger, nullable=False),
)
"""One person, whatever the source: Cursor's members, a CSV mapping or an admin's edit."""

person_aliases = Table(
    "person_aliases",
    metadata,
    Column("alias", String(500), primary_key=True),  # normalised (``people.aliases.alias``)
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("origin", String(16), nullable=False),  # cursor, csv or admin
    Index("ix_person_aliases_person", "person_id"),
)
"""The values that name a person: their email, and cloud owner tag values such as ``alex``."""

team_memberships = Table(
    "team_memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("team", String(200), nullable=False),
    Column("valid_from", Date),  # inclusive; None: since always
    Column("valid_to", Date),  # exclusive; None: still
    Column("origin", String(16), nullable=False),  # cursor (a billing group), csv or admin
    Index("ix_team_memberships_person", "person_id"),
)
"""Who was in which team when: a cost goes to the team its person was in on its day."""


# -- billing, budgets and alerts (migration 0014) ---------------------------------------------

stored_settings = Table(
    "stored_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)
"""Settings an admin changed in the web app (Settings → Billing: the seat price and plan, the idle
threshold...), as text; the ``PUMPVIEW_*`` variable is the default of one not stored."""

budgets = Table(
    "budgets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("scope", String(16), nullable=False),  # organization, integration, team or person
    Column("scope_value", String(320)),  # None for the organisation
    Column("provider", String(16), nullable=False),  # cursor or all
    Column("period", String(8), nullable=False),  # cycle or month
    Column("measure", String(16), nullable=False),  # bill, on_demand or usage
    Column("amount_cents", Money, nullable=False),
    Column("thresholds", Text, nullable=False),  # a JSON list of percents, ascending
    Column("created_at_ms", BigInteger, nullable=False),
)
"""What a scope may spend per period, and the percents of it at which to alert."""

channels = Table(
    "channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # slack, webhook or email
    Column("name", String(200), nullable=False, unique=True),
    Column("config", Text, nullable=False),  # JSON: what may be shown (host, sender, a URL's hint)
    Column("secret_ciphertext", Text, nullable=False),  # JSON of URL, secret, password, encrypted
    Column("created_at_ms", BigInteger, nullable=False),
)
"""Where alerts go. A webhook's or Slack's URL, a signing secret and an SMTP password are
secrets: encrypted by the vault and never shown again."""

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(500), nullable=False, unique=True),  # rule, scope, period, threshold/day
    Column("rule", String(16), nullable=False),  # budget, forecast, anomaly, idle_seats...
    Column("budget_id", Integer, ForeignKey("budgets.id", ondelete="SET NULL")),
    Column("scope", String(16), nullable=False),
    Column("scope_value", String(320)),
    Column("period", Date),  # the first day of the budget's period
    Column("threshold", Integer),  # the percent crossed
    Column("day", Date),  # the anomaly's day, the digest's, the failure's
    Column("created_at_ms", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON: what the message says, as data
)
"""One alert, once: ``key`` is unique, so however many evaluations, restarts or processes see a
crossing, one row is created, and only its creator queues its deliveries."""

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Integer, ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", String(64), nullable=False),  # the same on every attempt (webhook-id)
    Column("status", String(16), nullable=False),  # pending, sending, sent or failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at_ms", BigInteger, nullable=False),
    Column("claimed_until_ms", BigInteger),  # a sender's lease while it sends
    Column("sent_at_ms", BigInteger),
    Column("last_error", Text),
    Index("ux_deliveries_alert_channel", "alert_id", "channel_id", unique=True),
)
"""An alert to one channel: claimed by one sender at a time, never sent again after a 2xx."""

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False),  # sent, retry or failed
    Column("status_code", Integer),  # the receiver's HTTP status, or SMTP's reply code
    Column("error", Text),
    Index("ix_delivery_attempts_delivery", "delivery_id"),
)
"""Every attempt to deliver, as it went."""
