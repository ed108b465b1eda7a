"""The data pages narrowed to one Cursor integration: ``?integration=`` (and ``?team=``, its
former name), shown by the team name given at Connect."""

from __future__ import annotations

import pytest

from pumpview.integrations.cursor import connection
from pumpview.reports.plain import plain
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_start_ms
from tests.web.conftest import csrf

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def two(site, serve):
    """``cursor`` (no team name) and ``cursor-eu`` (team name "EU", its own simulator)."""
    browser = site.signed_in()
    page = browser.get("/settings/integrations")
    browser.post("/settings/integrations",
                 data={"api_key": DEMO_KEY, "csrf_token": csrf(page.text)})  # fmt: skip
    site.web.syncs.wait()
    other = serve(now_ms=site.cursor.sim.team.now, days=3, members=4, seed=7,
                  domain="eu.acme.dev")  # fmt: skip
    connection.connect(site.web.engine, site.web.vault, DEMO_KEY, base_url=other.url,
                       team_name="EU", name="cursor-eu", now_ms=other.sim.team.now,
                       pacing=False)  # fmt: skip
    site.web.syncs.start("cursor-eu")
    site.web.syncs.wait()
    return browser, other.sim.team


@pytest.mark.parametrize("parameter", ["integration", "team"])
def test_json_twins_narrow_to_one_integration_by_either_parameter(site, two, parameter):
    """``?integration=cursor-eu`` and the old ``?team=cursor-eu`` give that team's figures
    alone, equal to its simulator's ground truth."""
    browser, eu = two
    since = str(site.cursor.sim.team.first_day)
    twin = browser.get("/api/overview", params={"since": since, parameter: "cursor-eu"}).json()
    truth = gt.overall(eu, day_start_ms(eu.first_day), eu.now)
    assert (twin["total"]["spend_cents"], twin["total"]["events"]) == (
        plain(truth.spend_cents), truth.events)  # fmt: skip
    people = browser.get("/api/people", params={"since": since, parameter: "cursor-eu"}).json()
    assert len(people) == len({gt.by_user(e) for e in gt.visible_events(eu, 0, eu.now)})


@pytest.mark.parametrize("parameter", ["integration", "team"])
def test_the_filter_shows_display_names_and_links_carry_integration(site, two, parameter):
    """The filter is labelled as the Cursor integration it is and lists team names given at
    Connect (the name where none was given); the export form carries the choice on as
    ``integration``, whichever parameter the page was opened with."""
    browser, _eu = two
    page = browser.get("/people", params={parameter: "cursor-eu"}).text
    assert '<label for="integration">Cursor integration</label>' in page
    assert '<option value="cursor-eu" selected>EU</option>' in page
    assert '<option value="cursor" >cursor</option>' in page
    assert "; Cursor: EU</span>" in page
    assert '<label for="team">' not in page
    sources = browser.get("/settings/data-sources", params={parameter: "cursor-eu"}).text
    assert '<input type="hidden" name="integration" value="cursor-eu">' in sources
