"""Anthropic Admin API keys: check the format, show a masked form, scrub keys out of text. Pure.

An Admin API key starts ``sk-ant-admin`` (``sk-ant-admin01-`` today, created in the Claude
Console under Settings → Admin keys by an organisation admin). A regular API key
(``sk-ant-api03-…``) cannot read the organisation's reports: it is refused here, before anything
is sent, with what to do instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from pumpview.errors import UserInputError

_ADMIN = re.compile(r"^sk-ant-admin[0-9]*-[A-Za-z0-9_\-]{20,}$")
_PREFIX = re.compile(r"sk-ant-[a-z]+[0-9]*-")
_KEY_IN_TEXT = re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}")
FORMAT_MESSAGE = (
    "an Anthropic Admin API key starts with 'sk-ant-admin' (for example sk-ant-admin01-…); "
    "create one in the Claude Console under Settings → Admin keys"
)
NOT_ADMIN_MESSAGE = (
    "this is an Anthropic API key, not an Admin API key: the usage and cost reports need an "
    "Admin API key (sk-ant-admin…), which an organisation admin creates in the Claude Console "
    "under Settings → Admin keys"
)


def check_key_format(key: str) -> str:
    """The key without surrounding whitespace, or ``UserInputError`` (never echoing the key)."""
    stripped = key.strip()
    if _ADMIN.match(stripped):
        return stripped
    if stripped.startswith("sk-ant-"):
        raise UserInputError(NOT_ADMIN_MESSAGE, field="api_key")
    raise UserInputError(FORMAT_MESSAGE, field="api_key")


def mask_key(key: str) -> str:
    """A form safe to show: the prefix, an ellipsis and the last 4 characters."""
    stripped = key.strip()
    kind = _PREFIX.match(stripped)
    prefix = kind.group(0) if kind else ""
    tail = stripped[len(prefix) :][-4:] if len(stripped) - len(prefix) > 8 else ""
    return f"{prefix}…{tail}"


def redact_keys(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every form of the ``known`` keys masked, and anything else shaped like an
    Anthropic key masked too."""
    for key in known:
        for form in sorted({key, quote(key, safe=""), quote_plus(key)}, key=len, reverse=True):
            text = text.replace(form, mask_key(key))
    return _KEY_IN_TEXT.sub(lambda m: mask_key(m.group(0)), text)
