"""Uploads kept between a preview and its apply: for their holder alone, until applied or an
hour has passed."""

from __future__ import annotations

import pytest

from pumpview.errors import UserInputError
from pumpview.web.pending import GONE, KEEP_MS, PendingUploads, holder
from tests.conftest import NOW_MS


def test_an_upload_is_its_holders_alone_until_dropped(tmp_path):
    """The holder gets it back; another session of the same user, or a made-up or
    path-like id, gets nothing; dropped, it is gone; the folder is the server's alone."""
    pending = PendingUploads(tmp_path / "pending")
    mine, other = holder(1, "session-a"), holder(1, "session-b")
    upload_id = pending.keep(mine, "people.csv", "email\na@x.io\n", NOW_MS)
    kept = pending.get(upload_id, mine, NOW_MS + 1)
    assert (kept.name, kept.text) == ("people.csv", "email\na@x.io\n")
    for who, which in ((other, upload_id), (mine, "../../secret"), (mine, f"{NOW_MS}-x")):
        with pytest.raises(UserInputError, match=GONE):
            pending.get(which, who, NOW_MS)
    assert (tmp_path / "pending").stat().st_mode & 0o777 == 0o700
    (path,) = (tmp_path / "pending").iterdir()
    assert path.stat().st_mode & 0o777 == 0o600
    assert "session-a" not in path.read_text()
    pending.drop(upload_id)
    with pytest.raises(UserInputError, match=GONE):
        pending.get(upload_id, mine, NOW_MS)


def test_an_upload_expires_after_an_hour_and_the_next_preview_removes_it(tmp_path):
    pending = PendingUploads(tmp_path)
    owner = holder(1, "s")
    old = pending.keep(owner, "old.csv", "x", NOW_MS)
    assert pending.get(old, owner, NOW_MS + KEEP_MS).name == "old.csv"
    with pytest.raises(UserInputError, match=GONE):
        pending.get(old, owner, NOW_MS + KEEP_MS + 1)
    new = pending.keep(owner, "new.csv", "y", NOW_MS + KEEP_MS + 1)
    assert sorted(p.stem for p in tmp_path.iterdir()) == [new]
