"""The secret that seals the Cursor key: created once, race-free, private; clear errors."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from pumpview.errors import UserInputError
from pumpview.settings import Settings
from pumpview.vault import KEY_FILE, Vault

MAKE_VAULT = (
    "import sys; from pumpview.settings import Settings;"
    "v = Settings(home=sys.argv[1]).vault(); print(v.seal('x'))"
)


def test_two_processes_starting_at_once_share_one_secret(tmp_path):
    """Eight processes race to create the key file; every one can open what the others sealed."""
    home = tmp_path / "home"
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", MAKE_VAULT, str(home)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    tokens = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    vault = Settings(home=home).vault()
    assert {vault.open(t) for t in tokens} == {"x"}
    assert stat.S_IMODE((home / KEY_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == [KEY_FILE]  # no temporary left behind


def test_a_key_file_that_is_a_folder_is_named_in_the_error(tmp_path):
    (tmp_path / KEY_FILE).mkdir()
    with pytest.raises(UserInputError, match=f"cannot use the key file {tmp_path / KEY_FILE}"):
        Settings(home=tmp_path).vault()


def test_a_bad_secret_is_blamed_on_where_it_came_from(tmp_path):
    (tmp_path / KEY_FILE).write_bytes(b"not-a-fernet-key")
    with pytest.raises(UserInputError, match=f"the key file {tmp_path / KEY_FILE} is not a valid"):
        Settings(home=tmp_path).vault()
    with pytest.raises(UserInputError, match="PUMPVIEW_SECRET_KEY is not a valid"):
        Settings(home=tmp_path, secret_key="nope").vault()


def test_a_key_sealed_with_another_secret_is_a_clear_error():
    sealed = Vault(b"m4Gv0E0w8y4mD2G1l0ZrFJ0nP8QH4o2f5kR7a9s1t3w=").seal("crsr_x")
    with pytest.raises(UserInputError, match="cannot be decrypted with this secret"):
        Vault(b"Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=").open(sealed)
