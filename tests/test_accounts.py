"""Accounts: argon2 passwords, hashed tokens and one-time set-up links, on both databases."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from pumpview import accounts
from pumpview.errors import UserInputError
from pumpview.store import accounts as store
from pumpview.store import tables

NOW = 1_800_000_000_000

COUNT_HASHES = (
    "import argon2; calls = []; hash = argon2.PasswordHasher.hash\n"
    "argon2.PasswordHasher.hash = lambda self, *a: calls.append(1) or hash(self, *a)\n"
    "import pumpview.accounts; print(len(calls))"
)


def test_importing_accounts_hashes_nothing():
    """An argon2 hash costs tens of milliseconds: the unknown user's stand-in hash is made at
    the first sign-in that needs it, not when a command or the web app imports the module."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", COUNT_HASHES], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"


def test_a_user_signs_in_with_their_password_only(engine):
    accounts.add_user(engine, " Ada@Example.COM ", "admin", "correct horse battery", NOW)
    assert accounts.sign_in(engine, "ada@example.com", "correct horse battery") == accounts.User(
        1, "ada@example.com", "admin"
    )
    assert accounts.sign_in(engine, "ada@example.com", "wrong horse battery") is None
    assert accounts.sign_in(engine, "nobody@example.com", "correct horse battery") is None
    with engine.connect() as conn:
        stored = conn.execute(select(tables.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "admin", "long enough pw", "not an email address"),
        ("a@x.dev", "owner", "long enough pw", "the role must be admin or viewer"),
        ("a@x.dev", "viewer", "short", "at least 10 characters"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(engine, email, role, password, message):
    with pytest.raises(UserInputError, match=message):
        accounts.add_user(engine, email, role, password, NOW)


def test_a_second_user_with_the_same_email_is_refused(engine):
    accounts.add_user(engine, "a@x.dev", "viewer", "long enough pw", NOW)
    with pytest.raises(UserInputError, match="already exists"):
        accounts.add_user(engine, "A@X.dev", "admin", "another long pw", NOW)


def test_a_token_acts_for_its_user_until_revoked_and_only_its_hash_is_kept(engine):
    accounts.add_user(engine, "bot@x.dev", "viewer", "long enough pw", NOW)
    token = accounts.new_token(engine, "bot@x.dev", "nightly export", NOW)
    assert token.startswith("pv_")
    assert len(token) > 40
    assert accounts.token_user(engine, token, NOW + 5) == accounts.User(1, "bot@x.dev", "viewer")
    assert accounts.token_user(engine, token + "x", NOW) is None
    with engine.connect() as conn:
        (row,) = store.token_listing(conn)
        stored = conn.execute(select(tables.api_tokens)).one()
    assert (row.name, row.hint, row.last_used_at_ms) == ("nightly export", token[:8], NOW + 5)
    assert token not in repr(tuple(stored))
    with engine.begin() as conn:
        assert store.revoke_token(conn, row.id)
    assert accounts.token_user(engine, token, NOW) is None


def test_removing_a_user_ends_their_tokens_and_sessions(engine):
    user = accounts.add_user(engine, "a@x.dev", "admin", "long enough pw", NOW)
    token = accounts.new_token(engine, "a@x.dev", "script", NOW)
    with engine.begin() as conn:
        store.add_session(conn, accounts.digest("sid"), user.id, NOW, NOW + 1000)
    accounts.remove_user(engine, "a@x.dev")
    assert accounts.token_user(engine, token, NOW) is None
    with engine.connect() as conn:
        assert store.session_user(conn, accounts.digest("sid"), NOW) is None
    with pytest.raises(UserInputError, match=r"no user a@x\.dev"):
        accounts.remove_user(engine, "a@x.dev")


def test_a_setup_link_works_once_and_for_an_hour(engine):
    fresh, late = (accounts.new_setup_link(engine, NOW) for _ in range(2))
    with engine.begin() as conn:
        assert store.setup_link_valid(conn, accounts.digest(fresh), NOW + 10)
        assert store.use_setup_link(conn, accounts.digest(fresh), NOW + 10)
        assert not store.use_setup_link(conn, accounts.digest(fresh), NOW + 11)  # once
        assert not store.use_setup_link(conn, accounts.digest(late), NOW + 3_600_000)  # expired
        assert not store.use_setup_link(conn, accounts.digest("made up"), NOW)


def test_a_setup_link_makes_no_admin_once_a_user_exists(engine):
    """A link printed while no user existed, then ``users add``: the link is refused."""
    link = accounts.new_setup_link(engine, NOW)
    accounts.add_user(engine, "first@x.dev", "viewer", "long enough pw", NOW)
    assert accounts.add_first_admin(engine, link, "late@x.dev", "long enough pw", NOW + 1) is None
    with engine.connect() as conn:
        assert store.user(conn, "late@x.dev") is None


def test_a_tokens_last_use_is_written_at_most_once_a_minute(engine):
    accounts.add_user(engine, "bot@x.dev", "viewer", "long enough pw", NOW)
    token = accounts.new_token(engine, "bot@x.dev", "ci", NOW)

    def last_used() -> int | None:
        with engine.connect() as conn:
            return store.token_listing(conn)[0].last_used_at_ms

    for at, want in ((NOW, NOW), (NOW + 59_999, NOW), (NOW + 60_000, NOW + 60_000)):
        accounts.token_user(engine, token, at)
        assert last_used() == want
