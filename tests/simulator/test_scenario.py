"""The demo's planted cases (``scenario.with_demo_cases``): what the billing pages must be able to
show, read through the API of a simulator built as the demo builds it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from pumpview.simulator import SimConfig, create_simulator, truth
from pumpview.simulator.cycles import cycle_start
from pumpview.simulator.data import Team
from pumpview.simulator.scenario import GAP_CENTS, with_demo_cases
from pumpview.simulator.server import serve_in_thread
from pumpview.store.usage import is_final
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import INSTANTS, NOW_MS, Served
from tests.simulator.calls import SPEND, get_json, page_through, post_json


@pytest.fixture(scope="module")
def demo() -> Iterator[Served]:
    """The demo's first team (50 members), with 60 days of history to keep it quick."""
    config = with_demo_cases(SimConfig(days=60, rate_limits=False), NOW_MS)
    app = create_simulator(config)
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


def test_its_present_is_the_one_given(demo):
    assert demo.sim.team.now == NOW_MS


@pytest.mark.parametrize("now", [NOW_MS, *INSTANTS.values()])
def test_the_open_cycle_is_about_three_weeks_under_way(now):
    """Whatever the day, the cycle open at the present started 19 to 24 days before it, at
    17:23 UTC: a budget and a forecast have most of a cycle to show."""
    config = with_demo_cases(SimConfig(days=60), now)
    start = cycle_start(now, config.cycle_anchor_day, config.cycle_anchor_time)
    assert 19 * MS_PER_DAY < now - start < 24 * MS_PER_DAY


def test_one_member_is_near_their_limit_and_one_over(demo):
    """/teams/spend has a member at 80-100 % of effectivePerUserLimitDollars and one above."""
    with demo.client() as client:
        rows = post_json(client, SPEND)["teamMemberSpend"]
    used = {
        r["email"]: r["spendCents"] / 100 / r["effectivePerUserLimitDollars"]
        for r in rows
        if r["email"] not in truth.spend_gaps(demo.sim.team)
    }
    near = [e for e, share in used.items() if 0.8 < share <= 1]
    over = [e for e, share in used.items() if share > 1]
    assert len(near) == 1
    assert len(over) == 1


def test_each_case_has_a_member_of_its_own(demo):
    """Limits, the spike, the gap, three idle members and the joined one: eight paid seats."""
    config = demo.sim.config
    spike = truth.spike(demo.sim.team)
    assert spike is not None
    chosen = [
        *config.limit_shares,
        spike.member.index,
        *config.spend_gaps,
        *config.idle_members,
        config.joined_member,
    ]
    assert len(chosen) == len(set(chosen)) == 8
    assert all(demo.sim.team.members[i].paid_seat for i in chosen)


def test_the_spike_stands_out(demo):
    """The spike adds more than $5 to that person on its day."""
    spike = truth.spike(demo.sim.team)
    assert spike is not None
    assert spike.extra_usage_cents > 500


@pytest.mark.parametrize("now", [NOW_MS, *INSTANTS.values()])
def test_the_spike_is_on_the_newest_day_complete_at_the_present(now):
    """Whatever the hour, a sync at the present stores the spike's day as final (anomalies
    judge complete days only), and the day after it is still provisional."""
    team = Team(with_demo_cases(SimConfig(days=40, rate_limits=False), now))
    spike = truth.spike(team)
    assert spike is not None
    assert is_final(spike.day, now)
    assert not is_final(spike.day + timedelta(days=1), now)


def test_the_gap_shows_in_teams_spend(demo):
    """One member's spendCents is their on-demand from the events plus 1250 cents."""
    team = demo.sim.team
    (email, gap), *_ = truth.spend_gaps(team).items()
    assert gap == GAP_CENTS
    start = truth.cycle_start(team)
    ledger = truth.cycle_totals(team, start, NOW_MS)[email]
    with demo.client() as client:
        rows = {r["email"]: r for r in post_json(client, SPEND)["teamMemberSpend"]}
    assert rows[email]["spendCents"] == ledger.on_demand_cents + GAP_CENTS
    assert rows[email]["overallSpendCents"] == ledger.spend_cents + GAP_CENTS


def test_three_seats_are_idle_for_45_days_and_one_member_is_new(demo):
    """The idle members have no events in the last 44 days and some before; the new member's
    joinedAt is 5 days ago."""
    team = demo.sim.team
    idle = {m.email for m in truth.idle_members(team)}
    assert len(idle) == 3
    cut = day_start_ms(day_of(NOW_MS) - timedelta(days=44))
    with demo.client() as client:
        recent = page_through(client, cut, NOW_MS, 1000)
        groups = get_json(client, "/teams/groups")
    assert not [e for e in recent if e.get("userEmail", "").lower() in idle]
    facts = truth.member_facts(team)
    assert all(facts[e].last_active is not None for e in idle)
    joined = truth.joined_member(team)
    assert joined is not None
    people = {
        p["email"]: p
        for g in [*groups["groups"], groups["unassignedGroup"]]
        for p in g["currentMembers"]
    }
    assert people[joined.email]["joinedAt"] == "2025-11-19T09:41:00Z"


def test_a_small_team_gets_no_cases_and_no_error():
    """With too few ordinary members nothing is planted, and the team still builds."""
    config = with_demo_cases(SimConfig(members=5, days=10), NOW_MS)
    assert (config.limit_shares, config.spike, config.spend_gaps) == ({}, None, {})
    assert (config.idle_members, config.joined_member) == ((), None)
    Team(config)
