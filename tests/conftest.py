"""Shared fixtures: a simulator served over real HTTP on 127.0.0.1, one per test."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine

from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.simulator import DEMO_KEY, SimConfig, Simulator, create_simulator
from pumpview.simulator.server import serve_in_thread
from pumpview.store import facts, integrations
from pumpview.store.engine import make_engine, migrate, open_store, snapshot
from pumpview.timeutil import Clock, day_start_ms
from tests.postgres import cluster

NOW_MS = 1_764_000_000_000
"""A fixed simulated present (2025-11-24T16:00:00Z) so every test sees the same data."""

INSTANTS = {
    "monday-00:00:30": 1_796_601_630_000,  # 2026-12-07T00:00:30Z: a weekend behind, today empty
    "wednesday-noon": 1_796_817_600_000,  # 2026-12-09T12:00:00Z
    "month-end": 1_798_761_570_000,  # 2026-12-31T23:59:30Z: the last day of a month and a year
}
"""The presents the sync tests run at, each of them: the hours a wall clock once failed them at
(the simulator thins weekends, and a day has just begun), so no test depends on when it runs."""

MONDAY_JUST_AFTER_MIDNIGHT = INSTANTS["monday-00:00:30"]


@pytest.fixture(params=list(INSTANTS.values()), ids=list(INSTANTS))
def instant(request: pytest.FixtureRequest) -> int:
    """A test that syncs runs once at each of ``INSTANTS``."""
    present: int = request.param
    return present


@pytest.fixture
def clock(instant: int) -> Clock:
    """The product's present, fixed at ``instant``."""
    return Clock(instant)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what is slow to set up, so ``pytest -m "not browser"`` is the inner loop: a test
    that drives Chromium is ``browser``, one on the PostgreSQL server is ``postgres``, one
    with its facts on ClickHouse ``clickhouse``. The ClickHouse runs are of the modules that
    read or write facts (``ON_CLICKHOUSE = True``) but for their tests of the SQL store's own
    statements (``sql_store``); the others' are left out."""
    kept, left_out = [], []
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        store = callspec.params.get("db_url") if callspec is not None else None
        if store == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if store == "clickhouse":
            module = getattr(item, "module", None)
            if not getattr(module, "ON_CLICKHOUSE", False) or item.get_closest_marker("sql_store"):
                left_out.append(item)
                continue
            item.add_marker(pytest.mark.clickhouse)
        kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


class Served:
    """A running simulator: its base URL, its Python handle, and a client factory."""

    def __init__(self, url: str, sim: Simulator) -> None:
        self.url = url
        self.sim = sim

    def client(self, key: str | None = DEMO_KEY, **kwargs: object) -> httpx.Client:
        auth = (key, "") if key is not None else None
        return httpx.Client(base_url=self.url, auth=auth, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start simulators with the given ``SimConfig`` fields; all are stopped after the test."""
    with ExitStack() as stack:

        def start(**fields: object) -> Served:
            fields.setdefault("now_ms", NOW_MS)
            fields.setdefault("members", 12)
            fields.setdefault("days", 20)
            fields.setdefault("rate_limits", False)
            app = create_simulator(SimConfig(**fields))  # type: ignore[arg-type]
            url = stack.enter_context(serve_in_thread(app))
            return Served(url, app.state.sim)

        yield start


def events_seen(engine: Engine) -> int:
    """The events the reports see, wherever the facts live (the database or ClickHouse)."""
    with snapshot(engine) as conn:
        ids = tuple(integrations.ids(conn).values())
        seen = facts.of(conn).events(ids, 0, day_start_ms(date(2100, 1, 1)), ("ts_ms",))
        return sum(1 for _ in seen)


def sync_served(
    engine: Engine, served: Served, *, days: int, name: str = "cursor", now_ms: int = NOW_MS
) -> None:
    """Connect ``served`` as integration ``name`` and sync ``days`` of it, without pacing."""
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": name, "base_url": served.url, "status": "connected",
             "connected_at_ms": NOW_MS, "backfill_days": days},
        )  # fmt: skip
    with served.client(DEMO_KEY) as http:
        CursorSync(
            engine, CursorClient(http, pacing=False), iid, now_ms=now_ms, backfill_days=days
        ).run()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    # Not under pytest's 0700 temp root: the server runs as another user and must reach it.
    base = Path(tempfile.mkdtemp(prefix="pumpview-pg-"))
    try:
        with cluster(base) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def chdb_path() -> Iterator[Path]:
    """The process's embedded ClickHouse: chDB opens one path per process, so each test gets a
    database of its own in it."""
    base = Path(tempfile.mkdtemp(prefix="pumpview-chdb-"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store migrated to head, once per test process: each test's store is a
    copy of it rather than 19 migrations run again (half a second a test)."""
    path = tmp_path_factory.mktemp("migrated") / "pumpview.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_admin_url: str) -> str:
    """An empty PostgreSQL database migrated to head, the template of each test's."""
    name = f"migrated_{os.getpid()}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    engine = make_engine(postgres_admin_url.rsplit("/", 1)[0] + f"/{name}")
    migrate(engine)
    engine.dispose()  # a template must have no connection when it is copied
    return name


@pytest.fixture(params=["sqlite", "postgresql", "clickhouse"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database per test, its schema at head (empty, unmigrated, for a test marked
    ``blank_store``), on SQLite and on PostgreSQL, and on SQLite with the facts in ClickHouse
    (``PUMPVIEW_CLICKHOUSE_URL``, as a user sets it: a real server's when the environment names
    one, else embedded chDB)."""
    blank = request.node.get_closest_marker("blank_store") is not None
    if request.param == "clickhouse":
        server = os.environ.get("PUMPVIEW_CLICKHOUSE_URL")
        name = f"test_{os.getpid()}_{next(_databases)}"
        if server:
            facts = f"{server.rstrip('/').rsplit('/', 1)[0]}/{name}"
        else:
            facts = f"chdb://{request.getfixturevalue('chdb_path')}?database={name}"
        monkeypatch.setenv("PUMPVIEW_CLICKHOUSE_URL", facts)
    else:
        monkeypatch.delenv("PUMPVIEW_CLICKHOUSE_URL", raising=False)
    if request.param in ("sqlite", "clickhouse"):
        path = tmp_path / "pumpview.db"
        if not blank:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"test_{next(_databases)}"
    template = "" if blank else f" TEMPLATE {request.getfixturevalue('migrated_postgres')}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{template}")
    return admin.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The store on ``db_url``, migrated to head; both databases, and ClickHouse's facts."""
    engine = open_store(db_url, os.environ.get("PUMPVIEW_CLICKHOUSE_URL"))
    yield engine
    engine.dispose()
