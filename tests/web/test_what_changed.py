"""The Overview's "what changed" when the previous period holds no usage: said, not computed."""

from __future__ import annotations

from datetime import timedelta

from pumpview.simulator import truth as gt
from pumpview.timeutil import day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import _sync


def test_no_earlier_data_is_said_instead_of_a_rise_from_zero(site, serve):
    """Over the whole history the page says there is nothing to compare with (no "Usage value
    rose by" against zero, no table of $0.00 befores) and the twin says so in a field of its own;
    a range with usage before it still tells the change."""
    served = serve(days=12, members=5)
    _sync(site.web.engine, served)
    team = served.sim.team
    first, last = team.first_day, day_of(NOW_MS)
    assert not gt.visible_events(team, 0, day_start_ms(first) - 1)  # nothing before the history
    browser = site.signed_in()
    whole = {"since": str(first), "until": str(last)}
    twin = browser.get("/api/overview", params=whole).json()
    assert twin["previous_has_data"] is False
    assert twin["changes"]  # kept: every field of the twin stays
    text = " ".join(browser.get("/", params=whole).text.split())
    days = (last - first).days + 1
    assert (
        f"No earlier data to compare with: no usage is stored for the previous {days} days "
        f"({first - timedelta(days=days)} to {first - timedelta(days=1)})."
    ) in text
    assert "Usage value rose" not in text
    assert 'id="changes-data"' not in text
    later = {"since": str(last - timedelta(days=2)), "until": str(last)}
    assert browser.get("/api/overview", params=later).json()["previous_has_data"] is True
    text = " ".join(browser.get("/", params=later).text.split())
    assert "No earlier data" not in text
    assert "against the previous 3 days" in text
