"""``GET /teams/groups``: Enterprise billing groups and who is in each (cost centres)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pumpview.errors import BadResponse
from pumpview.timeutil import to_ms

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
                    "joined_at_ms": _instant(m.get("joinedAt")),
                }
                for m in group.get("currentMembers") or []
            )
    except (KeyError, TypeError) as exc:
        msg = f"unexpected /teams/groups response ({type(exc).__name__}: {exc})"
        raise BadResponse(msg) from None
    return groups, members


def _instant(value: object) -> int | None:
    """An ISO 8601 instant (``2026-01-15T09:30:00Z``) in epoch ms; ``None`` when absent or not
    one: when a member joined is a hint for the idle-seat rule, never a reason to fail a sync."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
