"""``GET /teams/members``: the roster, keyed by lower-case email."""

from __future__ import annotations

from typing import Any

from pumpview.errors import BadResponse

PATH = "/teams/members"
UPDATED = ("name", "role", "user_id", "is_removed", "service_account_id", "listed_at_ms")
"""What a later listing overwrites: all but ``first_listed_at_ms``, the first listing's."""


def to_rows(payload: Any, integration_id: int, listed_at_ms: int) -> list[dict[str, Any]]:
    """People rows from the ``teamMembers`` envelope (a bare list, as in the first docs, too)."""
    members = payload.get("teamMembers") if isinstance(payload, dict) else payload
    if not isinstance(members, list):
        msg = "unexpected /teams/members response: no teamMembers list"
        raise BadResponse(msg)
    rows = []
    for member in members:
        email = member.get("email") if isinstance(member, dict) else None
        if not isinstance(email, str) or not email.strip():
            continue
        rows.append(
            {
                "integration_id": integration_id,
                "email": email.strip().lower(),
                "name": member.get("name"),
                "role": member.get("role"),
                "user_id": None if member.get("id") is None else str(member["id"]),
                "is_removed": bool(member.get("isRemoved", False)),
                "service_account_id": None,
                "listed_at_ms": listed_at_ms,
                "first_listed_at_ms": listed_at_ms,
            }
        )
    return rows
