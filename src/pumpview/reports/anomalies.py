"""Anomalies: the complete days on which a person's or a team's usage value was far above their
usual (``baselines.judge``), each explained by person x model in the words of "What changed".

A person is an email, summed over the integrations read (events without an email are no one's);
a team is the people directory's: a person's usage value counts for the team they were in on
that day (``people.membership.team_on``), and people in no team are in none. Only complete days
are judged, and only complete days make a baseline: a provisional day is still growing
(``completeness.complete_through``). A key's history starts on its first day with an event, so a
newcomer is not judged before ``baselines.MIN_HISTORY`` days of usage.

Reads are each person's usage value per day and, for each anomaly's drivers, per person x
model x day (``store.facts``), exact.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, select

from pumpview.people.membership import team_on
from pumpview.reports import usage
from pumpview.reports.attribution import Directory
from pumpview.reports.baselines import BASELINE_DAYS, FACTOR, FLOOR_CENTS, Baseline, judge
from pumpview.reports.completeness import complete_through
from pumpview.reports.drivers import drivers, message, pair_days
from pumpview.reports.overview import CHANGE_COLUMNS, Change
from pumpview.reports.plain import records
from pumpview.reports.ranges import Range
from pumpview.reports.scope import integration_ids, of_ids
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT

SCOPES = ("person", "team")
DEFAULT_DAYS = 30
"""Days judged when a report names no range: the last 30 complete days."""

_ONE = timedelta(days=1)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Anomaly:
    """One key's unusual day."""

    scope: str
    """``person`` or ``team``."""
    scope_value: str
    """The person's email, or the team's name."""
    day: date
    value_cents: Decimal
    """The day's usage value."""
    baseline_cents: Decimal
    """The usual: the median usage value of the complete days before (``history_days``)."""
    mad_cents: Decimal
    """Their median absolute deviation from it."""
    threshold_cents: Decimal
    """What the day exceeded: baseline + max(factor x scale, floor) (``baselines``)."""
    excess_cents: Decimal
    """``value_cents - baseline_cents``: what the drivers add up to."""
    history_days: int
    drivers: tuple[Change, ...]
    """Person x model pairs, the largest rise first, against each pair's own median over the
    same days (``previous_cents``), then "everyone else": the lines add up exactly to the day's
    usage value (``spend_cents``), the baseline (``previous_cents``) and the excess
    (``change_cents``)."""
    message: str


COLUMNS = ("scope", "scope_value", "day", "value_cents", "baseline_cents", "mad_cents",
           "threshold_cents", "excess_cents", "history_days", "message")  # fmt: skip
"""An anomaly's fields in JSON and CSV (JSON adds ``drivers``, in ``overview.CHANGE_COLUMNS``)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A key's day above its threshold, before its drivers are read."""

    scope: str
    scope_value: str
    day: date
    value_cents: Decimal
    baseline: Baseline


def detect(
    conn: Connection,
    first_day: date,
    last_day: date,
    *,
    integrations: Sequence[str] | None = None,
    factor: Decimal = FACTOR,
    floor_cents: Decimal = FLOOR_CENTS,
    scopes: Sequence[str] = SCOPES,
) -> list[Verdict]:
    """The days ``find`` flags, without their drivers: one read of the people's daily sums
    (what a benchmark sweeping factors and floors needs)."""
    return _detect(conn, first_day, last_day, integrations, factor, floor_cents, scopes)[0]


def _detect(
    conn: Connection,
    first_day: date,
    last_day: date,
    integrations: Sequence[str] | None,
    factor: Decimal,
    floor_cents: Decimal,
    scopes: Sequence[str],
) -> tuple[list[Verdict], tuple[int, ...], Directory]:
    ids = integration_ids(conn, integrations)
    directory = Directory(conn)
    through = complete_through(conn, ids)
    last = min(last_day, through) if through is not None else None
    if last is None or first_day > last:
        return [], ids, directory
    start = first_day - timedelta(days=BASELINE_DAYS)
    days, active = _person_days(conn, ids, start, last)
    before = _active_before(conn, ids, start)
    keyed: dict[tuple[str, str], dict[date, Decimal]] = {}
    began: dict[tuple[str, str], date] = {}
    for email, values in days.items():
        if "person" in scopes:
            keyed["person", email] = values
            began["person", email] = date.min if email in before else active[email]
        if "team" in scopes:
            _add_teams(directory, email, values, email in before, start, keyed, began)
    found = [
        Verdict(scope, value, day, series.get(day, ZERO), base)
        for (scope, value), series in sorted(keyed.items())
        for day, base in _judged(series, began[scope, value], first_day, last, factor,
                                 floor_cents)
    ]  # fmt: skip
    return found, ids, directory


def find(
    conn: Connection,
    first_day: date,
    last_day: date,
    *,
    integrations: Sequence[str] | None = None,
    factor: Decimal = FACTOR,
    floor_cents: Decimal = FLOOR_CENTS,
    scopes: Sequence[str] = SCOPES,
) -> list[Anomaly]:
    """The anomalies of every complete day in ``[first_day, last_day]``, per person and per
    team (``scopes``), each with its drivers; by day, then the largest excess first. An unknown
    integration name is a ``UserInputError``."""
    found, ids, directory = _detect(conn, first_day, last_day, integrations, factor,
                                    floor_cents, scopes)  # fmt: skip
    if not found:
        return []
    names = usage.names(conn, of_ids(conn, ids, Range("custom", first_day, last_day)))
    explained = [_explain(conn, ids, directory, names, v) for v in found]
    return sorted(explained, key=lambda a: (a.day, -a.excess_cents, a.scope, a.scope_value))


def latest(
    conn: Connection,
    *,
    days: int = 1,
    integrations: Sequence[str] | None = None,
    factor: Decimal = FACTOR,
    floor_cents: Decimal = FLOOR_CENTS,
) -> list[Anomaly]:
    """The anomalies of the latest ``days`` complete days: what an alert rule asks after each
    sync (29 days of person sums read, whatever the history)."""
    through = complete_through(conn, integration_ids(conn, integrations))
    if through is None:
        return []
    return find(conn, through - timedelta(days=days - 1), through, integrations=integrations,
                factor=factor, floor_cents=floor_cents)  # fmt: skip


def run(
    engine: Engine,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    *,
    factor: Decimal = FACTOR,
    floor_cents: Decimal = FLOOR_CENTS,
) -> list[Anomaly]:
    """``find`` over ``[since, until]`` in one snapshot; an open end is the latest complete day,
    an open start ``DEFAULT_DAYS`` before the end."""
    with snapshot(engine) as conn:
        last = until or complete_through(conn, integration_ids(conn, integrations))
        if last is None:
            return []
        first = since or last - timedelta(days=DEFAULT_DAYS - 1)
        return find(conn, first, last, integrations=integrations, factor=factor,
                    floor_cents=floor_cents)  # fmt: skip


# -- reads ------------------------------------------------------------------------------------


def _person_days(
    conn: Connection, ids: tuple[int, ...], first: date, last: date
) -> tuple[dict[str, dict[date, Decimal]], dict[str, date]]:
    """Each person's usage value per day of ``[first, last]`` with an event (summed over the
    integrations), and their first such day."""
    rows = facts.of(conn).sums(
        ids, first, last, by=("day", "email"), measures=("events", "spend_cents")
    )
    days: dict[str, dict[date, Decimal]] = {}
    active: dict[str, date] = {}
    for day, email, events, spend in rows:
        if email == tables.UNATTRIBUTED or not events:
            continue
        days.setdefault(email, {})[day] = spend
        active[email] = min(active.get(email, day), day)
    return days, active


def _active_before(conn: Connection, ids: tuple[int, ...], day: date) -> set[str]:
    """The people with an event stored before ``day``: their history begins before it."""
    oldest = conn.execute(
        select(func.min(tables.sync_days.c.day)).where(tables.sync_days.c.integration_id.in_(ids))
    ).scalar()
    if oldest is None or oldest >= day:
        return set()
    rows = facts.of(conn).sums(ids, oldest, day - _ONE, by=("email",), measures=("events",))
    return {email for email, events in rows if events}


def _add_teams(
    directory: Directory,
    email: str,
    values: dict[date, Decimal],
    old: bool,
    start: date,
    keyed: dict[tuple[str, str], dict[date, Decimal]],
    began: dict[tuple[str, str], date],
) -> None:
    """Add a person's days to the teams they were in on each; a team's history begins before
    ``start`` when someone with usage before it was in the team then."""
    person = directory.who(email, email=True).person
    if person is None:
        return
    with decimal.localcontext(EXACT):
        for day, cents in values.items():
            team = team_on(person.memberships, day)
            if team is None:
                continue
            sums = keyed.setdefault(("team", team), {})
            sums[day] = sums.get(day, ZERO) + cents
            began["team", team] = min(began.get(("team", team), day), day)
    if old:
        for m in person.memberships:
            if m.team and m.overlaps(date.min, start - _ONE):
                began["team", m.team] = date.min


def _judged(
    series: dict[date, Decimal],
    began: date,
    first: date,
    last: date,
    factor: Decimal,
    floor_cents: Decimal,
) -> Iterable[tuple[date, Baseline]]:
    """Each day of ``[first, last]`` that ``series`` (zero on days not in it) is an anomaly on."""
    day = first
    while day <= last:
        value = series.get(day, ZERO)
        history = _history(series, began, day)
        # A day at or under the floor above the history's least is never over the threshold.
        if history and value > EXACT.add(min(history), floor_cents):
            verdict = judge(value, history, factor=factor, floor_cents=floor_cents)
            if verdict is not None:
                yield day, verdict
        day += _ONE


def _history_days(began: date, day: date) -> list[date]:
    """The days of ``day``'s baseline: the ``BASELINE_DAYS`` before it, from ``began`` on."""
    first = max(day - timedelta(days=BASELINE_DAYS), began)
    return [first + timedelta(days=i) for i in range((day - first).days)]


def _history(series: dict[date, Decimal], began: date, day: date) -> list[Decimal]:
    return [series.get(d, ZERO) for d in _history_days(began, day)]


# -- drivers ----------------------------------------------------------------------------------


def _explain(
    conn: Connection,
    ids: tuple[int, ...],
    directory: Directory,
    names: dict[str | None, str | None],
    verdict: Verdict,
) -> Anomaly:
    """``verdict``'s anomaly, its drivers read and its message written."""
    scope, value, day, base = verdict.scope, verdict.scope_value, verdict.day, verdict.baseline
    spent = verdict.value_cents
    history = _history_days(_first_history_day(day, base), day)
    pairs = pair_days(conn, ids, directory, scope, value, history[0], day)
    lines = drivers(pairs, history, day, spent, base.median, names)
    with decimal.localcontext(EXACT):
        excess = spent - base.median
    return Anomaly(
        scope=scope, scope_value=value, day=day, value_cents=spent, baseline_cents=base.median,
        mad_cents=base.mad, threshold_cents=base.threshold, excess_cents=excess,
        history_days=base.days, drivers=lines,
        message=message(scope, value, day, spent, base.median, lines),
    )  # fmt: skip


def _first_history_day(day: date, base: Baseline) -> date:
    return day - timedelta(days=base.days)


def to_json(anomalies: Sequence[Anomaly]) -> list[dict[str, object]]:
    """Anomalies as plain data (``COLUMNS``, then ``drivers`` in ``overview.CHANGE_COLUMNS``):
    money as exact decimal strings in cents, days ``YYYY-MM-DD``."""
    return [
        {**row, "drivers": records(a.drivers, CHANGE_COLUMNS)}
        for a, row in zip(anomalies, records(anomalies, COLUMNS), strict=True)
    ]
