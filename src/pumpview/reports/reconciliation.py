"""Reconciliation: Cursor's own figures for a billing cycle beside Pump View's, per member.

Cursor's word is the cycle's LAST ``/teams/spend`` snapshot (for the open cycle, the latest):
``spendCents`` (on-demand) and ``overallSpendCents`` (usage value) per member. Pump View's is
the same measures summed from the stored events of exactly the same window, from the cycle's
start instant to the snapshot's time, ``[start, taken_at)`` (``reports.window``). A difference is
Cursor's figure minus Pump View's; a row ``matches`` when every difference is within
``max(1 cent, 0.1 % of Cursor's figure)``, else it ``differs``, and the likely cause is
computed from the data, first that fits in this order (``CAUSES``):

1. ``not_on_roster``: the member is on one side only (Pump View has events for an email
   Cursor's snapshot does not list, such as a service account or a removed member; or the
   snapshot lists an email the members list does not).
2. ``events_after_snapshot``: the member's first events after the snapshot's time add up to
   the difference (Cursor answered a little after the sync began: the spend is read after the
   usage windows, hours later in a long backfill).
3. ``unattributed_events``: Cursor's figure is higher and the window's events without an email
   (removed users) add up to at least the difference. The bucket of those events is a row of
   its own, with this cause.
4. ``provisional_days``: the window holds days Cursor may still revise (``store.usage.is_final``):
   the next syncs read them again.

None fits: ``cause`` is ``None`` and pages say "unexplained". Exact Decimal throughout.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from pumpview.errors import UserInputError
from pumpview.reports import cycles, snapshots, usage, window
from pumpview.reports.cycles import Cycle
from pumpview.reports.plain import Plain, plain
from pumpview.reports.scope import integration_ids
from pumpview.store import facts, tables
from pumpview.store import integrations as integrations_store
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, ZERO, Measures
from pumpview.store.usage import is_final
from pumpview.timeutil import MS_PER_HOUR, day_of, parse_day

MATCHES, DIFFERS = "matches", "differs"
CAUSES = {
    "not_on_roster": "On one side only: Cursor's spend snapshot or the members list lacks "
    "this email (a service account, or a member removed)",
    "events_after_snapshot": "Cursor counted events made just after the snapshot's time: "
    "the member's next events add up to the difference",
    "unattributed_events": "Events without an email (removed users) in the window could explain it",
    "provisional_days": "The window holds days Cursor may still revise; the next syncs read "
    "them again",
}
"""Each computed cause, in the order they are tried, with what pages say."""
UNEXPLAINED = "Unexplained: no computed cause fits"
LABELS = {
    "not_on_roster": "On one side only",
    "events_after_snapshot": "Events just after the snapshot",
    "unattributed_events": "Events without an email",
    "provisional_days": "Days still provisional",
    None: "Unexplained",
}
"""Each cause in a few words, for a table's cell; ``CAUSES`` says it whole."""
TOLERANCE_CENTS = Decimal(1)
TOLERANCE_SHARE = Decimal("0.001")
LATE_MS = 6 * MS_PER_HOUR
"""How long after its recorded time a snapshot may have been answered (a backfill's windows
come first): ``events_after_snapshot`` looks this far."""


class UnknownCycle(UserInputError):
    """``?cycle=`` names no cycle with a spend snapshot."""


@dataclass(frozen=True, slots=True)
class Row:
    """One member of one integration in one cycle: Cursor's figures beside Pump View's."""

    integration: str
    email: str | None
    """Lower-case; ``None`` for the events without an email."""
    name: str | None
    cursor_on_demand_cents: Decimal | None
    """``spendCents``; ``None`` when the snapshot does not list the email."""
    on_demand_cents: Decimal
    on_demand_difference_cents: Decimal | None
    """Cursor's minus Pump View's (Cursor's taken as 0 when it does not list the email);
    ``None`` when Cursor's snapshot has no on-demand figure (the 2025 API: see ``_row``)."""
    cursor_usage_cents: Decimal | None
    """``overallSpendCents``; ``None`` when not listed or the API sent none."""
    usage_cents: Decimal
    usage_difference_cents: Decimal | None
    """``None`` when Cursor listed the email without ``overallSpendCents``."""
    status: str
    cause: str | None
    in_snapshot: bool
    on_roster: bool
    cycle_start_ms: int
    """The cycle's start instant (Cursor's ``subscriptionCycleStart``)."""
    snapshot_taken_at_ms: int
    """When the snapshot compared was taken: the window's end."""

    @property
    def largest_difference(self) -> Decimal:
        return max(abs(self.on_demand_difference_cents or ZERO),
                   abs(self.usage_difference_cents or ZERO))  # fmt: skip


COLUMNS = ("email", "name", "integration", "cycle", "cursor_on_demand_cents", "on_demand_cents",
           "on_demand_difference_cents", "cursor_usage_cents", "usage_cents",
           "usage_difference_cents", "status", "cause", "cause_text", "in_snapshot", "on_roster",
           "cycle_start_ms", "snapshot_taken_at_ms")  # fmt: skip
"""A row's fields, in order: the JSON and CSV contract of the API and the CLI (``plain_rows``);
``cycle`` is the first day of the cycle, as ``?cycle=`` takes it."""


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over the members Cursor's snapshot lists (both sides), and Pump View's figures for
    everything else in the window (emails the snapshot lacks and events without an email)."""

    cursor_on_demand_cents: Decimal | None
    on_demand_cents: Decimal
    on_demand_difference_cents: Decimal | None
    cursor_usage_cents: Decimal | None
    usage_cents: Decimal
    usage_difference_cents: Decimal | None
    status: str
    members: int
    matching: int
    differing: int
    outside_on_demand_cents: Decimal
    """Pump View's on-demand of rows Cursor's snapshot does not list."""
    outside_usage_cents: Decimal


@dataclass(frozen=True, slots=True)
class Side:
    """One integration's reconciliation for its cycle."""

    integration: str
    display_name: str
    cycle: Cycle
    taken_at_ms: int | None
    """The snapshot compared; ``None``: no snapshot of this cycle yet."""
    rows: tuple[Row, ...]
    totals: Totals


@dataclass(frozen=True, slots=True)
class Reconciliation:
    cycle: str
    """``current`` or the first day ``YYYY-MM-DD`` asked for."""
    sides: tuple[Side, ...]
    rows: tuple[Row, ...]
    """Every side's rows, the largest difference first."""
    totals: Totals | None
    """Over every side (each its own cycle); ``None`` without a snapshot."""
    cycles: tuple[date, ...]
    """The first days of the cycles with snapshots, newest first (the picker)."""


def within(difference: Decimal, cursor: Decimal | None) -> bool:
    """|difference| <= max(1 cent, 0.1 % of Cursor's figure)."""
    with decimal.localcontext(EXACT):
        allowed = max(TOLERANCE_CENTS, abs(cursor or ZERO) * TOLERANCE_SHARE)
        return abs(difference) <= allowed


def build(
    engine: Engine, cycle: str, now_ms: int, integrations: Sequence[str] | None = None
) -> Reconciliation:
    """The reconciliation of ``cycle`` (``current`` or a first day ``YYYY-MM-DD``) on every
    integration with snapshots, or the ones named; ``UnknownCycle`` for a day no cycle with a
    snapshot starts on, ``UserInputError`` for a malformed one."""
    day: date | None = None
    if cycle != "current":
        try:
            day = parse_day(cycle)
        except ValueError as exc:
            msg = f"cycle must be current or a first day YYYY-MM-DD: {exc}"
            raise UserInputError(msg) from None
    with snapshot(engine) as conn:
        ids = integration_ids(conn, integrations)
        names = {iid: name for name, iid in integrations_store.ids(conn).items()}
        shown = integrations_store.display_names(conn)
        sides: list[Side] = []
        available: set[date] = set()
        for iid in ids:
            taken = snapshots.taken(conn, iid)
            available.update(t.cycle.first_day for t in taken)
            if not taken:
                continue
            if day is None:
                open_cycle = cycles.current(conn, iid, now_ms)
                last = next((t for t in taken if t.cycle.start_ms == open_cycle.start_ms), None)
                chosen = last.cycle if last else open_cycle
            else:
                last = next((t for t in taken if t.cycle.first_day == day), None)
                if last is None:
                    continue
                chosen = last.cycle
            name = names[iid]
            sides.append(_side(conn, iid, name, shown.get(name, name), chosen,
                               last.taken_at_ms if last else None))  # fmt: skip
    if day is not None and not sides:
        listed = ", ".join(str(d) for d in sorted(available, reverse=True)) or "none yet"
        msg = f"no spend snapshot of a cycle starting on {day}; cycles with one: {listed}"
        raise UnknownCycle(msg)
    rows = sorted((r for s in sides for r in s.rows),
                  key=lambda r: (-r.largest_difference, r.integration, r.email or ""))  # fmt: skip
    compared = [s.totals for s in sides if s.taken_at_ms is not None]
    return Reconciliation(
        cycle=cycle if day is None else str(day), sides=tuple(sides), rows=tuple(rows),
        totals=_sum_totals(compared) if compared else None,
        cycles=tuple(sorted(available, reverse=True)),
    )  # fmt: skip


def _side(
    conn: Connection, iid: int, name: str, display: str, cycle: Cycle, taken_at: int | None
) -> Side:
    if taken_at is None:
        return Side(name, display, cycle, None, (), _sum_totals([]))
    listed = {m.email: m for m in snapshots.members(conn, iid, taken_at)}
    end = min(taken_at, cycle.end_ms)  # a snapshot is of its own cycle: never past its end
    ours = window.per_person(conn, [iid], cycle.start_ms, end)
    roster = integrations_store.roster(conn, iid)
    people = _names(conn, iid)
    unattributed = ours.get(tables.UNATTRIBUTED, Measures())
    provisional = _provisional(conn, iid, cycle.start_ms, end)
    at = (cycle.start_ms, taken_at)
    rows: list[Row] = []
    for email in sorted(set(listed) | set(ours)):
        mine = ours.get(email, Measures())
        theirs = listed.get(email)
        if email == tables.UNATTRIBUTED:
            rows.append(_row(at, name, None, usage.UNATTRIBUTED_NAME, None, mine, on_roster=False,
                             cause=lambda _r: "unattributed_events"))  # fmt: skip
            continue
        on_roster = email in roster

        def cause(row: Row, email: str = email, on_roster: bool = on_roster) -> str | None:
            if not row.in_snapshot or not on_roster:
                return "not_on_roster"
            if _after(conn, iid, email, taken_at, cycle.end_ms, row):
                return "events_after_snapshot"
            if _unattributed_explains(row, unattributed):
                return "unattributed_events"
            return "provisional_days" if provisional else None

        rows.append(_row(at, name, email, people.get(email), theirs, mine, on_roster=on_roster,
                         cause=cause))  # fmt: skip
    rows.sort(key=lambda r: (-r.largest_difference, r.email or ""))
    return Side(name, display, cycle, taken_at, tuple(rows), _totals(rows))


def _names(conn: Connection, iid: int) -> dict[str, str | None]:
    people = tables.cursor_members
    query = select(people.c.email, people.c.name).where(people.c.integration_id == iid)
    return {str(email): name for email, name in conn.execute(query)}


def _row(
    at: tuple[int, int],
    integration: str,
    email: str | None,
    name: str | None,
    theirs: snapshots.Member | None,
    mine: Measures,
    *,
    on_roster: bool,
    cause: Callable[[Row], str | None],
) -> Row:
    cursor_od = theirs.on_demand_cents if theirs else None
    cursor_use = theirs.usage_cents if theirs else None
    if theirs is not None and cursor_use is None:
        # The 2025 API had no overallSpendCents and its spendCents was the cycle's total
        # (docs then: "Total spend in cents"): a usage value, and no on-demand figure.
        cursor_od, cursor_use = None, theirs.on_demand_cents
    listed = theirs is not None
    od_diff = _difference(cursor_od, mine.on_demand_cents, listed)
    use_diff = _difference(cursor_use, mine.spend_cents, listed)
    same = _same(od_diff, cursor_od) and _same(use_diff, cursor_use)
    row = Row(
        integration=integration, email=email, name=name, cursor_on_demand_cents=cursor_od,
        on_demand_cents=mine.on_demand_cents, on_demand_difference_cents=od_diff,
        cursor_usage_cents=cursor_use, usage_cents=mine.spend_cents,
        usage_difference_cents=use_diff, status=MATCHES if same else DIFFERS, cause=None,
        in_snapshot=theirs is not None, on_roster=on_roster, cycle_start_ms=at[0],
        snapshot_taken_at_ms=at[1],
    )  # fmt: skip
    if same:
        return row
    return replace(row, cause=cause(row))


def _difference(cursor: Decimal | None, ours: Decimal, listed: bool) -> Decimal | None:
    """Cursor's minus ours; Cursor's is 0 for an email it does not list, unknown (``None``) for
    a figure its snapshot lacks."""
    if listed and cursor is None:
        return None
    with decimal.localcontext(EXACT):
        return (cursor or ZERO) - ours


def _same(difference: Decimal | None, cursor: Decimal | None) -> bool:
    """Within the tolerance, or not compared (no such figure from Cursor)."""
    return difference is None or within(difference, cursor)


def _after(conn: Connection, iid: int, email: str, taken_at: int, end_ms: int, row: Row) -> bool:
    """Whether the member's first events after ``taken_at`` (within ``LATE_MS``, inside the
    cycle) add up to both differences."""
    if (row.on_demand_difference_cents or ZERO) <= 0 and (row.usage_difference_cents or ZERO) <= 0:
        return False
    found = facts.of(conn).events(
        [iid], taken_at, min(end_ms, taken_at + LATE_MS), ("cost_cents", "chargeable"), email=email
    )
    on_demand = usage_value = ZERO
    with decimal.localcontext(EXACT):
        for cost, chargeable in found:
            usage_value += cost
            if chargeable:
                on_demand += cost
            od, use = row.on_demand_difference_cents, row.usage_difference_cents
            if _same(None if od is None else od - on_demand, row.cursor_on_demand_cents) and _same(
                None if use is None else use - usage_value, row.cursor_usage_cents
            ):
                return True
    return False


def _unattributed_explains(row: Row, unattributed: Measures) -> bool:
    """Cursor's figures are higher, and the events without an email hold at least as much."""
    pairs = [
        (row.on_demand_difference_cents, row.cursor_on_demand_cents, unattributed.on_demand_cents),
        (row.usage_difference_cents, row.cursor_usage_cents, unattributed.spend_cents),
    ]
    differing = [(d, c, u) for d, c, u in pairs if d is not None and not within(d, c)]
    with decimal.localcontext(EXACT):
        return bool(differing) and all(d > 0 and (u >= d or within(d - u, c))
                                       for d, c, u in differing)  # fmt: skip


def _provisional(conn: Connection, iid: int, start_ms: int, end_ms: int) -> bool:
    """Whether a day of ``[start_ms, end_ms)`` is not final (or was never read)."""
    if end_ms <= start_ms:
        return False
    days = tables.sync_days
    first, last = day_of(start_ms), day_of(end_ms - 1)
    fetched = dict(
        conn.execute(
            select(days.c.day, days.c.fetched_at_ms).where(
                days.c.integration_id == iid, days.c.day.between(first, last)
            )
        ).all()
    )
    day = first
    while day <= last:
        if not is_final(day, fetched.get(day)):
            return True
        day += timedelta(days=1)
    return False


def _totals(rows: Sequence[Row]) -> Totals:
    listed = [r for r in rows if r.in_snapshot]
    outside = [r for r in rows if not r.in_snapshot]
    with decimal.localcontext(EXACT):
        cursor_od = _sum_known([r.cursor_on_demand_cents for r in listed])
        od = sum((r.on_demand_cents for r in listed), ZERO)
        cursor_use = _sum_known([r.cursor_usage_cents for r in listed])
        use = sum((r.usage_cents for r in listed), ZERO)
        outside_od = sum((r.on_demand_cents for r in outside), ZERO)
        outside_use = sum((r.usage_cents for r in outside), ZERO)
    od_diff = _difference(cursor_od, od, listed=True)
    use_diff = _difference(cursor_use, use, listed=True)
    same = _same(od_diff, cursor_od) and _same(use_diff, cursor_use)
    matching = sum(1 for r in rows if r.status == MATCHES)
    return Totals(cursor_od, od, od_diff, cursor_use, use, use_diff, MATCHES if same else DIFFERS,
                  len(rows), matching, len(rows) - matching, outside_od, outside_use)  # fmt: skip


def _sum_known(values: Sequence[Decimal | None]) -> Decimal | None:
    """The exact sum, or ``None`` when any is unknown (a total of part of Cursor's figures
    would read as a difference)."""
    known = [v for v in values if v is not None]
    if len(known) < len(values):
        return None
    with decimal.localcontext(EXACT):
        return sum(known, ZERO)


def _sum_totals(parts: Sequence[Totals]) -> Totals:
    with decimal.localcontext(EXACT):
        cursor_od = _sum_known([t.cursor_on_demand_cents for t in parts])
        od = sum((t.on_demand_cents for t in parts), ZERO)
        cursor_use = _sum_known([t.cursor_usage_cents for t in parts])
        use = sum((t.usage_cents for t in parts), ZERO)
        outside_od = sum((t.outside_on_demand_cents for t in parts), ZERO)
        outside_use = sum((t.outside_usage_cents for t in parts), ZERO)
    od_diff = _difference(cursor_od, od, listed=True)
    use_diff = _difference(cursor_use, use, listed=True)
    same = _same(od_diff, cursor_od) and _same(use_diff, cursor_use)
    members = sum(t.members for t in parts)
    matching = sum(t.matching for t in parts)
    return Totals(cursor_od, od, od_diff, cursor_use, use, use_diff, MATCHES if same else DIFFERS,
                  members, matching, members - matching, outside_od, outside_use)  # fmt: skip


def cause_text(cause: str | None, row: Row | None = None) -> str:
    """A cause in words (``None``: unexplained); a one-sided row says which side lacks it."""
    if cause is None:
        return UNEXPLAINED
    if cause == "not_on_roster" and row is not None:
        if not row.in_snapshot:
            return "Not in Cursor's spend snapshot: Cursor does not list this email for the " \
                   "cycle (a service account, or a member removed)"  # fmt: skip
        return "Not on the members list Pump View last read from Cursor"
    return CAUSES[cause]


def plain_rows(rows: Sequence[Row]) -> list[dict[str, Plain]]:
    """Rows as the API and the CLI give them (``COLUMNS``): exact decimal strings in cents."""
    out = []
    for row in rows:
        values = {f.name: getattr(row, f.name) for f in fields(Row)}
        values["cycle"] = day_of(row.cycle_start_ms)
        values["cause_text"] = None if row.status == MATCHES else cause_text(row.cause, row)
        out.append({c: plain(values[c]) for c in COLUMNS})
    return out
