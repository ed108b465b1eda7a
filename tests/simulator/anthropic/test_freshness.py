"""Freshness: only activity older than now - 1 h is served, so today grows with the present."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pumpview.simulator.anthropic.truth import billed_cents, claude_code_truth
from pumpview.timeutil import MS_PER_HOUR, day_start_ms
from tests.simulator.anthropic.calls import COST, TODAY, all_records, get_json, summed

MIDNIGHT = day_start_ms(TODAY)


def test_a_record_appears_only_an_hour_after_its_hour(serve_anthropic):
    """An actor whose first session today is in hour h has no record until h + 2 hours."""
    served = serve_anthropic()
    org = served.sim.org
    first_hour: dict[str, int] = {}
    for session in sorted(org.sessions(TODAY), key=lambda s: s.hour):
        first_hour.setdefault(org.actors[session.actor].identity, session.hour)
    who, hour = next((w, h) for w, h in first_hour.items() if h >= 2)
    with served.client() as client:
        served.sim.set_now(MIDNIGHT + (hour + 2) * MS_PER_HOUR - 1)
        before = {key[0] for key in summed(all_records(client, TODAY))}
        served.sim.set_now(MIDNIGHT + (hour + 2) * MS_PER_HOUR)
        after = {key[0] for key in summed(all_records(client, TODAY))}
    assert who not in before
    assert who in after


def test_todays_totals_grow_with_the_present_and_match_the_truth(serve_anthropic):
    """Every two hours today's records and cost grow (never shrink) and equal the truth."""
    served = serve_anthropic()
    org = served.sim.org
    cents, billed = [], []
    with served.client() as client:
        for hour in range(0, 27, 2):
            served.sim.set_now(MIDNIGHT + hour * MS_PER_HOUR)
            got = summed(all_records(client, TODAY))
            assert got == claude_code_truth(org, TODAY)
            cents.append(sum(t.estimated_cents for t in got.values()))
            bucket = get_json(client, COST, starting_at=f"{TODAY}T00:00:00Z")["data"][0]
            assert bucket["starting_at"] == f"{TODAY}T00:00:00Z"
            total = sum(Decimal(r["amount"]) for r in bucket["results"])
            assert total == billed_cents(org, TODAY)
            billed.append(total)
    assert cents[0] == 0
    assert cents == sorted(cents)
    assert billed == sorted(billed)
    assert cents[-1] > cents[len(cents) // 2] > 0


def test_the_history_grows_when_the_present_moves_to_a_new_day(serve_anthropic):
    """Moving the present to tomorrow afternoon serves tomorrow's first records."""
    served = serve_anthropic()
    tomorrow = TODAY + timedelta(days=1)
    with served.client() as client:
        assert all_records(client, tomorrow) == []
        served.sim.set_now(MIDNIGHT + 40 * MS_PER_HOUR)
        assert all_records(client, tomorrow)
