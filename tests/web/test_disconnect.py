"""Disconnect, keeping the data: what the admin is told, what the card then offers
(Reconnect, Delete data) and what the data pages say of figures that stopped updating."""

from __future__ import annotations

import pytest

from pumpview.simulator import DEMO_KEY
from pumpview.web.app import when
from tests.web.conftest import VIEWER, csrf

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PAGE = "/settings/integrations"


def text(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def disconnected(site):
    """Acme connected, synced, then disconnected with its data kept."""
    browser = site.signed_in()
    page = browser.get(PAGE)
    browser.post(PAGE, data={"api_key": DEMO_KEY, "team_name": "Acme",
                             "csrf_token": csrf(page.text)})  # fmt: skip
    site.web.syncs.wait()
    page = browser.get(PAGE)
    answer = browser.post(f"{PAGE}/cursor/disconnect",
                          data={"data": "keep", "csrf_token": csrf(page.text)})  # fmt: skip
    assert (answer.status_code, answer.headers["location"]) == (303, f"{PAGE}?disconnected=cursor")
    return browser


def test_a_disconnect_says_so_and_the_card_offers_reconnect_and_delete(site, disconnected):
    """The page after a disconnect confirms it; the card offers Reconnect (the Connect form
    opened with its name and team name) and a confirmed Delete data."""
    shown = text(disconnected.get(f"{PAGE}?disconnected=cursor").text)
    assert ('<p role="status">Disconnected Acme: its key is forgotten and its data kept; its '
            "figures stop updating until it is reconnected.</p>") in shown  # fmt: skip
    assert f'href="{PAGE}?reconnect=cursor#connect-title">Reconnect</a>' in shown
    assert f'action="{PAGE}/cursor/delete"' in shown
    assert 'name="confirm" value="yes" required' in shown
    again = disconnected.get(PAGE, params={"reconnect": "cursor"}).text
    assert 'id="name" name="name" type="text" value="cursor"' in again
    assert 'id="team_name" name="team_name" type="text" value="Acme"' in again
    assert "<details open>" in again


def test_the_data_pages_say_the_figures_stopped_updating(site, disconnected):
    """Every data page names the disconnected team and when its figures last updated."""
    (listed,) = disconnected.get("/api/integrations").json()
    since = site.cursor.sim.team.first_day
    for path in ("/", "/people", "/models", "/requests"):
        shown = text(disconnected.get(path, params={"since": str(since)}).text)
        assert (
            f"Acme's figures stopped updating at its last sync "
            f"({when(listed['last_success_at_ms'])}): it is disconnected."
        ) in shown, path


def test_delete_data_needs_an_admin_and_the_box_ticked(site, disconnected):
    """A viewer is refused; an admin who did not tick the box deletes nothing; ticked, the
    integration and its data go, and the page says so."""
    viewer = site.signed_in(VIEWER)
    token = csrf(viewer.get(PAGE).text)
    refused = viewer.post(f"{PAGE}/cursor/delete", data={"confirm": "yes", "csrf_token": token})
    assert refused.status_code == 403
    token = csrf(disconnected.get(PAGE).text)
    unticked = disconnected.post(f"{PAGE}/cursor/delete", data={"csrf_token": token})
    assert unticked.status_code == 200
    assert "Nothing was deleted: tick the box" in unticked.text
    (listed,) = disconnected.get("/api/integrations").json()
    assert listed["events"] > 0
    done = disconnected.post(f"{PAGE}/cursor/delete", data={"confirm": "yes", "csrf_token": token})
    assert (done.status_code, done.headers["location"]) == (303, f"{PAGE}?deleted=cursor")
    assert disconnected.get("/api/integrations").json() == []
    assert "Deleted the integration cursor and all its data." in disconnected.get(
        done.headers["location"]).text  # fmt: skip
    assert disconnected.get("/api/people").json() == []
    spoof = disconnected.get(PAGE, params={"deleted": "Your account is locked, call us"}).text
    assert 'role="status"' not in spoof  # a notice names an integration, nothing else
