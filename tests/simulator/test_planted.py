"""The planted cases of issue 20: spending limits reached, idle members, a newly joined member,
a spike (person x model x day) and a gap between /teams/spend and the events; each checked
through the API against a twin simulator without it or against figures computed here."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pumpview.simulator import SimConfig, truth
from pumpview.simulator.config import Spike
from pumpview.simulator.data import Team
from pumpview.simulator.roster import JOIN_TIME_MS
from pumpview.timeutil import day_of, day_start_ms, to_ms
from tests.conftest import NOW_MS
from tests.simulator.calls import SPEND, get_json, page_through, post_json

TODAY = day_of(NOW_MS)  # 2025-11-24, a Monday
SPIKE_DAY = TODAY - timedelta(days=3)  # Friday 2025-11-21
NOV_START = to_ms(datetime(2025, 11, 1, 17, 23, tzinfo=UTC))


def spend_rows(served) -> dict[str, dict]:
    with served.client() as client:
        body = post_json(client, SPEND, pageSize=100)
    return {r["email"]: r for r in body["teamMemberSpend"]}


def group_people(served) -> dict[str, dict]:
    with served.client() as client:
        body = get_json(client, "/teams/groups")
    return {
        p["email"]: p
        for g in [*body["groups"], body["unassignedGroup"]]
        for p in g["currentMembers"] + g["formerMembers"]
    }


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


# -- spending limits -------------------------------------------------------------------------


def test_limit_shares_set_monthly_limits_from_the_cycle_on_demand(serve):
    """A member's monthlyLimitDollars (and effective limit) is the least amount in whole cents at
    which their spendCents is at most the share: 0.9 lands just under 90 %, 1.2 above 100 %."""
    served = serve(hourly_lag=False, limit_shares={10: Decimal("0.9"), 0: Decimal("1.2")})
    rows = spend_rows(served)
    team = served.sim.team
    for index, share in ((10, Decimal("0.9")), (0, Decimal("1.2"))):
        row = rows[team.members[index].email]
        assert row["spendCents"] > 0
        limit = Decimal(math.ceil(row["spendCents"] / share)) / 100
        assert row["monthlyLimitDollars"] == limit
        assert row["hardLimitOverrideDollars"] == 0
        assert row["effectivePerUserLimitDollars"] == limit
    near = rows[team.members[10].email]
    over = rows[team.members[0].email]
    assert (
        Decimal("0.89")
        < near["spendCents"] / 100 / near["effectivePerUserLimitDollars"]
        <= Decimal("0.9")
    )
    assert over["spendCents"] / 100 / over["effectivePerUserLimitDollars"] > 1


def test_other_members_keep_their_drawn_limits(serve):
    """Members without a share keep the drawn limits: effective = hard override, else the monthly
    limit, else $500."""
    served = serve(limit_shares={10: Decimal("0.9")})
    twin = serve()
    rows, plain = spend_rows(served), spend_rows(twin)
    limit_keys = ("hardLimitOverrideDollars", "monthlyLimitDollars", "effectivePerUserLimitDollars")
    changed = {
        email for email, row in rows.items() if any(row[k] != plain[email][k] for k in limit_keys)
    }
    assert changed == {served.sim.team.members[10].email}
    for row in plain.values():
        hard, monthly = row["hardLimitOverrideDollars"], row["monthlyLimitDollars"]
        assert row["effectivePerUserLimitDollars"] == (hard or monthly or 500)


def test_cursor_spend_truth_equals_the_spend_rows(serve):
    """truth.cursor_spend gives every /teams/spend row's figures, limits and gap."""
    served = serve(limit_shares={10: Decimal("0.9")}, spend_gaps={3: Decimal("99.125")})
    rows = spend_rows(served)
    expected = truth.cursor_spend(served.sim.team)
    assert {email.lower() for email in rows} == set(expected)
    for email, row in rows.items():
        want = expected[email.lower()]
        assert (
            row["spendCents"],
            row["overallSpendCents"],
            row["fastPremiumRequests"],
            row["hardLimitOverrideDollars"],
            row["monthlyLimitDollars"],
            row["effectivePerUserLimitDollars"],
        ) == (
            want.on_demand_cents,
            want.usage_cents,
            want.fast_premium_requests,
            want.hard_limit_dollars,
            want.monthly_limit_dollars,
            want.effective_limit_dollars,
        )
    assert expected[served.sim.team.members[3].email.lower()].gap_cents == Decimal("99.125")


# -- spend gaps ------------------------------------------------------------------------------


def test_a_spend_gap_shows_in_teams_spend_only(serve):
    """The gap is added to that member's spendCents and overallSpendCents; every other row, the
    groups' spend and the events are those of a twin without it."""
    gap = Decimal("1250.5")
    served = serve(spend_gaps={9: gap})
    twin = serve()
    email = served.sim.team.members[9].email
    rows, plain = spend_rows(served), spend_rows(twin)
    assert rows[email]["spendCents"] == plain[email]["spendCents"] + gap
    assert rows[email]["overallSpendCents"] == plain[email]["overallSpendCents"] + gap
    assert {e: r for e, r in rows.items() if e != email} == {
        e: r for e, r in plain.items() if e != email
    }
    assert group_people(served) == group_people(twin)
    with served.client() as a, twin.client() as b:
        assert page_through(a, NOV_START, NOW_MS, 1000) == page_through(b, NOV_START, NOW_MS, 1000)
    assert truth.spend_gaps(served.sim.team) == {email: gap}


# -- idle members ----------------------------------------------------------------------------


def test_idle_members_have_no_events_in_their_last_idle_days(serve):
    """Idle members' events stop idle_days before today: none in [today - 39 days, now], some
    before; their last active day (truth) is the newest day the API shows for them."""
    served = serve(days=60, idle_members=(9, 10), idle_days=40)
    team = served.sim.team
    since = day_start_ms(TODAY - timedelta(days=39))
    first = day_start_ms(team.first_day)
    facts = truth.member_facts(team)
    with served.client() as client:
        recent = page_through(client, since, NOW_MS, 1000)
        older = page_through(client, first, since - 1, 1000)
    idle = {m.email for m in truth.idle_members(team)}
    assert idle == {team.members[9].email, team.members[10].email}
    assert not [e for e in recent if e.get("userEmail", "").lower() in idle]
    for email in idle:
        theirs = [int(e["timestamp"]) for e in older if e.get("userEmail", "").lower() == email]
        assert theirs
        assert facts[email].last_active == day_of(max(theirs))
        assert facts[email].last_active <= TODAY - timedelta(days=40)
        assert facts[email].paid_seat
    others = {m.email for m in team.members if m.paid_seat and m.active_from == 0} - idle
    assert others <= {e.get("userEmail", "").lower() for e in recent}  # they are not idle


def test_last_active_days_agree_with_the_events(serve):
    """Every listed member's last active day is the day of their newest event the API returns
    now (hourly lag on: the open hour hidden), or None without any."""
    served = serve(days=20, idle_members=(7,), idle_days=12)
    team = served.sim.team
    with served.client() as client:
        events = page_through(client, day_start_ms(team.first_day), NOW_MS, 1000)
    newest: dict[str, int] = {}
    for e in events:
        email = e.get("userEmail", "").lower()
        newest[email] = max(newest.get(email, 0), int(e["timestamp"]))
    facts = truth.member_facts(team)
    assert {email: f.last_active for email, f in facts.items()} == {
        email: day_of(newest[email]) if email in newest else None for email in facts
    }


@pytest.mark.parametrize("index", [1, 5, 12], ids=["free-owner", "removed", "service"])
def test_only_paid_seats_can_be_planted_idle(index):
    """The free-owner, a removed member and the service account hold no paid seat: refused."""
    with pytest.raises(ValueError, match="paid-seat member"):
        Team(SimConfig(now_ms=NOW_MS, members=12, days=20, idle_members=(index,)))


def test_planting_idle_and_joined_members_leaves_everyone_elses_events(serve):
    """Beside a twin without them, the API returns exactly the twin's events minus the idle
    member's recent ones and the joined member's earlier ones: nobody else's change."""
    served = serve(idle_members=(9,), idle_days=7, joined_member=10, joined_days_ago=4)
    twin = serve()
    team = served.sim.team
    start = day_start_ms(team.first_day)
    with served.client() as a, twin.client() as b:
        planted = page_through(a, start, NOW_MS, 1000)
        plain = page_through(b, start, NOW_MS, 1000)
    idle, joined = team.members[9].email, team.members[10].email
    idle_from = day_start_ms(TODAY - timedelta(days=6))
    joined_from = day_start_ms(TODAY - timedelta(days=3))

    def kept(event: dict) -> bool:
        email, at = event.get("userEmail", "").lower(), int(event["timestamp"])
        return not (email == idle and at >= idle_from) and not (
            email == joined and at < joined_from
        )

    dropped = [e for e in plain if not kept(e)]
    assert {e["userEmail"] for e in dropped} == {idle, joined}
    assert planted == [e for e in plain if kept(e)]


# -- a newly joined member -------------------------------------------------------------------


def test_the_joined_member_joined_days_ago_and_has_no_events_before(serve):
    """joinedAt of the joined member is 09:41 UTC on the day joined_days_ago days before today;
    the API has no events of theirs before that, a few after."""
    served = serve(joined_member=9, joined_days_ago=5)
    team = served.sim.team
    member = team.members[9]
    joined = day_start_ms(TODAY - timedelta(days=5)) + JOIN_TIME_MS
    assert truth.joined_member(team) == member
    assert truth.member_facts(team)[member.email].joined_at_ms == joined
    assert group_people(served)[member.email]["joinedAt"] == iso(joined)
    assert iso(joined) == "2025-11-19T09:41:00Z"
    with served.client() as client:
        theirs = [
            int(e["timestamp"])
            for e in page_through(client, day_start_ms(team.first_day), NOW_MS, 1000)
            if e.get("userEmail", "").lower() == member.email
        ]
    assert theirs
    assert min(theirs) > joined


def test_no_member_has_events_before_joined_at(serve):
    """Every group member's joinedAt is at or before their first event: the team's first day,
    or for a late starter the day they started."""
    served = serve(days=30, joined_member=10, joined_days_ago=3)
    team = served.sim.team
    people = group_people(served)
    with served.client() as client:
        events = page_through(client, day_start_ms(team.first_day), NOW_MS, 1000)
    first: dict[str, int] = {}
    for e in events:
        email, at = e.get("userEmail", "").lower(), int(e["timestamp"])
        first[email] = min(first.get(email, at), at)
    late = [m for m in team.members if m.listed and m.active_from > 0]
    assert late  # a late starter besides the joined member
    for m in team.members:
        if not m.listed:
            continue
        joined = people[m.email]["joinedAt"]
        assert joined == iso(m.joined_at_ms)
        if m.email in first:
            assert m.joined_at_ms <= first[m.email]
        if m.active_from == 0 and m.index != 10:
            assert joined == iso(day_start_ms(team.first_day))


# -- the spike -------------------------------------------------------------------------------


def test_the_spike_adds_exactly_its_events_to_that_person_model_and_day(serve):
    """Beside a twin without it, the spiked simulator returns the same events plus the spike's:
    round(factor x events_per_member_day x intensity) events, all of that member and model on
    that day, whose chargedCents sum to the truth's extra usage value."""
    spike = Spike(member=10, model="claude-4.1-opus", days_ago=3, factor=6.0)
    served = serve(spike=spike)
    twin = serve()
    team = served.sim.team
    start = day_start_ms(team.first_day)
    with served.client() as a, twin.client() as b:
        spiked = page_through(a, start, NOW_MS, 1000)
        plain = page_through(b, start, NOW_MS, 1000)
    extra = Counter(map(repr, spiked)) - Counter(map(repr, plain))
    assert Counter(map(repr, plain)) - Counter(map(repr, spiked)) == Counter()
    added = [e for e in spiked if repr(e) in extra]
    facts = truth.spike(team)
    member = team.members[10]
    assert facts is not None
    assert (facts.email, facts.model, facts.day) == (member.email, spike.model, SPIKE_DAY)
    assert len(added) == facts.events == round(6.0 * 12.0 * member.intensity)
    assert {(e["userEmail"], e["model"], day_of(int(e["timestamp"]))) for e in added} == {
        (member.email, spike.model, SPIKE_DAY)
    }
    assert sum((e["chargedCents"] for e in added), Decimal(0)) == facts.extra_usage_cents
    on_demand = sum((e["chargedCents"] for e in added if e["isChargeable"]), Decimal(0))
    assert on_demand == facts.extra_on_demand_cents


def test_the_spike_day_stands_far_above_the_persons_other_days(serve):
    """The spiked person's usage value on the spike day is above 5x any of their 14 days before."""
    served = serve(spike=Spike(member=10, model="claude-4.1-opus", days_ago=3))
    team = served.sim.team
    with served.client() as client:
        events = page_through(client, day_start_ms(team.first_day), NOW_MS, 1000)
    by_day: defaultdict = defaultdict(Decimal)
    for e in events:
        if e.get("userEmail") == team.members[10].email:
            by_day[day_of(int(e["timestamp"]))] += e["chargedCents"]
    spike_day = SPIKE_DAY
    before = [by_day[spike_day - timedelta(days=n)] for n in range(1, 15)]
    assert by_day[spike_day] > 5 * max(before)


def test_no_spike_by_default(shared):
    """Without a spike configured the truth says none."""
    assert truth.spike(shared.sim.team) is None
    assert shared.sim.team.planted == {}


def test_a_spike_on_an_unknown_model_is_refused():
    """A spike names one of the simulator's models."""
    with pytest.raises(ValueError, match="unknown model"):
        Team(SimConfig(now_ms=NOW_MS, members=12, days=20, spike=Spike(3, "gpt-9", 1)))
