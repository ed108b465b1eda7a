"""Opening the store: private files, and one clear line for a database that cannot be used."""

from __future__ import annotations

import stat

import pytest

from pumpview.errors import UserInputError
from pumpview.store.engine import open_store


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
