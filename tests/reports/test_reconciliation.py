"""Reconciliation: Cursor's last spend snapshot of a cycle beside Pump View's sums over exactly
the same window, per member, with the cause of a difference computed from the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select

from pumpview.errors import UserInputError
from pumpview.reports import reconciliation, snapshots
from pumpview.reports.reconciliation import DIFFERS, MATCHES, UnknownCycle
from pumpview.simulator import truth as gt
from pumpview.store import tables
from pumpview.timeutil import MS_PER_HOUR, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

CYCLE = day_start_ms(date(2025, 11, 1)) + 17 * MS_PER_HOUR + 23 * 60_000
"""The simulator's cycle open at ``NOW_MS``: from 17:23 UTC on 1 November."""
"""The simulator's cycle open at ``NOW_MS`` (2025-11-24 16:00): it starts at midnight on the 1st."""


def _synced(engine, serve, days=30):
    served = serve(days=days, members=12)
    _sync(engine, served)
    return served.sim.team


def _snapshot(conn, taken_at_ms):
    return [row._asdict() for row in conn.execute(
        select(tables.spend_snapshots).where(tables.spend_snapshots.c.taken_at_ms == taken_at_ms)
    )]  # fmt: skip


def _reseed(engine, rows):
    """Replace every stored snapshot by ``rows`` (what Cursor would have said)."""
    with engine.begin() as conn:
        conn.execute(delete(tables.spend_snapshots))
        conn.execute(insert(tables.spend_snapshots), rows)


def test_every_member_cursor_lists_matches_the_events_exactly(engine, serve):
    """The simulator's spend ledger is its events: every listed member matches to the last
    decimal, the totals match, and what Cursor does not list (the service account, the events
    without an email) is on a row of its own with its computed cause."""
    team = _synced(engine, serve)
    got = reconciliation.build(engine, "current", NOW_MS)
    assert gt.cycle_start(team) == CYCLE
    truth = gt.totals(team, CYCLE, NOW_MS - 1, gt.by_user)
    (side,) = got.sides
    assert (side.cycle.start_ms, side.taken_at_ms) == (CYCLE, NOW_MS)
    listed = [r for r in got.rows if r.in_snapshot]
    assert len(listed) == len([m for m in team.members if m.listed])
    for row in listed:
        assert row.status == MATCHES, row
        assert row.cause is None
        assert row.cursor_on_demand_cents == row.on_demand_cents == truth[row.email].on_demand_cents
        assert row.cursor_usage_cents == row.usage_cents == truth[row.email].spend_cents
        assert row.on_demand_difference_cents == row.usage_difference_cents == 0
    outside = {r.email: r for r in got.rows if not r.in_snapshot}
    assert set(outside) == {e for e in truth if e not in {r.email for r in listed}}
    assert outside[None].cause == "unattributed_events"
    assert outside[None].usage_cents == truth[None].spend_cents
    for email, row in outside.items():
        assert (row.status, row.cursor_usage_cents) == (DIFFERS, None)
        assert row.usage_difference_cents == -truth[email].spend_cents
        if email is not None:
            assert row.cause == "not_on_roster"
    totals = got.totals
    assert totals is not None
    assert totals.status == MATCHES
    assert (
        totals.cursor_usage_cents
        == totals.usage_cents
        == sum((truth[r.email].spend_cents for r in listed), Decimal(0))
    )
    assert totals.outside_usage_cents == sum((truth[e].spend_cents for e in outside), Decimal(0))
    assert (
        totals.cursor_usage_cents + totals.outside_usage_cents
        == gt.overall(team, CYCLE, NOW_MS - 1).spend_cents
    )
    assert got.cycles == (date(2025, 11, 1),)


def test_a_cycle_starting_mid_day_splits_that_days_events_at_its_instant(engine, serve):
    """Cursor says the cycle began at an event's own instant on a 17:23 afternoon: that event
    is counted in the new cycle, the day's earlier events are not, and each member matches
    the simulator's events of exactly [start, snapshot)."""
    team = _synced(engine, serve)
    start = day_start_ms(date(2025, 11, 10)) + 17 * MS_PER_HOUR + 23 * 60_000
    first = min(e.timestamp for e in team.events_between(start, start + MS_PER_HOUR)
                if e.email is not None)  # fmt: skip
    assert start <= first < start + MS_PER_HOUR
    truth = gt.totals(team, first, NOW_MS - 1, gt.by_user)
    with engine.connect() as conn:
        rows = _snapshot(conn, NOW_MS)
    _reseed(engine, [
        {**row, "cycle_start_ms": first, "cycle_start": date(2025, 11, 10),
         "spend_cents": truth.get(row["email"], gt.Totals()).on_demand_cents,
         "overall_spend_cents": truth.get(row["email"], gt.Totals()).spend_cents}
        for row in rows
    ])  # fmt: skip
    got = reconciliation.build(engine, "2025-11-10", NOW_MS)
    (side,) = got.sides
    assert side.cycle.start_ms == first
    listed = [r for r in got.rows if r.in_snapshot]
    assert listed
    assert all(r.status == MATCHES for r in listed)
    assert {r.email: r.usage_cents for r in listed} == {
        r["email"]: truth[r["email"]].spend_cents if r["email"] in truth else Decimal(0)
        for r in rows
    }
    boundary = next(e for e in team.events_between(first, first) if e.email is not None)
    email = boundary.email.lower()
    later = gt.totals(team, first + 1, NOW_MS - 1, gt.by_user)[email].spend_cents
    mine = next(r for r in listed if r.email == email)
    assert mine.usage_cents - later == sum(
        (e.charged_cents for e in team.events_between(first, first) if e.email == boundary.email),
        Decimal(0),
    )  # the event at exactly the instant is the new cycle's


def test_a_snapshot_that_differs_names_its_computed_cause(engine, serve):
    """Seeded differences: an amount the events without an email could explain, one they
    could not (the window's last days are still provisional), and one explained by the
    member's events just after the snapshot's recorded time."""
    team = _synced(engine, serve)
    with engine.connect() as conn:
        rows = {row["email"]: row for row in _snapshot(conn, NOW_MS)}
    unattributed = gt.totals(team, CYCLE, NOW_MS - 1, gt.by_user)[None]
    small, large = sorted(e for e, r in rows.items() if r["spend_cents"] > 0)[:2]
    rows[small] = {**rows[small],
                   "spend_cents": rows[small]["spend_cents"] + unattributed.on_demand_cents / 2,
                   "overall_spend_cents": rows[small]["overall_spend_cents"]
                   + unattributed.spend_cents / 2}  # fmt: skip
    rows[large] = {**rows[large], "spend_cents": rows[large]["spend_cents"] + 100_000}
    taken = NOW_MS - 3 * MS_PER_HOUR  # Cursor answered at NOW_MS; the sync said 3 hours earlier
    seeded = [{**row, "taken_at_ms": taken} for row in rows.values()]
    _reseed(engine, seeded)
    got = {r.email: r for r in reconciliation.build(engine, "current", NOW_MS).rows}
    assert (got[small].status, got[small].cause) == (DIFFERS, "unattributed_events")
    assert got[small].on_demand_difference_cents == unattributed.on_demand_cents / 2
    assert (got[large].status, got[large].cause) == (DIFFERS, "provisional_days")
    after = gt.totals(team, taken, NOW_MS - 1, gt.by_user)
    moved = [e for e in after if e is not None and e not in (small, large) and e in rows]
    assert moved, "some listed member has events in the last three hours"
    for email in moved:
        assert got[email].on_demand_difference_cents == after[email].on_demand_cents
        assert got[email].usage_difference_cents == after[email].spend_cents
        if got[email].status == DIFFERS:
            assert got[email].cause == "events_after_snapshot"
    assert any(got[email].status == DIFFERS for email in moved)


def test_a_difference_no_cause_fits_is_unexplained(engine, serve):
    """A past cycle (from 20 October: the backfill holds it whole) whose days are all final, a
    member Cursor says spent less than the events hold: no computed cause fits, so the cause is
    None and the words say "unexplained"."""
    team = _synced(engine, serve, days=60)
    october, end = day_start_ms(date(2025, 10, 20)), CYCLE
    truth = gt.totals(team, october, end - 1 - 10 * 60_000, gt.by_user)
    with engine.connect() as conn:
        current = _snapshot(conn, NOW_MS)
    who = min(r["email"] for r in current if r["email"] in truth)
    past = [
        {**row, "taken_at_ms": end - 10 * 60_000, "cycle_start_ms": october,
         "cycle_start": date(2025, 10, 20),
         "spend_cents": truth.get(row["email"], gt.Totals()).on_demand_cents,
         "overall_spend_cents": truth.get(row["email"], gt.Totals()).spend_cents
         - (50 if row["email"] == who else 0)}
        for row in current
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(tables.spend_snapshots), past)
    got = reconciliation.build(engine, "2025-10-20", NOW_MS)
    row = next(r for r in got.rows if r.email == who)
    assert (row.status, row.cause, row.usage_difference_cents) == (DIFFERS, None, -50)
    assert reconciliation.cause_text(row.cause, row).startswith("Unexplained")
    assert all(r.status == MATCHES for r in got.rows if r.in_snapshot and r.email != who)
    assert got.cycles == (date(2025, 11, 1), date(2025, 10, 20))


def test_a_cycle_without_a_snapshot_is_an_error_that_lists_the_known_ones(engine, serve):
    _synced(engine, serve)
    with pytest.raises(UnknownCycle, match="2025-11-01"):
        reconciliation.build(engine, "2025-10-01", NOW_MS)
    with pytest.raises(UserInputError, match="YYYY-MM-DD"):
        reconciliation.build(engine, "last", NOW_MS)


def test_a_snapshot_is_due_in_the_last_hour_of_a_known_cycle_only(engine):
    """Before the last hour: not due; in it: due unless one was taken in the last 10 minutes;
    with no snapshot at all (a calendar month, no known rollover): not due."""
    end = day_start_ms(date(2025, 12, 1)) + 17 * MS_PER_HOUR + 23 * 60_000
    with engine.begin() as conn:
        conn.execute(insert(tables.integrations).values(
            id=1, name="cursor", base_url="http://x", status="connected", backfill_days=30,
            connected_at_ms=NOW_MS))  # fmt: skip
        assert not snapshots.due(conn, 1, end - 30 * 60_000)
        row = {"integration_id": 1, "taken_at_ms": NOW_MS, "cycle_start": date(2025, 11, 1),
               "cycle_start_ms": CYCLE, "email": "a@acme.dev", "spend_cents": Decimal(0),
               "fast_premium_requests": 0}  # fmt: skip
        conn.execute(insert(tables.spend_snapshots), [row])
        assert not snapshots.due(conn, 1, end - MS_PER_HOUR - 1)
        assert snapshots.due(conn, 1, end - MS_PER_HOUR)
        conn.execute(insert(tables.spend_snapshots), [{**row, "taken_at_ms": end - 15 * 60_000}])
        assert not snapshots.due(conn, 1, end - 5 * 60_000 - 1)  # 9:59.999 after it
        assert snapshots.due(conn, 1, end - 5 * 60_000)  # 10 minutes after it
        assert not snapshots.due(conn, 1, end + 5 * 60_000)  # the next cycle's first hour


def test_two_cursor_teams_each_have_their_totals_and_the_overall_adds_them(engine, serve):
    """Each integration is reconciled against its own snapshot; the overall totals are the
    sums of the two, exactly, and every row says its integration."""
    first = _synced(engine, serve)
    second = serve(days=30, members=6, seed=2, domain="beta.dev")
    _sync(engine, second, name="beta")
    got = reconciliation.build(engine, "current", NOW_MS)
    assert sorted(s.integration for s in got.sides) == ["beta", "cursor"]
    by_name = {s.integration: s.totals for s in got.sides}
    assert got.totals is not None
    for name in ("cursor_usage_cents", "usage_cents", "cursor_on_demand_cents", "on_demand_cents",
                 "outside_usage_cents"):  # fmt: skip
        assert getattr(got.totals, name) == sum(
            (getattr(t, name) for t in by_name.values()), Decimal(0)
        )
    assert got.totals.members == len(got.rows) == sum(t.members for t in by_name.values())
    truth = gt.totals(second.sim.team, CYCLE, NOW_MS - 1, gt.by_user)
    beta = [r for r in got.rows if r.integration == "beta" and r.in_snapshot]
    assert beta
    assert all(r.usage_cents == truth[r.email].spend_cents for r in beta)
    assert all(r.status == MATCHES for r in beta)
    assert {r.integration for r in got.rows if r.email and r.email.endswith("@acme.dev")} == {
        "cursor"
    }
    assert first.members


def test_a_2025_snapshot_without_overall_spend_is_compared_as_the_cycles_total(engine, serve):
    """The 2025 API sent no ``overallSpendCents`` and its ``spendCents`` was the cycle's total
    (reference §4): it is compared with the usage value, on-demand is not compared, and every
    member still matches; the totals say on-demand is unknown."""
    team = _synced(engine, serve)
    truth = gt.totals(team, CYCLE, NOW_MS - 1, gt.by_user)
    with engine.connect() as conn:
        rows = _snapshot(conn, NOW_MS)
    _reseed(engine, [
        {**row, "spend_cents": truth.get(row["email"], gt.Totals()).spend_cents,
         "overall_spend_cents": None}
        for row in rows
    ])  # fmt: skip
    got = reconciliation.build(engine, "current", NOW_MS)
    listed = [r for r in got.rows if r.in_snapshot]
    assert listed
    for row in listed:
        assert (row.status, row.cause) == (MATCHES, None)
        assert row.cursor_usage_cents == row.usage_cents == truth[row.email].spend_cents
        assert (row.cursor_on_demand_cents, row.on_demand_difference_cents) == (None, None)
    assert got.totals is not None
    assert (got.totals.status, got.totals.on_demand_difference_cents) == (MATCHES, None)
    assert got.totals.usage_difference_cents == 0
