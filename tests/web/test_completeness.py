"""What the data pages say about completeness with two Cursor teams, one of them disconnected."""

from __future__ import annotations

from pumpview.integrations import runner
from pumpview.timeutil import Clock
from tests.conftest import NOW_MS
from tests.reports.test_completeness import LAST_FINAL, PENDING
from tests.reports.test_usage import _sync


def test_pages_count_days_once_and_call_a_disconnected_teams_days_final(site, serve):
    """Two teams synced at one instant: 4 provisional days on the page, not 8; once one team
    is disconnected, its pending days are final as stored, in so many words."""
    engine = site.web.engine
    _sync(engine, serve(days=12, members=5, seed=1), "cursor")
    _sync(engine, serve(days=12, members=6, seed=2), "cursor-eu")
    browser = site.signed_in()
    text = " ".join(browser.get("/people", params={"since": "2025-11-01"}).text.split())
    assert f"Complete through {LAST_FINAL}; the {PENDING} newest days are still provisional" in text
    assert "final as stored" not in text
    runner.disconnect(engine, "cursor-eu", purge=False, clock=Clock(NOW_MS))
    for params in ({}, {"team": "cursor-eu"}):
        text = " ".join(
            browser.get("/people", params={"since": "2025-11-01", **params}).text.split()
        )
        assert (
            f"cursor-eu is disconnected: its {PENDING} newest days were still provisional and "
            "are final as stored (no sync reads them again)."
        ) in text
    alone = " ".join(
        browser.get("/people", params={"since": "2025-11-01", "team": "cursor-eu"}).text.split()
    )
    assert "still provisional (Cursor aggregates late)" not in alone
