"""GitHub tokens: check the format, show a masked form, scrub tokens out of text. Pure.

Four kinds can read an organisation's Copilot data (the reference's §1 and §8): a classic
personal access token (``ghp_``), a fine-grained one (``github_pat_``), a GitHub App installation
token (``ghs_``) and a GitHub App user token (``ghu_``). Anything else is refused here, before
anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from pumpview.errors import UserInputError

_TOKEN = re.compile(r"^(?:ghp_|ghs_|ghu_)[A-Za-z0-9]{20,255}$|^github_pat_[A-Za-z0-9_]{20,255}$")
_PREFIX = re.compile(r"github_pat_|gh[psuor]_")
_TOKEN_IN_TEXT = re.compile(r"(?:github_pat_[A-Za-z0-9_]{8,}|gh[psuor]_[A-Za-z0-9]{8,})")
FORMAT_MESSAGE = (
    "a GitHub token starts with ghp_ (classic personal access token), github_pat_ "
    "(fine-grained), ghs_ or ghu_ (GitHub App); create one of an organisation owner under "
    "GitHub → Settings → Developer settings → Personal access tokens"
)


def check_token_format(token: str) -> str:
    """The token without surrounding whitespace, or ``UserInputError`` (never echoing it)."""
    stripped = token.strip()
    if _TOKEN.match(stripped):
        return stripped
    raise UserInputError(FORMAT_MESSAGE, field="api_key")


def mask_key(token: str) -> str:
    """A form safe to show: the prefix, an ellipsis and the last 4 characters."""
    stripped = token.strip()
    kind = _PREFIX.match(stripped)
    prefix = kind.group(0) if kind else ""
    tail = stripped[len(prefix) :][-4:] if len(stripped) - len(prefix) > 8 else ""
    return f"{prefix}…{tail}"


def redact_keys(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every form of the ``known`` tokens masked (as sent, percent-encoded, in a
    form body), and anything else shaped like a GitHub token masked too."""
    for token in known:
        for form in sorted({token, quote(token, safe=""), quote_plus(token)}, key=len,
                           reverse=True):  # fmt: skip
            text = text.replace(form, mask_key(token))
    return _TOKEN_IN_TEXT.sub(lambda m: mask_key(m.group(0)), text)
