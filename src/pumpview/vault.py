"""The Cursor key at rest: Fernet-encrypted with a secret that never sits in the database.

The secret is ``PUMPVIEW_SECRET_KEY`` when set, otherwise a key file ``secret.key`` in the data
folder, created on first use with 0600 permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from pumpview.errors import UserInputError

KEY_FILE = "secret.key"
UNREADABLE = (
    "the stored Cursor key cannot be decrypted with this secret "
    "(PUMPVIEW_SECRET_KEY or secret.key changed); connect the integration again"
)


class Vault:
    """Encrypts and decrypts API keys with one Fernet secret."""

    def __init__(self, secret: bytes, source: str = "PUMPVIEW_SECRET_KEY") -> None:
        self._secret = secret
        try:
            self._fernet = Fernet(secret)
        except ValueError:
            msg = f"{source} is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            raise UserInputError(msg) from None

    def __repr__(self) -> str:
        return "Vault(<secret>)"

    @classmethod
    def from_key_file(cls, path: Path) -> Vault:
        """The vault of the key file at ``path``, created (0600) on first use."""
        return cls(_key_file(path), source=f"the key file {path}")

    def derive(self, purpose: str) -> bytes:
        """A key of its own for ``purpose`` (signing cookies, say), derived from the secret, so
        one secret serves all and none of them can open the sealed keys."""
        return hmac.new(self._secret, f"pumpview {purpose}".encode(), hashlib.sha256).digest()

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def can_open(self, token: str) -> bool:
        """Whether ``token`` was sealed with this secret."""
        try:
            self._fernet.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UserInputError(UNREADABLE) from None


def _key_file(path: Path) -> bytes:
    """Read the key file, creating it (0600) on first use, race-free: it is written whole under
    a temporary name and linked into place, so a second process sees all of it or none."""
    try:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                temporary.unlink()
        return path.read_bytes().strip()
    except OSError as exc:
        msg = f"cannot use the key file {path}: {exc.strerror or exc}"
        raise UserInputError(msg) from None
