"""A running sync as a person reads it: its stage, days loaded of days asked, and an estimate
only while the upstream's rate limit sets the pace."""

from __future__ import annotations

from dataclasses import replace

from pumpview.reports.integrations import progress_of
from pumpview.store.runs import Run
from tests.conftest import NOW_MS

STARTED = Run(
    id=1, integration_id=1, owner="test", started_at_ms=NOW_MS, heartbeat_at_ms=NOW_MS,
    finished_at_ms=None, stage="starting", windows_done=0, windows_total=0, days_done=0,
    days_total=0, events=0, requests=0, rate_limit_wait_ms=0, outcome=None, message=None,
    stop_requested=False,
)  # fmt: skip


def test_a_run_that_has_not_planned_its_days_says_its_stage_and_no_count():
    """Before the sync knows the days it will ask for, no "0 of 0 days": just the stage."""
    assert progress_of(STARTED).line == "Starting…"
    members = progress_of(replace(STARTED, stage="members"))
    assert (members.line, members.days_total) == ("Reading the team's members…", 0)


def test_each_providers_roster_stage_is_in_its_own_words():
    """Claude Code reads its organisation's users, Copilot its organisation's Copilot seats:
    neither says Cursor's "team's members"."""
    assert progress_of(replace(STARTED, stage="users")).line == "Reading the organisation's users…"
    assert progress_of(replace(STARTED, stage="seats")).line == (
        "Reading the organisation's Copilot seats…"
    )


def test_days_loaded_of_days_asked_without_an_estimate_when_cursor_is_not_the_bottleneck():
    """Waits on the rate limit under half the run: the pace is ours, no estimate."""
    run = replace(STARTED, stage="window", days_done=14, days_total=365,
                  heartbeat_at_ms=NOW_MS + 60_000, rate_limit_wait_ms=29_999)  # fmt: skip
    progress = progress_of(run)
    assert progress.seconds_left is None
    assert progress.line == "Loading usage: 14 of 365 days loaded"


def test_an_estimate_while_the_rate_limit_sets_the_pace():
    """Half the run or more spent waiting on Cursor's limit: the days left take as long per
    day as the days done did (60 s for 14 days, so 351 days take 1,504.3 s: 25 min)."""
    run = replace(STARTED, stage="window", days_done=14, days_total=365,
                  heartbeat_at_ms=NOW_MS + 60_000, rate_limit_wait_ms=30_000)  # fmt: skip
    progress = progress_of(run)
    assert progress.seconds_left == 1505  # ceil(60 * 351 / 14)
    assert progress.line == (
        "Loading usage: 14 of 365 days loaded; about 25 min left at the rate limit"
    )
    long = progress_of(replace(run, days_done=1, heartbeat_at_ms=NOW_MS + 20_000,
                               rate_limit_wait_ms=15_000))  # fmt: skip
    assert long.line.endswith("about 2 h 1 min left at the rate limit")  # 20 s * 364
