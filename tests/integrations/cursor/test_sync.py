"""The Cursor sync against the simulator, on SQLite and PostgreSQL: exact, idempotent, resumable."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
import stamina
from sqlalchemy import Engine, select

from pumpview.errors import AuthError, ServerError, UserInputError
from pumpview.integrations import runner
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.integrations.syncing import SyncResult, plan_windows, status_of
from pumpview.reports import usage
from pumpview.simulator import DEMO_KEY, DEMO_LEGACY_KEY, Faults, Grant
from pumpview.simulator import truth as gt
from pumpview.store import integrations, tables
from pumpview.store.facts import clickhouse
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, day_of, day_start_ms
from tests.conftest import NOW_MS, Served, events_seen

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

BACKFILL_DAYS = 20
START = day_start_ms(day_of(NOW_MS) - timedelta(days=BACKFILL_DAYS - 1))


@pytest.fixture(autouse=True)
def _no_sleep() -> Iterator[None]:
    """Retries keep the client's own bound but never sleep."""
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def _integration(engine: Engine, served: Served) -> int:
    with engine.begin() as conn:
        return integrations.save(
            conn,
            {
                "name": "cursor",
                "base_url": served.url,
                "status": "connected",
                "connected_at_ms": NOW_MS,
                "backfill_days": BACKFILL_DAYS,
            },
        )


class Interrupt(BaseException):
    """Stands for the process being killed at a given request."""


def _transport(before: Callable[[int], None]) -> httpx.BaseTransport:
    """A real HTTP transport that runs ``before(n)`` ahead of the n-th request (1-based)."""
    real = httpx.HTTPTransport()
    count = 0

    class Hook(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal count
            count += 1
            before(count)
            return real.handle_request(request)

        def close(self) -> None:
            real.close()

    return Hook()


def sync(
    engine: Engine,
    served: Served,
    *,
    key: str = DEMO_KEY,
    before: Callable[[int], None] | None = None,
    now_ms: int = NOW_MS,
) -> tuple[SyncResult, CursorClient]:
    iid = _integration(engine, served)
    transport = _transport(before) if before else None
    with served.client(key, transport=transport) as http:
        client = CursorClient(http, pacing=False)
        result = CursorSync(engine, client, iid, now_ms=now_ms, backfill_days=BACKFILL_DAYS).run()
    return result, client


def assert_users_exact(
    engine: Engine, served: Served, start: int = START, now_ms: int = NOW_MS
) -> None:
    """Every per-user figure equals the generator's ground truth over the synced range, from
    ``start`` (the backfill's first day) to ``now_ms``."""
    expected = gt.totals(served.sim.team, start, now_ms, gt.by_user)
    got = {u.email: u for u in usage.run(engine, "users")}
    assert set(got) == set(expected)
    for email, want in expected.items():
        have = got[email]
        for field in dataclasses.fields(want):
            assert getattr(have, field.name) == getattr(want, field.name), (email, field.name)


def test_backfill_matches_ground_truth_per_user(engine, serve):
    """Per-user events, spend, tokens and request classes equal the generator's, to the digit."""
    served = serve()
    sync(engine, served)
    assert_users_exact(engine, served)


def test_a_backfill_and_a_later_sync_are_exact_at_any_hour(engine, serve, instant):
    """At each fixed instant (a Monday just after midnight, mid-week noon, the last seconds of a
    month and a year) a backfill is exact, and a sync an hour later adds the new hour's
    events and no duplicate."""
    served = serve(now_ms=instant)
    result, _client = sync(engine, served, now_ms=instant)
    assert result.events == events_seen(engine) > 0
    start = day_start_ms(day_of(instant) - timedelta(days=BACKFILL_DAYS - 1))
    assert_users_exact(engine, served, start, instant)
    later = instant + MS_PER_HOUR
    served.sim.team.set_now(later)
    sync(engine, served, now_ms=later)
    assert_users_exact(engine, served, start, later)


def test_backfill_matches_ground_truth_per_model_and_day(engine, serve):
    """Per-model and per-day totals equal the generator's ground truth."""
    served = serve()
    sync(engine, served)
    team = served.sim.team
    by_model = gt.totals(team, START, NOW_MS, gt.by_model)
    models = {m.model: m for m in usage.run(engine, "models")}
    assert {m: (t.events, t.spend_cents, t.token_fee_cents) for m, t in by_model.items()} == {
        m: (r.events, r.spend_cents, r.token_fee_cents) for m, r in models.items()
    }
    assert {m: len({gt.by_user(e) for e in gt.visible_events(team, START, NOW_MS) if e.model == m})
            for m in by_model} == {m: r.users for m, r in models.items()}  # fmt: skip
    by_day = gt.totals(team, START, NOW_MS, gt.by_day)
    assert {d: (t.events, t.spend_cents) for d, t in by_day.items()} == {
        r.date: (r.events, r.spend_cents) for r in usage.run(engine, "daily")
    }


def test_data_has_the_hard_cases(engine, serve):
    """The synced data contains duplicates, unattributed events, a service account and noise."""
    served = serve()
    sync(engine, served)
    emails = {u.email for u in usage.run(engine, "users")}
    assert None in emails
    with engine.connect() as conn:
        accounts = (
            conn.execute(
                select(tables.cursor_members.c.email).where(
                    tables.cursor_members.c.service_account_id.is_not(None)
                )
            )
            .scalars()
            .all()
        )
    assert accounts == ["agent-runner@acme.dev"]
    events = gt.visible_events(served.sim.team, START, NOW_MS)
    assert len({e.json for e in events}) < len(events)  # true duplicates were kept
    assert events_seen(engine) == len(events)


def test_second_sync_adds_nothing_and_rereads_only_recent_days(engine, serve):
    """A second sync an hour later leaves the totals exact and re-reads only non-final days."""
    served = serve()
    sync(engine, served)
    before = events_seen(engine)
    result, client = sync(engine, served, now_ms=NOW_MS + 1)
    assert events_seen(engine) == before
    assert_users_exact(engine, served)
    assert result.windows == 1  # today and the three trailing days, in one window
    assert client.stats.requests_by_path["/teams/filtered-usage-events"] == 1


def test_a_later_sync_picks_up_new_and_late_events(engine, serve):
    """Hours later, with new events today and late ones yesterday, the next sync stores them all:
    a sync that never re-read recent days would fail this."""
    served = serve()
    sync(engine, served)
    before = events_seen(engine)
    team = served.sim.team
    yesterday = day_start_ms(day_of(NOW_MS)) - MS_PER_DAY
    late = team.add_arrivals(yesterday, yesterday + MS_PER_DAY - 1, 17)
    later = NOW_MS + 6 * MS_PER_HOUR
    team.set_now(later)
    sync(engine, served, now_ms=later)
    visible = gt.visible_events(team, START, later)
    assert events_seen(engine) == len(visible)
    assert len(visible) > before + len(late)  # today's new events arrived too
    expected = gt.totals(team, START, later, gt.by_user)
    got = {u.email: u for u in usage.run(engine, "users")}
    assert {e: (t.events, t.spend_cents) for e, t in expected.items()} == {
        e: (u.events, u.spend_cents) for e, u in got.items()
    }


@pytest.mark.parametrize("kill_at", range(1, 7))
def test_resume_after_kill_is_exact(engine, serve, kill_at):
    """Killed at any request of a sync (members, 3 windows, spend, groups), then run again, the
    data equals an uninterrupted run's."""
    served = serve()

    def die(n: int) -> None:
        if n == kill_at:
            raise Interrupt

    with pytest.raises(Interrupt):
        sync(engine, served, before=die)
    sync(engine, served)
    assert_users_exact(engine, served)


def test_a_kill_inside_a_multi_page_window_redoes_only_that_window(engine, serve):
    """Killed after some pages of a multi-page window were fetched, the next sync re-reads that
    window and the not-yet-final days, nothing else, and ends exact."""
    served = serve(members=60)
    windows = plan_windows(day_of(START), day_of(NOW_MS), {}, NOW_MS)
    pages = [-(-len(gt.visible_events(served.sim.team, w.start, w.end)) // 1000) for w in windows]
    assert pages[1] >= 2  # the second window spans several pages
    kill_at = 1 + pages[0] + 2  # members, the first window, then the second page of the second

    def die(n: int) -> None:
        if n == kill_at:
            raise Interrupt

    with pytest.raises(Interrupt):
        sync(engine, served, before=die)
    with engine.connect() as conn:
        fetched = dict(
            conn.execute(select(tables.sync_days.c.day, tables.sync_days.c.fetched_at_ms)).all()
        )
    assert min(fetched) == day_of(windows[0].start)  # only the first window was committed
    again = plan_windows(day_of(START), day_of(NOW_MS), fetched, NOW_MS)
    # The killed window, those after it and the first (its newest day is not final yet): the
    # same days, tiled in whole weeks now that a day has been read; no final day again.
    assert (again[0].end, again[-1].start) == (windows[0].end, windows[-1].start)
    _result, client = sync(engine, served)
    want = sum(-(-len(gt.visible_events(served.sim.team, w.start, w.end)) // 1000) for w in again)
    assert client.stats.requests_by_path["/teams/filtered-usage-events"] == want
    assert_users_exact(engine, served)


def test_live_arrival_while_paging_ends_exact(engine, serve):
    """Events arriving inside the window being paged are detected and the result is exact."""
    served = serve(members=60, live_arrivals=12, arrival_batch=3)
    _result, client = sync(engine, served)
    assert served.sim.arrivals_left == 0
    pages = client.stats.requests_by_path["/teams/filtered-usage-events"]
    assert pages > sum(-(-n // 1000) for n in _window_sizes(served))  # some windows were re-read
    assert_users_exact(engine, served)


def _window_sizes(served: Served) -> list[int]:
    first = day_of(START)
    windows = plan_windows(first, day_of(NOW_MS), {}, NOW_MS)
    return [len(gt.visible_events(served.sim.team, w.start, w.end)) for w in windows]


def test_faults_end_exact(engine, serve):
    """5xx, HTML 502s, truncated bodies and 429s (with Retry-After) are retried to an exact end."""
    served = serve(
        retry_after=True,
        faults=Faults(error_rate=0.1, truncate_rate=0.05, burst_429_rate=0.05, first_429=2, seed=3),
    )
    _result, client = sync(engine, served)
    assert client.stats.retries > 0
    assert_users_exact(engine, served)


def test_revoked_key_mid_sync_stops_and_keeps_data(engine, serve):
    """Revocation mid-backfill stops at once, marks the integration revoked and keeps exactly
    the windows committed before it: their events equal the ground truth of those days."""
    served = serve()

    def revoke(n: int) -> None:
        if n == 4:  # members, the newest window, the second window, then this request
            served.sim.revoke(DEMO_KEY)

    with pytest.raises(AuthError):
        sync(engine, served, before=revoke)
    calls_after = [c for c in served.sim.calls if c.status == 401]
    assert len(calls_after) == 1  # no retry loop
    with engine.connect() as conn:
        row = integrations.require(conn, "cursor")
        kept_days = sorted(
            conn.execute(select(tables.sync_days.c.day, tables.sync_days.c.events)).all()
        )
    assert row.status == "revoked"
    assert "revoked" in row.message
    windows = plan_windows(day_of(START), day_of(NOW_MS), {}, NOW_MS)
    committed = windows[:2]  # the two windows read before the revoked request
    want = {
        day: total.events
        for day, total in gt.totals(
            served.sim.team, committed[-1].start, committed[0].end, gt.by_day
        ).items()
    }
    assert dict(kept_days) == {d: want.get(d, 0) for d, _n in kept_days}
    assert {d for d, _n in kept_days} == {
        day_of(committed[-1].start) + timedelta(days=i)
        for i in range((day_of(committed[0].end) - day_of(committed[-1].start)).days + 1)
    }
    assert events_seen(engine) == sum(want.values())


def test_only_read_only_routes_are_called(engine, serve):
    """A whole sync calls only allowlisted read routes and never a mutating one."""
    served = serve()
    sync(engine, served)
    assert served.sim.mutations == []
    assert {(c.method, c.path) for c in served.sim.calls} <= {
        ("GET", "/teams/members"),
        ("POST", "/teams/filtered-usage-events"),
        ("POST", "/teams/spend"),
        ("GET", "/teams/groups"),
    }


def test_old_api_payloads_are_costed_by_the_old_formula(engine, serve):
    """Without chargedCents, cost = discounted totalCents + cursorTokenFee, exactly."""
    served = serve(old_api=True)
    sync(engine, served, key=DEMO_LEGACY_KEY)
    assert_users_exact(engine, served)


def test_groups_forbidden_is_not_a_sync_error(engine, serve):
    """On a plan without billing groups the sync succeeds and says groups are unavailable."""
    served = serve(keys={DEMO_KEY: Grant.BUSINESS})
    result, _client = sync(engine, served)
    assert result.groups_available is False
    with engine.connect() as conn:
        assert integrations.require(conn, "cursor").status == "connected"


def test_retention_edge_is_recorded(engine, serve):
    """The earliest day the API returned is stored as the retention observed."""
    served = serve(retention_days=6)
    sync(engine, served)
    earliest = min(day_of(e.timestamp) for e in gt.visible_events(served.sim.team, START, NOW_MS))
    with engine.connect() as conn:
        assert integrations.require(conn, "cursor").earliest_day == earliest


def test_a_key_cursor_refuses_is_revoked_and_anything_else_an_error():
    """One mapping from an error to the integration's status, for the sync and its run: a key
    Cursor no longer accepts needs a new one; a plan without access, an outage or bad input
    do not."""
    assert status_of(AuthError("wrong key", status=401)) == "revoked"
    assert status_of(AuthError("no Admin API", status=403, reason="no_access")) == "error"
    assert status_of(ServerError("503", status=503)) == "error"
    assert status_of(UserInputError("no such integration")) == "error"


def test_a_purge_deletes_every_fact_wherever_it_lives(engine, serve):
    """``disconnect --purge`` deletes the integration's events and rollup: from the database, and
    from ClickHouse once the metadata's purge has committed."""
    sync(engine, serve())
    assert events_seen(engine) > 0
    runner.disconnect(engine, "cursor", purge=True, clock=lambda: NOW_MS)
    client = clickhouse(engine)
    with engine.connect() as conn:
        for table in ("usage_events", "usage_daily"):
            sql = f"SELECT count(*) FROM {table}"  # noqa: S608 - our own table names
            left = (
                conn.exec_driver_sql(sql).scalar_one()
                if client is None
                else client.query(sql).result_rows[0][0]
            )
            assert left == 0, table
