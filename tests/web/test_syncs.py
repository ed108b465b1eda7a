"""The web app's background syncs, each a process of its own, stop cleanly when the server
does."""

from __future__ import annotations

import time
from datetime import date
from datetime import time as clock_time

import stamina
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from pumpview.integrations import runner
from pumpview.integrations.cursor import connection
from pumpview.integrations.cursor.sync import SPEND_ONLY
from pumpview.reports import cycles, snapshots
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY, Faults
from pumpview.store import integrations, runs, tables
from pumpview.store.engine import open_store
from pumpview.timeutil import MS_PER_HOUR, Clock, day_start_ms, from_ms
from pumpview.web.syncs import Syncs
from tests.conftest import INSTANTS, MONDAY_JUST_AFTER_MIDNIGHT


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


def test_the_schedule_takes_a_spend_snapshot_in_the_last_hour_before_the_cycle_rolls(
    serve, tmp_path
):
    """A full sync two hours before the rollover (a long interval: the next one would come
    after it); at 30 seconds before, the schedule finds the spend snapshot due and takes one
    alone (members and /teams/spend, no usage events), under the lease and recorded; right
    after it, none is due."""
    rollover = day_start_ms(date(2027, 1, 1))  # this simulator's cycles start at midnight
    present = INSTANTS["month-end"]  # 2026-12-31T23:59:30Z
    earlier = present - 2 * MS_PER_HOUR
    served = serve(now_ms=present, days=5, members=8, cycle_anchor_time=clock_time(0))
    settings = load_settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'pv.db'}",
        secret_key=Fernet.generate_key().decode(), rate_limit=False, now=from_ms(present),
    )  # fmt: skip
    engine = open_store(settings.db_url)
    vault = settings.vault()
    with stamina.set_testing(True, attempts=100, cap=True):
        connection.connect(engine, vault, DEMO_KEY, base_url=served.url, team_name=None,
                           now_ms=earlier, pacing=False)  # fmt: skip
        runner.run_sync(engine, vault, pacing=False, clock=Clock(earlier))
        with engine.connect() as conn:
            iid = int(integrations.require(conn, "cursor").id)
            events = conn.execute(select(func.count()).select_from(tables.usage_events)).scalar()
            assert cycles.current(conn, iid, present).end_ms == rollover
            assert not snapshots.due(conn, iid, earlier)
        syncs = Syncs(settings, engine)
        assert syncs.snapshot_if_due() == ["cursor"]
        syncs.wait()
        assert syncs.snapshot_if_due() == []  # taken seconds ago
    with engine.connect() as conn:
        taken = conn.execute(
            select(tables.spend_snapshots.c.taken_at_ms).distinct().order_by(
                tables.spend_snapshots.c.taken_at_ms)
        ).scalars().all()  # fmt: skip
        after = conn.execute(select(func.count()).select_from(tables.usage_events)).scalar()
        last = runs.latest(conn, iid)
    engine.dispose()
    assert taken == [earlier, present]
    assert after == events  # no usage events read
    assert (last.outcome, last.message, last.windows_total) == ("ok", SPEND_ONLY, 0)
