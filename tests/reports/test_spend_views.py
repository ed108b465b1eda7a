"""The Cloud page's build: its tiles and its chart sum each provider's cost exactly, against the
simulated bill's own cells and the simulator's events (kept apart from the product)."""

from __future__ import annotations

from decimal import Decimal

from pumpview.reports import spend_views
from pumpview.reports.ranges import Range
from pumpview.simulator import truth as gt
from pumpview.timeutil import MS_PER_DAY, day_start_ms
from tests.reports.test_spend import FIRST, LAST, store  # noqa: F401 - the fixture

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

ZERO = Decimal(0)


def test_the_cloud_pages_tiles_and_chart_are_each_providers_exact_cost(store):  # noqa: F811
    """One tile per provider and currency, and one chart series per provider whose buckets add
    up to the same cost in cents: AWS from the bill's EffectiveCost cells, Cursor its on-demand
    spend (FOCUS: effective = on-demand)."""
    engine, team, rows = store
    start, end = day_start_ms(FIRST), day_start_ms(LAST) + MS_PER_DAY - 1
    on_demand = gt.overall(team, start, end).on_demand_cents
    aws = sum((Decimal(row["EffectiveCost"]) for row in rows), ZERO)
    view = spend_views.build(engine, "providers", Range("custom", FIRST, LAST), by_service=True)
    assert {(t.provider, t.currency): t.effective_cost for t in view.totals} == {
        ("AWS", "USD"): aws,
        ("Cursor", "USD"): on_demand / 100,
    }
    assert [t.provider for t in view.totals] == sorted(
        ["AWS", "Cursor"], key=lambda p: -(aws if p == "AWS" else on_demand / 100)
    )
    assert {s.name: sum(s.values, ZERO) for s in view.series} == {
        "AWS": aws * 100,
        "Cursor": on_demand,
    }
    assert len(view.buckets) == (LAST - FIRST).days + 1
    assert view.currencies == ("USD",)


def test_nothing_stored_is_an_empty_view_without_a_chart(engine):
    """Before any sync or import, every spend view is empty and says nothing is stored."""
    for kind in ("providers", "people", "teams"):
        view = spend_views.build(engine, kind, Range("custom", FIRST, LAST))
        assert (view.stored, view.rows, view.totals, view.series) == (False, (), (), ())
