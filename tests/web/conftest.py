"""The web app served over real HTTP on 127.0.0.1, with a simulator as its Cursor."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import stamina
from cryptography.fernet import Fernet

from pumpview import accounts
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY, Grant
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import from_ms
from pumpview.web.app import create_app
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT, Served

ADMIN, VIEWER, PASSWORD = "admin@acme.dev", "viewer@acme.dev", "a long passphrase"
NO_API_KEY = "crsr_" + "fedcba9876543210" * 4
"""A key of a team whose plan has no Admin API access: the simulator answers the documented 403."""


@dataclass
class Site:
    url: str
    app: object
    cursor: Served
    opened: list[httpx.Client] = field(default_factory=list)

    @property
    def web(self):  # the app's state, for waiting on its background syncs
        return self.app.state.web  # type: ignore[attr-defined]

    def browser(self) -> httpx.Client:
        """A client that keeps cookies, as a browser does; redirects are not followed."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        self.opened.append(client)
        return client

    def signed_in(self, email: str = ADMIN) -> httpx.Client:
        browser = self.browser()
        page = browser.get("/sign-in")
        answer = browser.post("/sign-in", data={"email": email, "password": PASSWORD,
                                                "csrf_token": csrf(page.text)})  # fmt: skip
        assert answer.status_code == 303, answer.text
        return browser


def csrf(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def make_site(
    tmp_path: Path, serve: Callable[..., Served], db_url: str
) -> Iterator[Callable[..., Site]]:
    """Start the app on a fresh store with an admin and a viewer, its Cursor a small simulator
    (``SimConfig`` fields override the defaults, ``settings`` the app's); everything stops
    after the test. The app's present is the simulator's: fixed, a Monday just after midnight
    unless ``now_ms`` says."""
    with ExitStack() as stack:

        def start(settings: dict[str, object] | None = None, **sim: object) -> Site:
            fields = {
                "now_ms": MONDAY_JUST_AFTER_MIDNIGHT,
                "days": 5,
                "members": 8,
                "keys": {DEMO_KEY: Grant.ENTERPRISE, NO_API_KEY: Grant.NO_API},
                **sim,
            }
            cursor = serve(**fields)
            settings = load_settings(
                home=tmp_path / "home",
                database_url=db_url,
                secret_key=Fernet.generate_key().decode(),
                rate_limit=False,
                cursor_base_url=cursor.url,
                sync_interval=None,
                now=from_ms(cursor.sim.team.now),
                **(settings or {}),
            )
            app = create_app(settings)
            engine = app.state.web.engine
            stack.callback(engine.dispose)
            accounts.add_user(engine, ADMIN, "admin", PASSWORD, cursor.sim.team.now)
            accounts.add_user(engine, VIEWER, "viewer", PASSWORD, cursor.sim.team.now)
            stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))
            site = Site(stack.enter_context(serve_in_thread(app)), app, cursor)

            @stack.callback
            def stop() -> None:  # before the server: no sync or import outlives the test
                syncs = app.state.web.syncs
                syncs.close(timeout=120)  # what is still running is asked to stop
                assert not syncs.running(), f"syncs outlived the test: {syncs.running()}"
                app.state.web.imports.close()
                for client in site.opened:
                    client.close()

            return site

        yield start


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    """The app with the default small simulator as its Cursor."""
    return make_site()


@pytest.fixture
def loaded(site: Site) -> tuple[httpx.Client, str]:
    """The app after Cursor is connected through its page and backfilled: an admin's browser,
    and the first day of the simulator's data."""
    browser = site.signed_in()
    page = browser.get("/settings/integrations")
    browser.post("/settings/integrations/connect",
                 data={"api_key": DEMO_KEY, "csrf_token": csrf(page.text)})  # fmt: skip
    site.web.syncs.wait()
    return browser, str(site.cursor.sim.team.first_day)
