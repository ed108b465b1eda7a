"""AI tool costs as a FOCUS file: Cursor's stored usage events, grouped per UTC day at the grain
the README's "FOCUS export" gives, mapped to rows (``exports.focus.cursor_mapping``), then Claude
Code's and GitHub Copilot's daily usage and Anthropic's bill (``exports.focus.tool_mapping``),
written whole (``exports.focus.writer``), with a metadata file beside it.

The events are read in one streamed query per team, oldest first, and folded one day at a time:
memory holds a day's cells, never a year's events. Each event's list price is the reports' own
rule (``store.rollup.list_cents``), so ``pumpview report providers``' Cursor row (read from the
blocks) is the file's sum, as a test checks. Everything is read in one snapshot, so a sync
committing meanwhile cannot make the rows and the totals differ.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from pumpview.errors import UserInputError
from pumpview.exports.focus import metadata, writer
from pumpview.exports.focus.columns import DEFAULT_VERSION, check_version, columns
from pumpview.exports.focus.cursor_mapping import (
    Account,
    Principal,
    Row,
    Totals,
    UsageKey,
    UsageSums,
    keep,
    seat_row,
    usage_row,
)
from pumpview.exports.focus.pseudonyms import Pseudonyms
from pumpview.exports.focus.tool_mapping import (
    ToolSums,
    anthropic_bill_row,
    claude_code_principal,
    claude_code_row,
    copilot_row,
    copilot_seat_row,
)
from pumpview.reports import copilot_seats, person_keys, seats
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.scope import Scope, scope
from pumpview.store import facts, provider_costs, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT
from pumpview.store.rollup import list_cents
from pumpview.timeutil import MS_PER_DAY, day_start_ms


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export: a range of UTC days (open ends: the stored data's), teams, version."""

    since: date | None = None
    until: date | None = None
    integrations: Sequence[str] | None = None
    provider: str | None = None
    """``cursor``, ``claude-code``, ``copilot``, or every provider (``None`` / ``all``)."""
    version: str = DEFAULT_VERSION
    hash_emails: bool = False
    seats: seats.SeatPlan | None = None
    copilot_prices: CopilotPrices | None = None
    """Each Copilot plan's configured seat price: Copilot's seat rows (none when ``None``)."""


@dataclass(frozen=True, slots=True)
class Exported:
    """What an export wrote, as the CLI says it."""

    path: Path
    metadata: Path
    version: str
    fmt: str
    first: date
    last: date
    totals: Totals
    left_out: int
    """Events of the "Not Charged" kinds without tokens: no cost and no usage to show
    (README, "FOCUS export")."""


# -- reading and grouping -------------------------------------------------------------------------

_EVENT_COLUMNS = ("day", "email", "service_account_id", "model", "kind", "max_mode",
                  "token_based", "headless", "chargeable", "input_tokens", "output_tokens",
                  "cache_write_tokens", "cache_read_tokens", "model_cost_cents",
                  "token_fee_cents", "cost_cents", "charged_cents", "requests_costs",
                  "discount_percent")  # fmt: skip

CellKey = tuple[str, str | None, UsageKey]
"""(email, service account id, the rest of the grain): one usage row."""


@dataclass
class Cells:
    """One team's events of one UTC day, summed per grain cell."""

    integration_id: int
    day: date
    sums: dict[CellKey, UsageSums] = field(default_factory=dict)


def usage_days(conn: Connection, where: Scope) -> Iterator[Cells]:
    """Each team's stored events in the scope, one UTC day at a time, oldest first."""
    read = facts.of(conn)
    start_ms, end_ms = day_start_ms(where.range.since), day_start_ms(where.range.until) + MS_PER_DAY
    for integration_id in where.integration_ids:
        events_read = read.events([integration_id], start_ms, end_ms, _EVENT_COLUMNS)
        for day, of_day in itertools.groupby(events_read, key=itemgetter(0)):
            cells = Cells(integration_id, day)
            with decimal.localcontext(EXACT):  # the sums only: the caller's rows run without it
                for event in of_day:
                    _fold(cells, event)
            yield cells


def _fold(cells: Cells, event: Any) -> None:
    """Add one event (``_EVENT_COLUMNS``) to its cell; exact sums (the caller's context)."""
    (day, email, account, model, kind, max_mode, token_based, headless, chargeable, tokens_in,
     tokens_out, cache_write, cache_read, model_cost, fee, cost, charged, units,
     discount) = event  # fmt: skip
    key = (email, account, UsageKey(day, model, kind, max_mode, token_based, headless))
    sums = cells.sums.get(key)
    if sums is None:
        sums = cells.sums[key] = UsageSums()
    sums.events += 1
    sums.input_tokens += tokens_in
    sums.output_tokens += tokens_out
    sums.cache_write_tokens += cache_write
    sums.cache_read_tokens += cache_read
    sums.model_cost_cents += model_cost
    if fee is not None:
        sums.token_fee_cents += fee
    sums.cost_cents += cost
    if chargeable:
        sums.on_demand_cents += cost
    if charged is not None:
        sums.charged_cents = charged if sums.charged_cents is None else sums.charged_cents + charged
    sums.list_cents += list_cents(kind, token_based, model_cost, fee, charged, units)
    if units is not None:
        sums.requests_costs += units
    if discount is not None and (sums.discount_percent is None or discount > sums.discount_percent):
        sums.discount_percent = discount


def _order(item: tuple[CellKey, UsageSums]) -> tuple[Any, ...]:
    """Rows of a day in a stable order: the same data always gives the same file."""
    (email, account, key), _sums = item
    return (email, account or "", key.model, key.kind, key.max_mode, key.token_based,
            key.headless is None, bool(key.headless))  # fmt: skip


# -- who and which team -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Roster:
    """What the rows say about teams and people, read once per export (rosters are small)."""

    accounts: dict[int, Account]
    service_accounts: dict[tuple[int, str], str | None]
    """(team, service account id) -> its name."""
    groups: dict[tuple[int, str], tuple[str, str]]
    """(team, email) -> (billing group id, its name)."""

    def principal(self, integration_id: int, email: str, account: str | None) -> Principal:
        group = self.groups.get((integration_id, email)) if email else None
        return Principal(
            email=email or None,
            service_account_id=account,
            service_account_name=self.service_accounts.get((integration_id, account))
            if account
            else None,
            group_id=group[0] if group else None,
            group_name=group[1] if group else None,
        )


_ACCOUNT_KINDS = {"cursor": "cursor:team", "claude-code": "anthropic:organization",
                  "copilot": "github:organization"}  # fmt: skip
"""Each provider's integrations as a BillingAccountId prefix."""


def roster(conn: Connection, integration_ids: Sequence[int]) -> Roster:
    """The teams' names, their service accounts' names and who is in which billing group."""
    teams, people = tables.integrations, tables.cursor_members
    groups, members = tables.billing_groups, tables.group_members
    accounts = {
        int(iid): Account(name, team_name or account or name, _ACCOUNT_KINDS.get(kind, kind))
        for iid, name, team_name, kind, account in conn.execute(
            select(teams.c.id, teams.c.name, teams.c.team_name, teams.c.provider,
                   teams.c.account).where(teams.c.id.in_(integration_ids))
        )
    }  # fmt: skip
    service_accounts = {
        (int(iid), account): name
        for iid, account, name in conn.execute(
            select(people.c.integration_id, people.c.service_account_id, people.c.name).where(
                people.c.integration_id.in_(integration_ids),
                people.c.service_account_id.is_not(None),
            )
        )
    }
    names = {
        (int(iid), group_id): name
        for iid, group_id, name in conn.execute(
            select(groups.c.integration_id, groups.c.group_id, groups.c.name).where(
                groups.c.integration_id.in_(integration_ids)
            )
        )
    }
    in_group = {
        (int(iid), email): (group_id, names.get((int(iid), group_id), group_id))
        for iid, email, group_id in conn.execute(
            select(members.c.integration_id, members.c.email, members.c.group_id).where(
                members.c.integration_id.in_(integration_ids)
            )
        )
    }
    return Roster(accounts, service_accounts, in_group)


# -- rows -----------------------------------------------------------------------------------------


@dataclass
class Progress:
    """Counts as rows are made: the events left out."""

    left_out: int = 0
    on_day: Callable[[date], None] | None = None


def kept_cells(
    conn: Connection, where: Scope, progress: Progress | None = None
) -> Iterator[tuple[int, CellKey, UsageSums]]:
    """Every usage cell that becomes a row, team by team, day by day, in a stable order; the
    "Not Charged" events left out are counted in ``progress``."""
    progress = progress or Progress()
    for cells in usage_days(conn, where):
        for cell, sums in sorted(cells.sums.items(), key=_order):
            if keep(cell[2], sums):
                yield cells.integration_id, cell, sums
            else:
                progress.left_out += sums.events
        if progress.on_day is not None:
            progress.on_day(cells.day)


def focus_rows(
    conn: Connection,
    where: Scope,
    version: str,
    names: Pseudonyms,
    known: Roster,
    plan: seats.SeatPlan | None = None,
    progress: Progress | None = None,
    copilot_prices: CopilotPrices | None = None,
) -> Iterator[Row]:
    """Every FOCUS row of the scope (``known``: its integrations' roster): Cursor's usage rows,
    team by team and day by day, then its seat rows (when a seat price is configured), then
    Claude Code's and Copilot's rows (``tool_rows``)."""
    cursor = replace(where, integration_ids=_of(where, "cursor"))
    for integration_id, (email, service, key), sums in kept_cells(conn, cursor, progress):
        who = known.principal(integration_id, email, service)
        yield usage_row(key, sums, known.accounts[integration_id], who, version, names)
    if plan is not None:
        for fee in seats.seat_fees(conn, cursor, plan):
            who = known.principal(fee.integration_id, fee.email, None)
            account = known.accounts[fee.integration_id]
            yield seat_row(fee.month, fee.fee, plan.plan, account, who, version, names)
    yield from tool_rows(conn, where, version, names, known, copilot_prices)


_TOOL_MEASURES = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
                  "estimated_cents", "list_cents", "on_demand_cents")  # fmt: skip


def _of(where: Scope, provider: str) -> tuple[int, ...]:
    return dict(where.providers).get(provider, ())


def tool_rows(
    conn: Connection,
    where: Scope,
    version: str,
    names: Pseudonyms,
    known: Roster,
    copilot_prices: CopilotPrices | None = None,
) -> Iterator[Row]:
    """Claude Code's usage (estimated) and Anthropic's bill, then Copilot's usage and (with
    ``copilot_prices``) its seats, integration by integration, day by day, each day's rows in a
    stable order (``tool_mapping``)."""
    read = facts.of(conn)
    first, last = where.range.since, where.range.until
    for iid in _of(where, "claude-code"):
        account = known.accounts[iid]
        for day, who, model, sums in _tool_cells(read, iid, first, last, estimated=True):
            yield claude_code_row(day, claude_code_principal(who), model, sums, account,
                                  version, names)  # fmt: skip
        for line in provider_costs.lines(conn, [iid], first, last):
            yield anthropic_bill_row(line.day, line.line, line.model, line.cents, account,
                                     version, names)  # fmt: skip
    copilot = _of(where, "copilot")
    emails = person_keys.linked_logins(conn) if copilot else {}
    for iid in copilot:
        account = known.accounts[iid]
        for day, who, model, sums in _tool_cells(read, iid, first, last, estimated=False):
            person = Principal(emails.get(who, who))
            yield copilot_row(day, person, model, sums, account, version, names)
        if copilot_prices is not None:
            for fee in copilot_seats.seat_fees(conn, [iid], first, last, copilot_prices):
                person = Principal(emails.get(fee.person, fee.person))
                yield copilot_seat_row(fee.month, fee.plan, fee.fee, person, account, version,
                                       names)  # fmt: skip


def _tool_cells(
    read: facts.Facts, iid: int, first: date, last: date, *, estimated: bool
) -> list[tuple[date, str, str, ToolSums]]:
    """One integration's (day, person key, model, sums) with any usage, in a stable order:
    the list price is the estimate (Claude Code) or the gross amount (Copilot), billed is 0
    (Claude Code: the bill is its own rows) or the net amount."""
    cells = []
    rows = read.sums([iid], first, last, by=("day", "email", "model"), measures=_TOOL_MEASURES)
    for day, who, model, tokens_in, tokens_out, write, cached, estimate, listed, net in rows:
        price, billed = (estimate, Decimal(0)) if estimated else (listed, net)
        sums = ToolSums(tokens_in, tokens_out, write, cached, price, billed)
        if sums.tokens or sums.list_cents or sums.billed_cents:
            cells.append((day, who, model, sums))
    return sorted(cells, key=lambda cell: cell[:3])


# -- the file ----------------------------------------------------------------------------------


def export(
    engine: Engine,
    out: Path,
    fmt: str,
    request: ExportRequest,
    key: bytes,
    *,
    now_ms: int,
    on_day: Callable[[date], None] | None = None,
) -> Exported:
    """Write the FOCUS file ``out`` and its metadata beside it, each whole or not at all.

    ``key`` makes the principal ids (and with ``hash_emails`` the hashes standing in for
    emails): the installation's derived key, so they are stable across exports."""
    version, fmt = check_version(request.version), writer.check_format(fmt)
    if request.since and request.until and request.since > request.until:
        msg = f"--since {request.since} is after --until {request.until}"
        raise UserInputError(msg)
    names = Pseudonyms(key, request.hash_emails)
    meta = writer.metadata_path(out)
    totals = Totals()
    progress = Progress(on_day=on_day)
    with snapshot(engine) as conn:
        where = scope(conn, request.since, request.until, request.integrations, request.provider)
        if where is None:
            msg = "nothing to export: no usage is stored yet (run pumpview sync)"
            raise UserInputError(msg)
        known = roster(conn, where.integration_ids)
        with writer.staged(out) as data_file, writer.staged(meta) as meta_file:
            rows = focus_rows(
                conn, where, version, names, known, request.seats, progress, request.copilot_prices
            )
            writer.write_rows(data_file, _counted(rows, totals), columns(version), fmt)
            writer.write_json(meta_file, metadata.metadata(
                out.name, fmt, version, (where.range.since, where.range.until),
                known.accounts.values(), totals,
                left_out=progress.left_out, names=names, seats=_seat_terms(request.seats),
                now_ms=now_ms,
            ))  # fmt: skip
    return Exported(
        out, meta, version, fmt, where.range.since, where.range.until, totals, progress.left_out
    )


def _seat_terms(plan: seats.SeatPlan | None) -> tuple[Decimal, str | None] | None:
    return None if plan is None else (plan.price, plan.plan)


def _counted(rows: Iterator[Row], totals: Totals) -> Iterator[Row]:
    for row in rows:
        totals.add_row(row)
        yield row
