"""Seats: every paid seat with its start, last active day and days idle, exact against the
simulator's members and events at a fixed instant; the start rule on seeded members (a fresh
install's first roster counts from the backfill's first day, Cursor's ``joinedAt`` and a later
listing date a newcomer); idle seats and their configured cost per cycle."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert

from pumpview.reports import seat_use
from pumpview.reports.billing import Billing
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.store import tables
from pumpview.timeutil import MS_PER_DAY, day_of
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

TODAY = day_of(NOW_MS)


def _truth(team: Team, today: date, idle_after: int) -> dict[str, tuple[object, ...]]:
    """Per paid seat, by hand from the simulator: (started, last active, days idle, idle).

    A member of a billing group joined when its ``joinedAt`` says (the simulator's first day,
    or a late starter's first possible day); one in none was in the install's first roster, so
    counts from the first day the backfill covers: the backfill's first day, or Cursor's first
    day with an event when data starts later."""
    events = gt.visible_events(team, 0, NOW_MS)
    days: dict[str, list[date]] = {}
    for e in events:
        if e.email is not None and day_of(e.timestamp) <= today:
            days.setdefault(e.email.lower(), []).append(day_of(e.timestamp))
    backfill_first = TODAY - timedelta(days=DAYS - 1)
    covered = max(backfill_first, min(day_of(e.timestamp) for e in events))
    out: dict[str, tuple[object, ...]] = {}
    for m in team.members:
        if not m.listed or m.is_removed or m.role == "free-owner" or m.is_service_account:
            continue
        seen = days.get(m.email, [])
        joined = gt.member_facts(team)[m.email].joined_at_ms
        joined_or_listed = day_of(joined) if m.group is not None else covered
        started = min([*seen, joined_or_listed])
        last = max(seen) if seen else None
        idle_days = max(0, (today - (last or started)).days)  # not started yet: 0
        out[m.email] = (started, last, idle_days, idle_days > idle_after)
    return out


def _got(engine: Engine, today: date, billing: Billing) -> seat_use.Seats:
    with engine.connect() as conn:
        return seat_use.seat_use(conn, [1], today, billing)


def test_every_paid_seat_has_its_start_last_active_day_and_days_idle(engine, serve):
    """Against the simulator, as of today and of past days (later events do not count), for
    several thresholds: exactly the listed, paid members (no removed one, no free owner, no
    service account), each with the truth's start, last active day, days idle and idle flag;
    idle ones first, most days idle first."""
    served = serve(days=DAYS, members=30)
    _sync(engine, served)
    team = served.sim.team
    assert any(m.active_from > 0 for m in team.members)  # late starters are among them
    assert any(m.is_removed and m.listed for m in team.members)  # and a removed, listed one
    seen: set[tuple[bool, bool]] = set()
    for today in (TODAY, TODAY - timedelta(days=10), team.first_day + timedelta(days=3)):
        for idle_after in (0, 1, 30):
            got = _got(engine, today, Billing(idle_days=idle_after))
            truth = _truth(team, today, idle_after)
            assert {s.email: (s.started, s.last_active, s.idle_days, s.idle)
                    for s in got.rows} == truth, (today, idle_after)  # fmt: skip
            order = [(not s.idle, -(s.idle_days or 0)) for s in got.rows]
            assert order == sorted(order)
            assert {s.integration for s in got.rows} == {"cursor"}
            seen |= {(s.idle, s.last_active is None) for s in got.rows}
    # idle and never active: the seeded members of the start rule's test below
    assert {(True, False), (False, True), (False, False)} <= seen


def _seed_member(engine: Engine, email: str, listed_ms: int, joined_ms: int | None = None) -> None:
    """A paid member with no events, as a roster (and a billing group) would have stored it."""
    member = {"integration_id": 1, "email": email, "name": email.partition("@")[0],
              "role": "member", "is_removed": False, "listed_at_ms": listed_ms,
              "first_listed_at_ms": listed_ms}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(tables.cursor_members).values(member))
        if joined_ms is not None:
            group = {"integration_id": 1, "group_id": "group_new", "email": email,
                     "joined_at_ms": joined_ms}  # fmt: skip
            conn.execute(insert(tables.group_members).values(group))


def test_the_start_rule_on_a_fresh_install_and_for_newcomers(engine, serve):
    """Listed by the install's first roster with no events: idle since the backfill's first day
    (39 days by today, 44 five days on). Joined 5 days ago by Cursor's ``joinedAt``: 5 days,
    not idle. First listed by a later roster: days from that listing, not idle."""
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    first_day = TODAY - timedelta(days=DAYS - 1)
    _seed_member(engine, "day-one@acme.dev", NOW_MS)
    _seed_member(engine, "joined@acme.dev", NOW_MS, joined_ms=NOW_MS - 5 * MS_PER_DAY)
    _seed_member(engine, "later@acme.dev", NOW_MS + MS_PER_DAY)  # a sync the next day

    def seat(got: seat_use.Seats, email: str) -> tuple[object, ...]:
        found = next(s for s in got.rows if s.email == email)
        return found.started, found.last_active, found.idle_days, found.idle

    got = _got(engine, TODAY, Billing(idle_days=30))
    assert seat(got, "day-one@acme.dev") == (first_day, None, 39, True)
    assert seat(got, "joined@acme.dev") == (TODAY - timedelta(days=5), None, 5, False)
    later = TODAY + timedelta(days=5)
    got = _got(engine, later, Billing(idle_days=30))
    assert seat(got, "day-one@acme.dev") == (first_day, None, 44, True)
    assert seat(got, "joined@acme.dev") == (TODAY - timedelta(days=5), None, 10, False)
    assert seat(got, "later@acme.dev") == (TODAY + timedelta(days=1), None, 4, False)
    assert got.rows[0].email == "day-one@acme.dev"  # the most days idle first


def test_seats_cost_the_configured_price_and_idle_seats_sum_it(engine, serve):
    """Each seat costs the configured price per cycle, in cents; the idle seats' total is their
    count times it, exactly; without a price, no cost (``None``), never zero."""
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    _seed_member(engine, "day-one@acme.dev", NOW_MS)
    _seed_member(engine, "day-one-too@acme.dev", NOW_MS)
    got = _got(engine, TODAY, Billing(Decimal("40.125"), idle_days=30))
    assert {s.seat_cents for s in got.rows} == {Decimal("4012.5")}
    idle = [s.email for s in got.idle]
    assert idle == ["day-one-too@acme.dev", "day-one@acme.dev"]
    assert got.idle_cents == Decimal("8025")
    assert got.seats_cents == Decimal("4012.5") * len(got.rows)
    unpriced = _got(engine, TODAY, Billing(idle_days=30))
    assert {s.seat_cents for s in unpriced.rows} == {None}
    assert (unpriced.idle_cents, unpriced.seats_cents) == (None, None)
    with engine.connect() as conn:
        digest = seat_use.idle_seats(conn, TODAY, Billing(idle_days=30))
    assert [s.email for s in digest] == idle


def test_a_person_in_two_cursor_teams_holds_two_seats(engine, serve):
    """The same roster synced as two integrations: every member twice, once per team; naming
    one integration narrows the seats to its own."""
    served = serve(days=DAYS, members=8)
    _sync(engine, served, "cursor")
    _sync(engine, served, "second")
    with engine.connect() as conn:
        got = seat_use.seat_use(conn, [1, 2], TODAY, Billing(idle_days=30))
    one = {s.email for s in got.rows if s.integration == "cursor"}
    assert one == {s.email for s in got.rows if s.integration == "second"}
    assert len(got.rows) == 2 * len(one)
    second = seat_use.build(engine, TODAY, Billing(idle_days=30), ["second"])
    assert [(s.integration, s.email) for s in second.rows] == [
        (s.integration, s.email) for s in got.rows if s.integration == "second"
    ]
