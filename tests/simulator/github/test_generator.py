"""The generated organisation: deterministic per seed, lazy per day, quick for a large year."""

from __future__ import annotations

import time
from datetime import date, timedelta

from pumpview.simulator.github import GitHubConfig, truth
from pumpview.simulator.github.data import Organisation
from tests.simulator.github.conftest import NOW_MS


def test_same_seed_same_data():
    """Two organisations from one config agree on people, seats, billing and activity."""
    first, second = (Organisation(GitHubConfig(members=20, days=30, now_ms=NOW_MS)) for _ in "ab")
    day = date(2026, 12, 3)
    assert [u.login for u in first.users] == [u.login for u in second.users]
    assert truth.seat_truth(first) == truth.seat_truth(second)
    assert truth.billing_truth(first, day) == truth.billing_truth(second, day)
    assert truth.activity_truth(first, day) == truth.activity_truth(second, day)


def test_another_seed_other_data():
    """Another seed draws other people."""
    one = Organisation(GitHubConfig(members=20, days=5, now_ms=NOW_MS))
    two = Organisation(GitHubConfig(seed=2, members=20, days=5, now_ms=NOW_MS))
    assert [u.login for u in one.users] != [u.login for u in two.users]


def test_a_day_does_not_depend_on_the_history_length():
    """A day's data is a function of (seed, day): 30 or 60 days of history give the same day."""
    short = Organisation(GitHubConfig(members=20, days=30, now_ms=NOW_MS))
    long = Organisation(GitHubConfig(members=20, days=60, now_ms=NOW_MS))
    day = date(2026, 12, 1)
    assert truth.activity_truth(short, day) == truth.activity_truth(long, day)


def test_no_data_outside_the_history():
    """Before the first day and after the present's day there is neither usage nor activity."""
    org = Organisation(GitHubConfig(members=20, days=30, now_ms=NOW_MS))
    outside = (org.first_day - timedelta(days=1), org.today + timedelta(days=1))
    assert all(
        not truth.billing_truth(org, d) and not truth.activity_truth(org, d) for d in outside
    )


def test_400_people_over_a_year_generate_in_seconds():
    """About 400 GitHub people x 365 days: every day's activity and every month's allowance
    ledger in a few seconds (a loose bound on a shared machine)."""
    started = time.perf_counter()
    org = Organisation(GitHubConfig(members=600, days=365, now_ms=NOW_MS))
    day = org.first_day
    while day <= org.today:
        org.ledger(day.year, day.month)
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    seats = truth.seat_truth(org)
    elapsed = time.perf_counter() - started
    assert len(org.users) >= 380
    assert len(seats) == len(org.users) + 2
    assert elapsed < 30
