"""Cursor Admin API keys: check the format, show a masked form, scrub keys out of text. Pure.

Keys are ``key_`` (2025 docs) or ``crsr_`` (2026 docs) followed by 64 characters
(https://cursor.com/docs/account/teams/admin-api). The charset is not documented, so any
non-whitespace is accepted.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from pumpview.errors import UserInputError

PREFIXES = ("key_", "crsr_")
FORMAT_MESSAGE = (
    "the Cursor Admin API key must start with 'key_' or 'crsr_' followed by 64 characters"
)
_KEY = re.compile(r"^(?:key_|crsr_)\S{64}$")
_KEY_IN_TEXT = re.compile(r"(?:key_|crsr_|key%5F|crsr%5F)[^\s\"'<>]{16,}", re.IGNORECASE)
_BASIC_IN_TEXT = re.compile(r"(?:Y3Jzcl8|a2V5Xw)[A-Za-z0-9+/]{16,}=*")
"""The base64 of ``crsr_...:`` or ``key_...:``: a Basic Authorization header echoed back."""


def check_key_format(key: str) -> str:
    """The key without surrounding whitespace, or ``UserInputError`` (never echoing the key)."""
    stripped = key.strip()
    if not _KEY.match(stripped):
        raise UserInputError(FORMAT_MESSAGE, field="api_key")
    return stripped


def mask_key(key: str) -> str:
    """A form safe to show: the prefix, an ellipsis and the last 4 characters (``crsr_…a1b2``)."""
    stripped = key.strip()
    prefix = next((p for p in PREFIXES if stripped.startswith(p)), "")
    tail = stripped[len(prefix) :][-4:] if len(stripped) - len(prefix) > 8 else ""
    return f"{prefix}…{tail}"


def key_forms(key: str) -> list[str]:
    """Every encoding a key travels in: as is, URL-encoded (both ways), and the base64 of
    ``key:`` that HTTP Basic auth sends (with and without padding)."""
    basic = base64.b64encode(f"{key}:".encode()).decode()
    forms = {key, quote(key, safe=""), quote_plus(key), basic, basic.rstrip("=")}
    return sorted(forms, key=len, reverse=True)


def redact_keys(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every form of the ``known`` keys masked, and anything else shaped like a
    key (an upstream echo of another one) masked too."""
    for key in known:
        for form in key_forms(key):
            text = text.replace(form, mask_key(key))
    text = _BASIC_IN_TEXT.sub("[redacted credentials]", text)
    return _KEY_IN_TEXT.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    """A key found in text, masked; sentence punctuation after it stays (a key may hold any
    punctuation, so the mask covers more than the key rather than less)."""
    found = match.group(0)
    core = found.rstrip(".,;:!?)]}")
    return mask_key(core) + found[len(core) :]


def key_of_basic_auth(header: str | None) -> str | None:
    """The username of a ``Basic`` Authorization header (our key), if it is one."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        user = base64.b64decode(header[6:], validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return user.split(":", 1)[0] or None
