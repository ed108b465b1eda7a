"""Import FOCUS files into the store: each file staged in short transactions, then swapped in
at once, replacing exactly the billing periods it holds for its source (providers re-deliver
whole months); a file that fails or is stopped is discarded, so it is seen whole or not at all."""

from __future__ import annotations

import decimal
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pumpview.errors import UserInputError
from pumpview.integrations.focus.reader import CostRow, FocusFile
from pumpview.integrations.focus.tagging import DEFAULT_KEYS, TagKeys
from pumpview.store import cloud, tables
from pumpview.store.cloud_daily import DailySums
from pumpview.store.measures import EXACT
from pumpview.timeutil import now_ms as clock_ms

BATCH = 5000
"""Rows per INSERT, each in a short transaction: memory stays bounded whatever the file's size,
and other writers (a sign-in, a sync) wait for a batch at most, never for the whole file."""
ABANDONED_MS = 10 * 60_000
"""A staging import not written for this long lost its process (killed): the next import
discards it. A live one writes a batch every fraction of a second."""
SOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass
class Imported:
    """What one file brought, as the CLI and the upload page say it."""

    path: Path
    source: str
    version: str
    rows: int = 0
    periods: set[date] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)
    billed: dict[str, Decimal] = field(default_factory=dict)
    """Σ BilledCost per currency (never summed across currencies)."""
    effective: dict[str, Decimal] = field(default_factory=dict)
    replaced: int = 0
    """Rows of earlier imports of the same source and periods, now gone."""
    repaired: int = 0
    period_end: datetime | None = None
    """The latest BillingPeriodEnd (exclusive, as FOCUS has it)."""

    @property
    def days(self) -> tuple[date, date] | None:
        """The UTC days the file's billing periods cover, first and last (inclusive): the
        range to see its costs in."""
        if not self.periods or self.period_end is None:
            return None
        return min(self.periods), (self.period_end - timedelta(microseconds=1)).date()


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an import has got: the rows stored so far, and the reader's ``done`` of
    ``total`` (bytes of a CSV as stored, rows of a Parquet file), for a bar and its ETA."""

    rows: int
    done: int
    total: int
    import_id: int = 0
    """The staging import (0 before it exists): what to discard if the process dies."""

    @property
    def fraction(self) -> float:
        """The share of the file read, 0 to 1 (a bar's length, not money)."""
        return self.done / self.total if self.total else 0.0


def source_name(text: str) -> str:
    """A source name as given (``--source``) or derived from a provider's name."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-")
    if not SOURCE.match(name):
        msg = f"source {text!r}: use letters, digits, dots, dashes (up to 64)"
        raise UserInputError(msg, field="source")
    return name


def import_file(
    engine: Engine,
    path: Path,
    *,
    source: str | None,
    now_ms: int,
    on_progress: Callable[[Progress], None] | None = None,
    keys: TagKeys = DEFAULT_KEYS,
) -> Imported:
    """Read ``path`` and store it whole, replacing its source's periods; nothing is kept of a
    file with a malformed row. ``source`` defaults to the provider of its first row; ``keys``
    name the tags that say who owns a cost. ``on_progress`` hears before the first batch,
    after each and once more before the swap; an exception it raises ends the import with
    nothing stored (how the web app stops one)."""
    focus = FocusFile(path)
    rows = focus.rows()
    first = next(rows, None)
    if first is None:
        msg = f"{path.name}: no cost rows after the header"
        raise UserInputError(msg)
    name = source_name(source or first.provider or path.stem)
    done = Imported(path=path, source=name, version=focus.version)

    import_id = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(Progress(done.rows, *focus.progress, import_id))

    report()
    with engine.begin() as conn:
        for stale in cloud.abandoned(conn, clock_ms() - ABANDONED_MS):
            cloud.discard(conn, stale)
    cloud.collect(engine)  # ClickHouse: what earlier imports replaced, discarded or left
    with engine.begin() as conn:
        import_id = cloud.new_import(conn, name, path.name, focus.version, now_ms, keys.to_json(),
                                     heartbeat_ms=clock_ms())  # fmt: skip
    try:
        with decimal.localcontext(EXACT):
            sums = DailySums(keys)
            batch: list[dict[str, Any]] = []
            for row in itertools.chain([first], rows):
                batch.append(_record(row, import_id, name))
                _count(done, row)
                _sum(sums, row)
                if len(batch) == BATCH:
                    with engine.begin() as conn:  # staged: a short write, seen by nothing
                        cloud.add_rows(conn, batch)
                        cloud.heartbeat(conn, import_id, clock_ms())
                    batch = []
                    report()
            daily = _daily(sums, import_id, name, path)
            report()  # the last word a caller may stop it with: once swapped in, it is kept
            # The swap: the file's periods, whole, at once. With ClickHouse the rows and sums
            # are sent first, then the metadata's transaction names them (``store.cloud``).
            with engine.begin() as conn:
                cloud.add_rows(conn, batch)
                cloud.add_daily(conn, daily)
                done.replaced = cloud.swap(conn, import_id, name, sums.period_rows())
    except BaseException:
        with engine.begin() as conn:
            cloud.discard(conn, import_id)
        raise
    done.repaired = focus.repaired
    return done


def _sum(sums: DailySums, row: CostRow) -> None:
    sums.add(
        billing_period=row.billing_period_start.date(), charge_day=row.charge_period_start.date(),
        currency=row.billing_currency, provider=row.provider, service=row.service_name,
        tags=row.tags, costs=(row.billed_cost, row.effective_cost, row.list_cost,
                              row.contracted_cost),
    )  # fmt: skip


_TAG_CHARS = {name: int(getattr(tables.cloud_daily.c[name].type, "length", 0))
              for name in ("owner", "team")}  # fmt: skip
_INT64 = 2**63
"""What the store's integer columns hold (``BIGINT``): a day's sum past it is refused."""


def _daily(sums: DailySums, import_id: int, source: str, path: Path) -> list[dict[str, Any]]:
    """The day's sums as ``cloud_daily`` rows, each within what its columns hold: a tag value
    or a sum too large is one clear error naming the file (a database error, before)."""
    try:
        records = list(sums.records(import_id, source))
    except ValueError as exc:
        msg = f"{path.name}: {exc}"
        raise UserInputError(msg) from None
    for record in records:
        for name, limit in _TAG_CHARS.items():
            value = record[name]
            if value is not None and len(value) > limit:
                msg = (f"{path.name}: the {name} tag {value[:40]!r}… is {len(value):,} "
                       f"characters long; at most {limit:,} are kept")  # fmt: skip
                raise UserInputError(msg)
        if any(not -_INT64 <= record[limb] < _INT64 for limb in tables.CLOUD_STORED):
            msg = (
                f"{path.name}: the costs of {record['charge_day']} for "
                f"{record['provider'] or 'no provider'} add up past what the store holds"
            )
            raise UserInputError(msg)
    return records


def _count(done: Imported, row: CostRow) -> None:
    done.rows += 1
    done.periods.add(row.billing_period_start.date())
    if done.period_end is None or row.billing_period_end > done.period_end:
        done.period_end = row.billing_period_end
    if row.provider:
        done.providers.add(row.provider)
    currency = row.billing_currency
    done.billed[currency] = done.billed.get(currency, Decimal(0)) + row.billed_cost
    done.effective[currency] = done.effective.get(currency, Decimal(0)) + row.effective_cost


def _record(row: CostRow, import_id: int, source: str) -> dict[str, Any]:
    return {
        "import_id": import_id, "source": source,
        "billing_period_start": row.billing_period_start.date(),
        "charge_day": row.charge_period_start.date(),
        "billing_currency": row.billing_currency, "provider": row.provider,
        "service_name": row.service_name, "service_category": row.service_category,
        "sub_account_id": row.sub_account_id, "sub_account_name": row.sub_account_name,
        "charge_category": row.charge_category,
        "billed_cost": row.billed_cost, "effective_cost": row.effective_cost,
        "list_cost": row.list_cost, "contracted_cost": row.contracted_cost,
        "tags": json.dumps(row.tags, ensure_ascii=False, sort_keys=True),
        "extra": json.dumps(row.extra, ensure_ascii=False, sort_keys=True),
    }  # fmt: skip
