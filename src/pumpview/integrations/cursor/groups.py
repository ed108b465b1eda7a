"""``GET /teams/groups``: Enterprise billing groups and who is in each (cost centres)."""

from __future__ import annotations

from typing import Any

from pumpview.errors import BadResponse

PATH = "/teams/groups"


def to_rows(payload: Any, integration_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(groups, memberships) for the current cycle; unassigned members belong to no group."""
    try:
        groups: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for group in payload["groups"]:
            groups.append(
                {"integration_id": integration_id, "group_id": group["id"], "name": group["name"]}
            )
            members.extend(
                {
                    "integration_id": integration_id,
                    "group_id": group["id"],
                    "email": str(m["email"]).strip().lower(),
                }
                for m in group.get("currentMembers") or []
            )
    except (KeyError, TypeError) as exc:
        msg = f"unexpected /teams/groups response ({type(exc).__name__}: {exc})"
        raise BadResponse(msg) from None
    return groups, members
