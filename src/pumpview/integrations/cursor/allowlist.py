"""The only routes Pump View calls: Cursor's read-only ones. A call outside them is refused
before anything is sent (``ForbiddenCall``)."""

from __future__ import annotations

import re

from pumpview.errors import ForbiddenCall
from pumpview.integrations.cursor.keys import redact_keys

READ_ONLY_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/teams/members"),
    ("POST", "/teams/filtered-usage-events"),
    ("POST", "/teams/daily-usage-data"),
    ("POST", "/teams/spend"),
    ("GET", "/teams/groups"),
    ("GET", "/teams/groups/{id}"),
)
"""The only (method, path) pairs this client sends (the read routes of
https://cursor.com/docs/account/teams/admin-api). Several reads are POST, so the method is part
of the key. An Admin key can also write (spend limits, removing members); we never do."""

_ID_SEGMENT = r"[A-Za-z0-9_\-]+"  # no '.', '/' or '%': a template can never reach another route
_ROUTE_PATTERNS = tuple(
    (method, template, re.compile(re.escape(template).replace(r"\{id\}", _ID_SEGMENT)))
    for method, template in READ_ONLY_ROUTES
)


def check_route(method: str, path: str) -> str:
    """The allowlisted route template ``path`` matches for ``method``, else ``ForbiddenCall``."""
    verb = method.upper()
    for allowed, template, pattern in _ROUTE_PATTERNS:
        if verb == allowed and pattern.fullmatch(path):
            return template
    msg = (
        f"refusing {verb} {redact_keys(path)}: Pump View only calls Cursor's read-only routes "
        "(GET /teams/members, POST /teams/filtered-usage-events, POST /teams/daily-usage-data, "
        "POST /teams/spend, GET /teams/groups[/<id>])"
    )
    raise ForbiddenCall(msg)
