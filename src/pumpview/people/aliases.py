"""The values that name a person across sources, as the directory keeps them: an email, a cloud
owner tag's value (``alex``, ``alex@corp.com``), an email's Google-label spelling. Pure."""

from __future__ import annotations

import re


def alias(value: object) -> str:
    """A value that names a person (an email, an owner tag's value) as aliases are kept."""
    return str(value).strip().lower()


def label_form(email: str) -> str:
    """An email as a Google Cloud label value holds it (lower-case letters, digits, ``_`` and
    ``-`` only): ``alex@corp.com`` is ``alex_corp_com``."""
    return re.sub(r"[^a-z0-9_-]", "_", alias(email))
