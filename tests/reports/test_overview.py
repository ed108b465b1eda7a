"""The Overview's "what changed": person x model changes in spend against the previous period,
checked against ground truth summed event by event from the simulator."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pumpview.reports import overview
from pumpview.reports.ranges import Range
from pumpview.simulator import truth as gt
from pumpview.timeutil import MS_PER_DAY, day_start_ms
from tests.reports.test_usage import DAYS, _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


def _pair_spend(team, first: date, last: date) -> dict[tuple[str | None, str], Decimal]:
    events = gt.visible_events(team, day_start_ms(first), day_start_ms(last) + MS_PER_DAY - 1)
    grouped = gt.group(events, lambda e: (gt.by_user(e), gt.by_model(e)), old_api=False)
    return {pair: totals.spend_cents for pair, totals in grouped.items()}


def test_what_changed_names_the_largest_pairs_and_adds_up_exactly(engine, serve):
    served = serve(days=DAYS, members=12)
    _sync(engine, served)
    span = Range("custom", date(2025, 11, 10), date(2025, 11, 23))
    view = overview.build(engine, span)
    assert view is not None

    before = span.previous()
    assert (before.since, before.until) == (date(2025, 10, 27), date(2025, 11, 9))
    now, was = (
        _pair_spend(served.sim.team, span.since, span.until),
        _pair_spend(served.sim.team, before.since, before.until),
    )
    deltas = {p: now.get(p, Decimal(0)) - was.get(p, Decimal(0)) for p in now.keys() | was.keys()}
    rises = sorted((p for p in deltas if deltas[p] > 0), key=lambda p: -deltas[p])[:5]
    falls = sorted((p for p in deltas if deltas[p] < 0), key=lambda p: deltas[p])[:5]
    assert (len(rises), len(falls)) == (5, 5)  # the fixture moves enough pairs both ways

    *shown, rest = view.changes
    assert [(c.email, c.model, c.change_cents) for c in shown] == [
        (*p, deltas[p]) for p in rises + falls
    ]
    assert all(c.spend_cents - c.previous_cents == c.change_cents for c in view.changes)
    assert (rest.model, rest.pairs) == (None, len(deltas) - 10)
    assert rest.change_cents == sum(deltas.values()) - sum(deltas[p] for p in rises + falls)
    assert sum(c.change_cents for c in view.changes) == (
        view.total.spend_cents - view.previous.spend_cents
    )
    assert view.total.spend_cents - view.previous.spend_cents == sum(deltas.values())


def test_nothing_before_the_range_is_all_rises(engine, serve):
    served = serve(days=DAYS, members=4)
    _sync(engine, served)
    first = served.sim.team.first_day
    view = overview.build(engine, Range("custom", first, first + timedelta(days=6)))
    assert view is not None
    assert view.previous.spend_cents == 0
    assert all(c.previous_cents == 0 and c.change_cents >= 0 for c in view.changes)
    assert sum(c.change_cents for c in view.changes) == view.total.spend_cents


def test_a_previous_period_without_usage_has_no_change_to_tell(engine, serve):
    """The first week of the history has nothing before it; a week later in it has."""
    served = serve(days=DAYS, members=4)
    _sync(engine, served)
    first = served.sim.team.first_day
    alone = overview.build(engine, Range("custom", first, first + timedelta(days=6)))
    later = overview.build(engine, Range("custom", first + timedelta(days=7),
                                         first + timedelta(days=13)))  # fmt: skip
    assert alone is not None
    assert later is not None
    start = day_start_ms(first)
    before = gt.visible_events(served.sim.team, start - 7 * MS_PER_DAY, start - 1)
    week_one = gt.visible_events(served.sim.team, start, start + 7 * MS_PER_DAY - 1)
    assert (len(before), bool(week_one)) == (0, True)
    assert (alone.previous_has_data, later.previous_has_data) == (False, True)


def test_ties_go_by_person_then_model_and_the_rest_is_one_exact_line():
    """Six equal rises and six equal falls: the first five of each by (person, model), the
    rises ascending and the falls from the end, as one ordering read both ways."""
    ten = Decimal("10.000000000000000000001")
    now = {(f"p{i}@x", "m"): (1, ten) for i in range(6)}
    before = {(f"q{i}@x", "m"): (1, ten) for i in range(6)}
    now[None, "auto"] = (1, Decimal("0.5"))
    before[None, "auto"] = (1, Decimal("0.25"))
    shown = overview.changes(now, before, {"p0@x": "Pat"})
    assert [(c.email, c.change_cents) for c in shown[:5]] == [(f"p{i}@x", ten) for i in range(5)]
    assert shown[0].name == "Pat"
    assert [(c.email, c.change_cents) for c in shown[5:10]] == [
        (f"q{i}@x", -ten) for i in (5, 4, 3, 2, 1)
    ]
    tail = shown[10]
    assert (tail.email, tail.pairs) == (None, 3)  # p5, q0 and the unattributed bucket
    assert (tail.previous_cents, tail.spend_cents, tail.change_cents) == (
        ten + Decimal("0.25"), ten + Decimal("0.5"), Decimal("0.25"),
    )  # fmt: skip
    assert len(shown) == 11


def test_no_line_for_the_rest_when_it_changed_nothing():
    now = {(f"p{i}@x", "m"): (1, Decimal(i + 1)) for i in range(7)}
    before = {("p5@x", "m"): (1, Decimal(6)), ("p6@x", "m"): (1, Decimal(7))}
    shown = overview.changes(now, before, {})
    assert [c.email for c in shown] == [f"p{i}@x" for i in (4, 3, 2, 1, 0)]
