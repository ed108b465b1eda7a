"""Team membership over time: carving a new span out of the old ones keeps the history."""

from __future__ import annotations

from datetime import date

from pumpview.people.membership import Membership, boundaries, carve, leave, team_on

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))


def test_a_move_closes_the_old_team_on_the_day_before_the_new_one():
    got = carve([Membership("Platform")], Membership("Data", MAR))
    assert got == [Membership("Platform", None, MAR), Membership("Data", MAR)]
    assert team_on(got, date(2026, 2, 28)) == "Platform"
    assert team_on(got, MAR) == "Data"


def test_a_span_inside_another_splits_it_and_keeps_both_ends():
    got = carve([Membership("Platform", JAN)], Membership("Data", FEB, MAR))
    assert got == [
        Membership("Platform", JAN, FEB),
        Membership("Data", FEB, MAR),
        Membership("Platform", MAR, None),
    ]
    assert [team_on(got, d) for d in (date(2025, 12, 31), JAN, FEB, MAR, APR)] == [
        None, "Platform", "Data", "Platform", "Platform",
    ]  # fmt: skip


def test_a_span_from_always_replaces_what_it_covers_and_spans_apart_stay():
    got = carve([Membership("A", JAN, FEB), Membership("B", MAR, APR)], Membership("C", None, MAR))
    assert got == [Membership("C", None, MAR), Membership("B", MAR, APR)]


def test_boundaries_are_the_changes_inside_a_range():
    ms = [Membership("A", None, FEB), Membership("B", FEB, APR), Membership("C", APR)]
    assert boundaries(ms, JAN, MAR) == [FEB]
    assert boundaries(ms, FEB, APR) == [APR]  # a change on the first day is not inside
    assert Membership("B", FEB, APR).overlaps(date(2026, 3, 31), APR)
    assert not Membership("B", FEB, APR).overlaps(APR, date(2026, 5, 1))


def test_leaving_ends_the_current_span_and_drops_later_ones():
    got = carve([Membership("A")], Membership("B", MAR, APR))
    assert leave(got, FEB) == [Membership("A", None, FEB)]
