"""Anomalies: a day far above a key's robust baseline of the complete days before it, judged on
complete days only, each explained by person x model with drivers that add up exactly.

The rule is checked on hand-built series against figures worked out by hand; the store's part
on a history written event by event (a planted spike, figures from ``statistics.median`` over
the same hand-made series) and on the simulator's ordinary history, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview.errors import UserInputError
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.people.membership import Membership
from pumpview.reports import anomalies
from pumpview.reports.baselines import baseline, judge, median
from pumpview.simulator import DEMO_KEY
from pumpview.store import directory, integrations
from pumpview.store.engine import snapshot
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, day_start_ms
from tests.conftest import NOW_MS, Served
from tests.reports.spikes import FINAL_MS, FIRST, LAST, SPIKE, SPIKE_CENTS, plant, usual

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

D = Decimal
FACTOR, FLOOR = D(6), D(1000)


def cents(*values: int | str) -> list[Decimal]:
    return [D(v) for v in values]


# -- the rule ---------------------------------------------------------------------------------


def test_a_day_is_flagged_only_above_median_plus_factor_scales():
    """History 100..1500 cents: median 800, MAD 400, scale 1.4826 x 400 = 593.04, threshold
    800 + 6 x 593.04 = 4358.24; that value is usual, a hundredth of a cent more is not."""
    history = [D(100 * k) for k in range(1, 16)]
    base = baseline(history, factor=FACTOR, floor_cents=FLOOR)
    assert base is not None
    assert (base.median, base.mad, base.scale, base.threshold, base.days) == (
        D(800), D(400), D("593.04"), D("4358.24"), 15
    )  # fmt: skip
    assert judge(D("4358.24"), history, factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D("4358.25"), history, factor=FACTOR, floor_cents=FLOOR) == base


def test_fewer_than_14_days_of_history_give_no_verdict():
    """Thirteen days cannot call even a thousandfold day unusual; fourteen can."""
    assert baseline(cents(*[50] * 13), factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D(5_000_000), cents(*[50] * 13), factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D(5_000_000), cents(*[50] * 14), factor=FACTOR, floor_cents=FLOOR) is not None


def test_a_zero_mad_falls_back_to_the_mean_absolute_deviation():
    """15 idle days and 5 of 1000 cents: median 0, MAD 0; mean absolute deviation 250, scale
    1.2533 x 250 = 313.325, threshold 6 x 313.325 = 1879.95."""
    history = cents(*[0] * 15, *[1000] * 5)
    base = baseline(history, factor=FACTOR, floor_cents=FLOOR)
    assert base is not None
    assert (base.median, base.mad, base.scale, base.threshold) == (
        D(0), D(0), D("313.325"), D("1879.95")
    )  # fmt: skip
    assert judge(D("1879.95"), history, factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D("1879.96"), history, factor=FACTOR, floor_cents=FLOOR) is not None


def test_a_mean_deviation_that_does_not_terminate_is_rounded_at_24_decimals():
    """14 idle days and 7 of 100 cents: the mean deviation 700/21 is a third of a hundred,
    kept to the store's 24 decimals of a cent before it is scaled."""
    base = baseline(cents(*[0] * 14, *[100] * 7), factor=FACTOR, floor_cents=D(0))
    assert base is not None
    assert base.scale == D("41.7766666666666666666666662489")  # 1.2533 x 33.33...333 (24 3s)
    assert base.threshold == D("250.6599999999999999999999974934")  # x 6


def test_a_flat_history_is_judged_by_the_floor_alone():
    """Every day 500 cents: no spread at all, so only the floor stands above the median."""
    history = cents(*[500] * 20)
    assert judge(D(1500), history, factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D("1500.01"), history, factor=FACTOR, floor_cents=FLOOR) is not None


def test_the_floor_keeps_a_small_day_quiet_however_unusual():
    """Days of 40 cents give or take one: a $5 day is 300 scales out, yet under a $10 floor."""
    history = cents(*[39, 40, 41] * 6)
    assert judge(D(500), history, factor=FACTOR, floor_cents=FLOOR) is None
    assert judge(D(500), history, factor=FACTOR, floor_cents=D(100)) is not None
    assert judge(D(40), cents(*[0] * 28)) is None  # a $0.40 day, against the defaults


def test_the_median_is_exact():
    """An even count's median is the mean of its middle two, exact however many digits (42
    here: Python's default context would round at 28)."""
    values = cents("1E-24", "123456789012345678.000000000000000000000003", 5, 10**30)
    assert median(values) == D("61728394506172841.5000000000000000000000015")


# -- the store: a planted spike ---------------------------------------------------------------


def _history(key: str, i_spike: int = 34) -> list[Decimal]:
    """The hand-made usage values of the 28 days before the spike, for a person or Platform."""
    days = range(i_spike - 28, i_spike)
    people = {"Platform": ("alice@acme.dev", "bob@acme.dev")}.get(key, (key,))
    return [D(sum(c for (e, _m), c in usual(i).items() if e in people)) for i in days]


def test_a_planted_spike_is_found_and_explained_by_its_person_and_model(engine):
    """alice's $400 on claude-4-opus is Platform's anomaly and hers (the largest excess first),
    led by that pair; the lines add up to the day, the baseline and the excess exactly; no one
    else is flagged."""
    plant(engine, FINAL_MS)
    with snapshot(engine) as conn:
        found = anomalies.find(conn, FIRST, LAST, factor=FACTOR, floor_cents=FLOOR)
    assert [(a.scope, a.scope_value, a.day) for a in found] == [
        ("team", "Platform", SPIKE), ("person", "alice@acme.dev", SPIKE)
    ]  # fmt: skip
    for a, key in zip(found, ("Platform", "alice@acme.dev"), strict=True):
        people = ("alice@acme.dev", "bob@acme.dev") if key == "Platform" else (key,)
        spent = sum(c for (e, _m), c in usual(34).items() if e in people) + SPIKE_CENTS
        assert a.value_cents == spent
        assert a.baseline_cents == statistics.median(_history(key))
        assert a.excess_cents == spent - statistics.median(_history(key))
        assert a.history_days == 28
        top = a.drivers[0]
        assert (top.email, top.model, top.previous_cents, top.spend_cents, top.change_cents) == (
            "alice@acme.dev", "claude-4-opus", 0, SPIKE_CENTS, SPIKE_CENTS
        )  # fmt: skip
        assert sum(d.spend_cents for d in a.drivers) == a.value_cents
        assert sum(d.previous_cents for d in a.drivers) == a.baseline_cents
        assert sum(d.change_cents for d in a.drivers) == a.excess_cents
    team, alice = found
    # Her sonnet pair: median of 100 + i % 5 over the 28 days is 102; 104 on the day.
    assert [(d.model, d.previous_cents, d.spend_cents, d.pairs) for d in alice.drivers] == [
        ("claude-4-opus", 0, 40_000, 1), ("claude-4-sonnet", 102, 104, 1), (None, 50, 50, 1)
    ]  # fmt: skip
    assert alice.message == (
        "alice@acme.dev spent $401.54 on 2026-12-05, 264.2\u00d7 the usual $1.52 "
        "(claude-4-opus +$400.00, claude-4-sonnet +$0.02)"
    )
    assert team.message.startswith("Team Platform spent $403.64 on 2026-12-05, ")
    assert "(alice@acme.dev on claude-4-opus +$400.00" in team.message


def test_without_the_spike_nothing_is_flagged(engine):
    """The same three people's ordinary days: no anomaly."""
    plant(engine, FINAL_MS, spike=False)
    with snapshot(engine) as conn:
        assert anomalies.find(conn, FIRST, LAST, factor=FACTOR, floor_cents=FLOOR) == []


def test_a_provisional_day_is_never_judged(engine):
    """Fetched an hour after the spike's day ended, that day is provisional: nothing is found,
    however large; once fetched 72 hours after, it is final and found."""
    spike_end = day_start_ms(SPIKE) + MS_PER_DAY
    plant(engine, spike_end + MS_PER_HOUR)
    with snapshot(engine) as conn:
        assert anomalies.find(conn, FIRST, SPIKE, factor=FACTOR, floor_cents=FLOOR) == []
        assert anomalies.latest(conn, days=3, factor=FACTOR, floor_cents=FLOOR) == []
    plant(engine, spike_end + 73 * MS_PER_HOUR)
    with snapshot(engine) as conn:
        latest = anomalies.latest(conn, days=4, factor=FACTOR, floor_cents=FLOOR)
    assert [(a.scope, a.day) for a in latest] == [("team", SPIKE), ("person", SPIKE)]


def test_a_newcomer_is_not_judged_before_14_days_of_usage(engine):
    """A key's history starts on its first day with usage: the spike has 28 days behind it, and
    the first 14 stored days, with fewer than 14 days behind each, give no verdict even with
    no factor and no floor."""
    plant(engine, FINAL_MS)
    with snapshot(engine) as conn:
        found = anomalies.find(conn, SPIKE, SPIKE, factor=FACTOR, floor_cents=FLOOR,
                               scopes=("person",))  # fmt: skip
    assert [a.history_days for a in found] == [28]
    with snapshot(engine) as conn:
        early = anomalies.find(conn, FIRST, FIRST + timedelta(days=13), factor=D(0),
                               floor_cents=D(0))  # fmt: skip
    assert early == []


def test_json_carries_every_field_and_the_drivers(engine):
    """The JSON twin: exact decimal strings in cents, the day, and the drivers in the words of
    "What changed"."""
    plant(engine, FINAL_MS)
    with snapshot(engine) as conn:
        found = anomalies.find(conn, SPIKE, SPIKE, factor=FACTOR, floor_cents=FLOOR,
                               scopes=("person",))  # fmt: skip
    [row] = anomalies.to_json(found)
    assert {k: row[k] for k in ("scope", "scope_value", "day", "value_cents", "baseline_cents",
                                "excess_cents", "history_days")} == {
        "scope": "person", "scope_value": "alice@acme.dev", "day": "2026-12-05",
        "value_cents": "40154", "baseline_cents": "152", "excess_cents": "40002",
        "history_days": 28,
    }  # fmt: skip
    assert row["drivers"][0] == {
        "email": "alice@acme.dev", "name": None, "model": "claude-4-opus", "previous_cents": "0",
        "spend_cents": "40000", "change_cents": "40000", "pairs": 1,
    }  # fmt: skip


def test_an_unknown_integration_is_a_user_input_error(engine):
    plant(engine, FINAL_MS)
    with snapshot(engine) as conn, pytest.raises(UserInputError, match="no integration named"):
        anomalies.find(conn, FIRST, LAST, integrations=["nope"])


# -- the simulator's ordinary history ---------------------------------------------------------


def test_the_simulators_quiet_history_has_no_anomaly(engine, serve):
    """60 days of 12 members, synced at a fixed instant: every complete day judged, per person
    and per team, with the defaults; none is an anomaly (though, with no factor and no floor,
    every key above its median would be)."""
    served: Served = serve(days=60, members=12)
    with engine.begin() as conn:
        iid = integrations.save(conn, {"name": "cursor", "base_url": served.url,
                                       "status": "connected", "connected_at_ms": NOW_MS,
                                       "backfill_days": 60})  # fmt: skip
    with served.client(DEMO_KEY) as http:
        CursorSync(engine, CursorClient(http, pacing=False), iid, now_ms=NOW_MS,
                   backfill_days=60).run()  # fmt: skip
    first = served.sim.team.first_day
    with snapshot(engine) as conn:
        assert anomalies.find(conn, first, LAST) == []
        loose = anomalies.find(conn, first, LAST, factor=D(0), floor_cents=D(0))
    assert {a.scope for a in loose} == {"person", "team"}
    complete = max(a.day for a in loose)
    assert complete <= date(2025, 11, 20)  # NOW is 2025-11-24 16:00: the last 3 days+ provisional


def test_a_persons_usage_counts_for_the_team_they_were_in_that_day(engine):
    """bob leaves Platform for Data 10 days before the spike: Platform's days after hold alice
    alone (its usual drops with him), bob's pair leaves the drivers' top lines, and Data, with
    10 days of history, gets no verdict at all."""
    plant(engine, FINAL_MS)
    move = SPIKE - timedelta(days=10)
    with engine.begin() as conn:
        bob = next(p for p in directory.load(conn).values() if p.email == "bob@acme.dev")
        directory.set_memberships(
            conn, bob.id, [Membership("Platform", None, move), Membership("Data", move, None)]
        )
    with snapshot(engine) as conn:
        found = anomalies.find(conn, FIRST, LAST, factor=FACTOR, floor_cents=FLOOR,
                               scopes=("team",))  # fmt: skip
        loose = anomalies.detect(conn, FIRST, LAST, factor=D(0), floor_cents=D(0),
                                 scopes=("team",))  # fmt: skip
    [platform] = found

    def usual_platform(i: int) -> Decimal:  # alice, and bob until he moved (carol: no team)
        moved = FIRST + timedelta(days=i) >= move
        people = {"alice@acme.dev"} if moved else {"alice@acme.dev", "bob@acme.dev"}
        return D(sum(c for (e, _m), c in usual(i).items() if e in people))

    history = [usual_platform(i) for i in range(6, 34)]
    alice = sum(c for (e, _m), c in usual(34).items() if e == "alice@acme.dev") + SPIKE_CENTS
    assert (platform.scope_value, platform.value_cents) == ("Platform", alice)
    assert platform.baseline_cents == statistics.median(history)
    shown = [(d.email, d.model) for d in platform.drivers if d.model is not None]
    assert ("bob@acme.dev", "gpt-5") not in shown
    assert sum(d.change_cents for d in platform.drivers) == platform.excess_cents
    assert sum(d.previous_cents for d in platform.drivers) == platform.baseline_cents
    assert {v.scope_value for v in loose} == {"Platform"}  # Data: never 14 days of history
