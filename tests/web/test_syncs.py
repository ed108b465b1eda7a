"""The web app's background syncs, each a process of its own, stop cleanly when the server
does."""

from __future__ import annotations

import time

import stamina
from cryptography.fernet import Fernet

from pumpview.integrations.cursor import connection, runner
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY, Faults
from pumpview.store import integrations, runs
from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from pumpview.web.syncs import Syncs
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT


def test_closing_stops_a_running_sync_after_its_page_and_records_it(serve, tmp_path):
    """A slow upstream (every answer 0.2 s late) keeps a 30-day backfill busy; closing asks the
    run to stop, it ends within the wait, interrupted, and holds no lease any more."""
    served = serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=30, members=8,
                   faults=Faults(slow_rate=1.0, slow_seconds=0.2))  # fmt: skip
    settings = load_settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'pv.db'}",
        secret_key=Fernet.generate_key().decode(), rate_limit=False,
        now=from_ms(MONDAY_JUST_AFTER_MIDNIGHT),
    )  # fmt: skip
    engine = open_store(settings.db_url)
    vault = settings.vault()
    with stamina.set_testing(True, attempts=100, cap=True):
        connection.connect(engine, vault, DEMO_KEY, base_url=served.url, team_name=None,
                           now_ms=settings.clock(), pacing=False)  # fmt: skip
        syncs = Syncs(settings, engine)
        syncs.start("cursor")
        with engine.connect() as conn:
            iid = int(integrations.require(conn, "cursor").id)
        deadline = time.monotonic() + 30
        while True:  # until the run is recorded and under way (each step is a request: 0.2 s)
            with engine.connect() as conn:
                run = runs.running(conn, iid, settings.clock())
            if run is not None and run.stage == "window":
                break
            assert time.monotonic() < deadline, "the sync never started"
        assert run.owner != runner.owner()  # not this process: the sync has one of its own
        asked = time.monotonic()
        syncs.close(timeout=30)
        assert time.monotonic() - asked < 10  # within a beat or a page, not the backfill
    with engine.connect() as conn:
        ended = runs.latest(conn, iid)
        assert runs.running(conn, iid, settings.clock()) is None
    engine.dispose()
    assert ended.outcome == "interrupted"
    assert ended.windows_done < ended.windows_total
