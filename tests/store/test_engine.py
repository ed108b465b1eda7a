"""Opening the store: private files, and one clear line for a database that cannot be used."""

from __future__ import annotations

import stat

import pytest

from pumpview.errors import UserInputError
from pumpview.store import integrations
from pumpview.store.engine import open_store, snapshot


def test_the_data_folder_and_database_are_private(tmp_path):
    """0700 folder, 0600 database: the file holds the team's usage and the sealed key."""
    home = tmp_path / "home"
    engine = open_store(f"sqlite:///{home / 'pumpview.db'}")
    engine.dispose()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "pumpview.db").stat().st_mode) == 0o600


def test_a_file_that_is_not_sqlite_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just text\n" * 100)
    with pytest.raises(UserInputError, match=r"cannot open the database .*notes\.txt"):
        open_store(f"sqlite:///{path}")
    assert path.read_text().startswith("not a database")  # untouched


def test_a_snapshot_sees_one_committed_state_while_others_commit(engine):
    """Reads in ``snapshot`` agree with each other though another connection commits between
    them (a report's queries during a sync); the commit is visible after the snapshot."""

    def count(conn) -> int:
        return int(conn.exec_driver_sql("SELECT count(*) FROM integrations").scalar_one())

    def add(name: str) -> None:
        with engine.begin() as conn:
            integrations.save(
                conn,
                {"name": name, "base_url": "http://x", "status": "connected",
                 "connected_at_ms": 0, "backfill_days": 1},
            )  # fmt: skip

    add("cursor")
    with snapshot(engine) as conn:
        before = count(conn)
        add("cursor-eu")
        during = count(conn)
    with engine.connect() as conn:
        after = count(conn)
    assert (before, during, after) == (1, 1, 2)
