"""Aligned blocks tile any range of days exactly, with few blocks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pumpview.store.blocks import BRANCHING, MAX_LEVEL, containing, cover, size
from pumpview.timeutil import EPOCH

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(days, st.integers(min_value=0, max_value=2000))
def test_cover_tiles_the_range_with_aligned_blocks(first, length):
    last = first + timedelta(days=length)
    blocks = cover(first, last)
    covered = []
    for level, start in blocks:
        assert 0 <= level <= MAX_LEVEL
        assert (start - EPOCH).days % size(level) == 0  # aligned
        covered.extend(start + timedelta(days=i) for i in range(size(level)))
    assert covered == [first + timedelta(days=i) for i in range(length + 1)]  # no gap, no overlap


@given(days, st.integers(min_value=0, max_value=365))
def test_a_year_needs_few_blocks(first, length):
    """At most BRANCHING - 1 blocks of a level at each end, and the top level in between."""
    blocks = cover(first, first + timedelta(days=length))
    assert len(blocks) <= 2 * (BRANCHING - 1) * MAX_LEVEL + 1 + 365 // size(MAX_LEVEL)
    for level in range(MAX_LEVEL):
        assert sum(1 for b in blocks if b[0] == level) <= 2 * (BRANCHING - 1)


@given(days, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=MAX_LEVEL))
def test_containing_lists_exactly_the_blocks_that_hold_a_day_of_the_range(first, length, level):
    last = first + timedelta(days=length)
    days_per_block = size(level)
    starts = containing(first, last, level)
    assert starts == sorted(
        {EPOCH + timedelta(days=(d - EPOCH).days // days_per_block * days_per_block)
         for d in (first + timedelta(days=i) for i in range(length + 1))}
    )  # fmt: skip
