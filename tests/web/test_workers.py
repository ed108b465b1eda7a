"""Two servers on one store behave as one (``pumpview serve --workers N``, or two servers on one
PostgreSQL): a sign-in's failures count on both, a session made on one works on the other, the
schedule's work is done by one of them, and one syncs an integration at a time.

Alerts are created once per key and each delivery is claimed by one sender whichever process
evaluates: ``tests/alerts/test_once.py`` runs evaluations and processes at once on one store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from pumpview import accounts
from pumpview.integrations.cursor import connection
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY, Faults
from pumpview.simulator.server import serve_in_thread
from pumpview.store import integrations, runs, tables
from pumpview.store import schedule as lease
from pumpview.timeutil import from_ms
from pumpview.web.app import create_app
from pumpview.web.schedule import Tick
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT, Served
from tests.web.conftest import ADMIN, PASSWORD, Site, csrf

NOW = MONDAY_JUST_AFTER_MIDNIGHT


@pytest.fixture
def two_sites(
    tmp_path: Path, serve: Callable[..., Served], db_url: str
) -> Iterator[Callable[..., tuple[Site, Site]]]:
    """Two apps, each served on a port of its own, on one store with one secret (as the
    workers of one ``pumpview serve`` are), an admin in it; their Cursor a small simulator
    (``SimConfig`` fields override it)."""
    with ExitStack() as stack:

        def start(**sim: object) -> tuple[Site, Site]:
            cursor = serve(**{"now_ms": NOW, "days": 5, "members": 8, **sim})
            settings = load_settings(
                home=tmp_path / "home", database_url=db_url,
                secret_key=Fernet.generate_key().decode(), rate_limit=False,
                cursor_base_url=cursor.url, sync_interval=None, now=from_ms(NOW),
            )  # fmt: skip
            stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))
            sites = []
            for _ in range(2):
                app = create_app(settings)
                stack.callback(app.state.web.engine.dispose)
                site = Site(stack.enter_context(serve_in_thread(app, lifespan=True)), app, cursor)
                stack.callback(lambda site=site: [c.close() for c in site.opened])
                sites.append(site)
            accounts.add_user(sites[0].web.engine, ADMIN, "admin", PASSWORD, NOW)
            return sites[0], sites[1]

        yield start


def _wrong(site: Site) -> int:
    browser = site.browser()
    token = csrf(browser.get("/sign-in").text)
    answer = browser.post("/sign-in", data={
        "email": ADMIN, "password": "wrong password", "csrf_token": token})  # fmt: skip
    return answer.status_code


def test_failed_sign_ins_on_one_server_throttle_the_other(two_sites):
    """Ten wrong passwords sent to A use up the address's budget on B too: B answers the
    eleventh, and then the right password, with 429."""
    a, b = two_sites()
    assert [_wrong(a) for _ in range(10)] == [401] * 10
    assert _wrong(b) == 429
    browser = b.browser()
    token = csrf(browser.get("/sign-in").text)
    right = browser.post("/sign-in", data={
        "email": ADMIN, "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert right.status_code == 429


def test_a_session_made_on_one_server_works_on_the_other_and_ends_on_both(two_sites):
    """Signed in on A, the browser's cookies are a session on B; signed out on B, A no
    longer knows it."""
    a, b = two_sites()
    browser = a.signed_in()
    with httpx.Client(base_url=b.url, cookies=browser.cookies, timeout=30) as on_b:
        assert on_b.get("/api/integrations").status_code == 200
        token = csrf(on_b.get("/settings/integrations").text)
        assert on_b.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert browser.get("/api/integrations").status_code == 401


def test_one_server_does_the_schedules_work_and_another_takes_over_when_its_lease_expires(
    two_sites,
):
    """A ticks first and holds the lease: it checks the alerts, B's tick at the same moment
    does nothing. A renews it; once A has not ticked for the lease's length, B's tick takes
    it over and does the work, and A's does nothing. A server that stops releases it."""
    a, b = two_sites()
    assert a.web.schedule.tick(NOW) == Tick(held=True, alerts=True)
    assert b.web.schedule.tick(NOW) == Tick(held=False)
    renewed = NOW + lease.LEASE_MS // 2
    assert a.web.schedule.tick(renewed) == Tick(held=True)  # the alerts checked a moment ago
    assert b.web.schedule.tick(renewed + lease.LEASE_MS) == Tick(held=False)  # not yet expired
    later = renewed + lease.LEASE_MS + 1
    assert b.web.schedule.tick(later) == Tick(held=True, alerts=True)
    assert a.web.schedule.tick(later) == Tick(held=False)
    b.web.schedule.close()
    with b.web.engine.connect() as conn:
        assert lease.holder(conn, later) is None
    assert a.web.schedule.tick(later) == Tick(held=True, alerts=True)


def test_two_servers_asked_to_sync_one_integration_run_one_sync(two_sites):
    """ "Sync now" on A and on B at once (a slow Cursor keeps A's backfill going): B's sync
    process finds A's run holding the integration's lease and steps aside, recording no run."""
    a, b = two_sites(days=30, faults=Faults(slow_rate=1.0, slow_seconds=0.2))
    with stamina.set_testing(True, attempts=100, cap=True):
        connection.connect(a.web.engine, a.web.vault, DEMO_KEY, base_url=a.cursor.url,
                           team_name=None, now_ms=NOW, pacing=False)  # fmt: skip
    assert a.web.syncs.start("cursor")  # returns once its run is recorded
    assert b.web.syncs.start("cursor")
    b.web.syncs.wait()  # B's process ends at once: the integration is busy
    with a.web.engine.connect() as conn:
        iid = int(integrations.require(conn, "cursor").id)
        running = runs.running(conn, iid, NOW)
        recorded = conn.execute(select(func.count()).select_from(tables.sync_runs)).scalar()
    a.web.syncs.close()
    assert running is not None
    assert recorded == 1
