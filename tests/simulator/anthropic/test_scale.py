"""A year for 400 Cursor members generates in seconds, and the same seed gives the same days."""

from __future__ import annotations

from datetime import timedelta

from pumpview.simulator.anthropic import AnthropicConfig
from pumpview.simulator.anthropic.data import Organisation
from pumpview.simulator.anthropic.truth import claude_code_truth
from tests.simulator.anthropic.calls import NOW


def test_a_year_for_400_people_generates():
    """Every day of 365 for 400 members yields records; no timing is asserted."""
    org = Organisation(AnthropicConfig(now_ms=NOW, members=400))
    records = sum(len(org.records(org.first_day + timedelta(days=n))) for n in range(365))
    assert len(org.users) > 250
    assert records > 365 * 50


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    """A day is a function of (seed, day): two organisations with seed 1 agree, seed 2 differs."""
    day = Organisation(AnthropicConfig(now_ms=NOW)).first_day + timedelta(days=300)
    one, again, other = (Organisation(AnthropicConfig(now_ms=NOW, seed=s)) for s in (1, 1, 2))
    assert claude_code_truth(one, day) == claude_code_truth(again, day)
    assert claude_code_truth(one, day) != claude_code_truth(other, day)
    assert one.config.organization_id != other.config.organization_id
