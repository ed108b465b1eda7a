"""The Cursor key at rest: Fernet-encrypted with a secret that never sits in the database.

The secret is ``PUMPVIEW_SECRET_KEY`` when set, otherwise a key file ``secret.key`` in the data
folder, created on first use with 0600 permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from pumpview.errors import UserInputError
from pumpview.settings import Settings

KEY_FILE = "secret.key"


class Vault:
    """Encrypts and decrypts API keys with one Fernet secret."""

    def __init__(self, secret: bytes) -> None:
        try:
            self._fernet = Fernet(secret)
        except ValueError:
            msg = "PUMPVIEW_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            raise UserInputError(msg) from None

    def __repr__(self) -> str:
        return "Vault(<secret>)"

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        if settings.secret_key is not None:
            return cls(settings.secret_key.get_secret_value().encode())
        return cls(_key_file(settings.home_dir / KEY_FILE))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            msg = (
                "the stored Cursor key cannot be decrypted with this secret "
                "(PUMPVIEW_SECRET_KEY or secret.key changed); connect the integration again"
            )
            raise UserInputError(msg) from None


def _key_file(path: Path) -> bytes:
    """Read the key file, creating it (0600, atomically) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret
