"""People across sources (with aliases and team memberships over time) and cloud costs summed
at import to the grain the reports read.

``cloud_daily`` is filled here from the rows already imported, attributed by the default tag
keys, as an import summed them at this revision. What it needs of the import's attribution and
sums is frozen below: the live code may change after this revision, a migration may not.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from pumpview.store.measures import EXACT, LIMB_SUFFIXES, split

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COSTS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
_STORED = tuple(f"{name}{suffix}" for name in _COSTS for suffix in LIMB_SUFFIXES)
_DAILY_KEY = ("import_id", "source", "billing_period_start", "charge_day", "currency",
              "provider", "service", "owner", "team", "rows")  # fmt: skip
_OWNER_KEYS, _TEAM_KEYS = ("owner", "email"), ("team", "costcenter")
"""The default tag keys of this revision, normalised (``cost-center`` is ``costcenter``)."""
_TAG_KEYS = '{"owner": ["owner", "email"], "team": ["team", "costcenter"]}'
"""The keys as ``cloud_imports.tag_keys`` records them."""
_PREFIXES = ("resourcetags/", "user:", "accounttag/", "costcategory/", "userattribute/")
_SEPARATORS = re.compile(r"[\s_-]+")


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "person_aliases",
        sa.Column("alias", sa.String(length=500), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias"),
    )
    op.create_index("ix_person_aliases_person", "person_aliases", ["person_id"])
    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_memberships_person", "team_memberships", ["person_id"])
    op.create_table(
        "cloud_daily",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("billing_period_start", sa.Date(), nullable=False),
        sa.Column("charge_day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=500), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _STORED),
        sa.ForeignKeyConstraint(["import_id"], ["cloud_imports.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_cloud_daily_day", "cloud_daily", ["charge_day"])
    op.create_index("ix_cloud_daily_period", "cloud_daily", ["source", "billing_period_start"])
    op.add_column("cloud_imports", sa.Column("tag_keys", sa.Text(), nullable=True))
    _fill_cloud_daily()


def _fill_cloud_daily() -> None:
    """Each import's rows summed per grain as an import summed them, by the default keys; read
    with this revision's columns, so a later change to the tables cannot break it."""
    bind = op.get_bind()
    daily = sa.table("cloud_daily", *(sa.column(c) for c in (*_DAILY_KEY, *_STORED)))
    for import_id, source in bind.execute(sa.text("SELECT id, source FROM cloud_imports")).all():
        sums: dict[tuple[object, ...], tuple[int, tuple[Decimal, ...]]] = {}
        costs = bind.execute(
            sa.text(
                "SELECT billing_period_start, charge_day, billing_currency, provider,"
                " service_name, tags, billed_cost, effective_cost, list_cost, contracted_cost"
                " FROM cloud_costs WHERE import_id = :i"
            ),
            {"i": import_id},
        )
        with decimal.localcontext(EXACT):
            for period, day, currency, provider, service, tags, *amounts in costs:
                owner, team = _attribute(json.loads(tags))
                grain = (_as_date(period), _as_date(day), currency, provider or "", service or "",
                         owner, team)  # fmt: skip
                rows, before = sums.get(grain, (0, (Decimal(0),) * len(_COSTS)))
                added = tuple(
                    b + (0 if a is None else Decimal(str(a)))
                    for b, a in zip(before, amounts, strict=True)
                )
                sums[grain] = (rows + 1, added)
        records = [
            {
                **dict(zip(_DAILY_KEY, (import_id, source, *grain, rows), strict=True)),
                **dict(zip(_STORED, [limb for a in amounts for limb in split(a)], strict=True)),
            }
            for grain, (rows, amounts) in sums.items()
        ]
        if records:
            bind.execute(daily.insert(), records)
        bind.execute(
            sa.text("UPDATE cloud_imports SET tag_keys = :k WHERE id = :i"),
            {"k": _TAG_KEYS, "i": import_id},
        )


def _attribute(tags: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(owner alias, team) of a row's tags by the default keys, first match wins: keys compared
    without case, provider prefixes and separators; the owner trimmed and lower-cased."""
    found: dict[str, str] = {}
    for key, value in tags.items():
        text = "" if value is None or isinstance(value, bool) else str(value).strip()
        if text:
            found.setdefault(_normal_key(key), text)
    owner = next((found[key] for key in _OWNER_KEYS if key in found), None)
    team = next((found[key] for key in _TEAM_KEYS if key in found), None)
    return (owner.strip().lower() if owner else None), team


def _normal_key(key: str) -> str:
    key = key.strip().lower()
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key, stripped = key[len(prefix) :], True
    return _SEPARATORS.sub("", key)


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def downgrade() -> None:
    op.drop_column("cloud_imports", "tag_keys")
    op.drop_table("cloud_daily")
    op.drop_table("team_memberships")
    op.drop_table("person_aliases")
    op.drop_table("persons")
