"""The usage pages' build (People, Models, Requests, Daily): the rows the JSON twin serves and
what the page shows beside them, against the simulator's events."""

from __future__ import annotations

import decimal
from datetime import timedelta
from decimal import Decimal

from pumpview.reports import usage_views
from pumpview.reports.ranges import Range
from pumpview.simulator import truth as gt
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync

LAST = day_of(NOW_MS)
FIRST = LAST - timedelta(days=DAYS - 1)


def test_each_usage_view_carries_its_pages_columns_and_chart(engine, serve):
    """People: each person's last active day; Models: their unit costs and a chart whose series
    add up to the range's spend; Requests: the days of its chart; all from one snapshot."""
    served = serve(members=8, days=DAYS, now_ms=NOW_MS)
    _sync(engine, served)
    team = served.sim.team
    start, end = day_start_ms(FIRST), day_start_ms(LAST) + MS_PER_DAY - 1
    events = gt.visible_events(team, start, end)
    span = Range("custom", FIRST, LAST)

    people = usage_views.build(engine, "users", span)
    last_day: dict[str | None, object] = {}
    for e in events:
        key = gt.by_user(e)
        last_day[key] = max(last_day.get(key, day_of(e.timestamp)), day_of(e.timestamp))
    assert {r.email: a.last_day for r, a in zip(people.rows, people.activity, strict=True)} == (
        last_day
    )

    models = usage_views.build(engine, "models", span)
    truth = gt.overall(team, start, end)
    assert sum((v for s in models.series for v in s.values), Decimal(0)) == truth.spend_cents
    per_model = gt.totals(team, start, end, gt.by_model)  # the simulator's own sums, by hand
    assert {m.model: c["cents_per_request"] for m, c in zip(models.rows, models.unit_costs,
                                                            strict=True)} == {
        model: decimal.Context(prec=28).divide(t.spend_cents, t.events)
        for model, t in per_model.items()
    }  # fmt: skip

    requests = usage_views.build(engine, "requests", span)
    by_day = gt.totals(team, start, end, gt.by_day)
    assert {d.date: d.fast_requests for d in requests.days} == {
        day: t.fast_requests for day, t in by_day.items()
    }
    assert (people.stored, models.stored, requests.stored) == (True, True, True)
