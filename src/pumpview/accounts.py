"""People who may use the web app, and how they prove it: passwords, API tokens, sessions.

Passwords are kept as argon2id hashes. Tokens, session ids and set-up links are random and long
(256 bits), so a SHA-256 digest is all the store needs to recognise them; the clear value is
shown once (a token, a link) or lives only in the browser's cookie (a session id).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from pumpview.errors import UserInputError
from pumpview.store import accounts

ROLES = ("admin", "viewer")
MIN_PASSWORD = 10
TOKEN_PREFIX = "pv_"  # noqa: S105 - a prefix that tells our tokens apart, not a secret
SESSION_DAYS = 14
SETUP_LINK_MS = 3_600_000
"""A set-up link is good for one hour, once."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against: the same work either way. Made at
    the first sign-in that needs it, not at import (a hash costs tens of milliseconds)."""
    return _HASHER.hash("no such user: the same work either way")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        msg = f"not an email address: {email!r}"
        raise UserInputError(msg)
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        msg = f"the role must be admin or viewer, got {role!r}"
        raise UserInputError(msg)
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        msg = f"the password must be at least {MIN_PASSWORD} characters"
        raise UserInputError(msg)
    return password


def digest(secret: str) -> str:
    """How the store recognises a token, a session id or a set-up link."""
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(engine: Engine, email: str, role: str, password: str, now_ms: int) -> User:
    """A new account; ``UserInputError`` if the email is taken or a value is not acceptable."""
    with engine.begin() as conn:
        return _insert_user(conn, email, role, password, now_ms)


def add_first_admin(
    engine: Engine, setup_token: str, email: str, password: str, now_ms: int
) -> User | None:
    """The admin a set-up link creates, spending the link in the same transaction; ``None`` if
    the link was used, expired or never made, or once any user exists (``users add`` after
    ``serve`` printed the link): the link makes the first admin, never another."""
    with engine.begin() as conn:
        if accounts.user_count(conn) or not accounts.use_setup_link(
            conn, digest(setup_token), now_ms
        ):
            return None
        return _insert_user(conn, email, "admin", password, now_ms)


def _insert_user(conn: Connection, email: str, role: str, password: str, now_ms: int) -> User:
    email, role = check_email(email), check_role(role)
    hashed = _HASHER.hash(check_password(password))
    if accounts.user(conn, email) is not None:
        msg = f"a user {email} already exists (remove it first to change it)"
        raise UserInputError(msg)
    return User(accounts.add_user(conn, email, role, hashed, now_ms), email, role)


def remove_user(engine: Engine, email: str) -> None:
    with engine.begin() as conn:
        if not accounts.remove_user(conn, check_email(email)):
            msg = f"no user {email.strip().lower()}"
            raise UserInputError(msg)


def sign_in(engine: Engine, email: str, password: str) -> User | None:
    """The user if the password is theirs, else ``None`` (the same work whether the account
    exists or not, so timing does not tell)."""
    with engine.connect() as conn:
        row = accounts.user(conn, email.strip().lower())
    try:
        _HASHER.verify(row.password_hash if row is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return None if row is None else User(row.id, row.email, row.role)


def new_token(engine: Engine, email: str, name: str, now_ms: int) -> str:
    """A new API token for ``email``, returned in clear this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        row = accounts.user(conn, check_email(email))
        if row is None:
            msg = f"no user {email.strip().lower()}"
            raise UserInputError(msg)
        accounts.add_token(conn, row.id, name, digest(token), token[:8], now_ms)
    return token


def token_user(engine: Engine, token: str, now_ms: int) -> User | None:
    with engine.begin() as conn:
        row = accounts.token_user(conn, digest(token), now_ms)
    return None if row is None else User(row.id, row.email, row.role)


def new_setup_link(engine: Engine, now_ms: int) -> str:
    """A one-time token for the page that creates the first admin."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        accounts.add_setup_link(conn, digest(token), now_ms + SETUP_LINK_MS)
    return token
