"""Cursor Admin API keys: check the format, show a masked form, scrub keys out of text. Pure.

Keys are ``key_`` (2025 docs) or ``crsr_`` (2026 docs) followed by 64 characters
(cursor-admin-api.md §0). The charset is not documented, so any non-whitespace is accepted.
"""

from __future__ import annotations

import re

from pumpview.errors import UserInputError

PREFIXES = ("key_", "crsr_")
FORMAT_MESSAGE = (
    "the Cursor Admin API key must start with 'key_' or 'crsr_' followed by 64 characters"
)
_KEY = re.compile(r"^(?:key_|crsr_)\S{64}$")
_KEY_IN_TEXT = re.compile(r"(?:key_|crsr_)[A-Za-z0-9_\-]{16,}")


def check_key_format(key: str) -> str:
    """The key without surrounding whitespace, or ``UserInputError`` (never echoing the key)."""
    stripped = key.strip()
    if not _KEY.match(stripped):
        raise UserInputError(FORMAT_MESSAGE)
    return stripped


def mask_key(key: str) -> str:
    """A form safe to show: the prefix, an ellipsis and the last 4 characters (``crsr_…a1b2``)."""
    stripped = key.strip()
    prefix = next((p for p in PREFIXES if stripped.startswith(p)), "")
    tail = stripped[len(prefix) :][-4:] if len(stripped) - len(prefix) > 8 else ""
    return f"{prefix}…{tail}"


def redact_keys(text: str) -> str:
    """``text`` with anything shaped like a key replaced by its masked form (upstream echoes)."""
    return _KEY_IN_TEXT.sub(lambda m: mask_key(m.group(0)), text)
