"""How an export names people: an opaque id for each, and on request no email at all.

The FOCUS 1.5 draft warns that principal columns may be personal data (FOCUS_Spec PR #2360,
``PrincipalId``):
``--hash-emails`` writes a keyed hash (HMAC-SHA256) wherever an address would appear. The key
derives from the installation's secret, so the same person gets the same id in every export of
this installation, and nobody without the secret can test a guessed address against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from functools import lru_cache

EMAIL = re.compile(r"[^\s@\"',;:<>()\[\]{}]+@[^\s@\"',;:<>()\[\]{}]+")
"""Anything shaped like an address (broad on purpose: a false match only hides more)."""
KEY_PURPOSE = "focus export principals"
"""What ``Vault.derive`` is asked for: a key of its own, so no other use of the secret is
exposed by the hashes."""


@dataclass(frozen=True, slots=True)
class Pseudonyms:
    """The principal id is always opaque; with ``hash_emails`` it stands in for every email."""

    key: bytes = field(repr=False)
    hash_emails: bool = False

    def opaque(self, email: str) -> str:
        """The stable keyed hash of an address, whatever its case or surrounding blanks."""
        return _hashed(self.key, email.strip().lower())

    def email(self, email: str | None) -> str | None:
        """An address as the file shows it: itself, or its hash when hashing."""
        return self.opaque(email) if email and self.hash_emails else email

    def text(self, text: str) -> str:
        """``text`` with every address in it replaced by its hash, when hashing."""
        if not self.hash_emails or "@" not in text:
            return text
        return EMAIL.sub(lambda m: self.opaque(m.group(0)), text)


@lru_cache(maxsize=65_536)
def _hashed(key: bytes, email: str) -> str:
    """A team's few hundred people recur on every row: each is hashed once."""
    digest = hmac.new(key, email.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest[:32]}"
