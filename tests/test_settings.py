"""Settings read at the edge, and the data folder they name kept private."""

from __future__ import annotations

import pytest

from pumpview.cli import main


def test_an_existing_data_folder_open_to_others_is_made_private(tmp_path, monkeypatch, capsys):
    """A data folder made 0755 (by hand, or by an older release) is 0700 once a command has
    used it, as a new one is created; its database stays 0600."""
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # whatever the umask
    with pytest.raises(SystemExit) as done:
        main(["--home", str(home), "users", "list"])
    assert done.value.code in (0, None), capsys.readouterr().err
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / "pumpview.db").stat().st_mode & 0o777 == 0o600


def test_a_new_data_folder_is_made_private(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
    home = tmp_path / "new"
    with pytest.raises(SystemExit) as done:
        main(["--home", str(home), "users", "list"])
    assert done.value.code in (0, None), capsys.readouterr().err
    assert home.stat().st_mode & 0o777 == 0o700
