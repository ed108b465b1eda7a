"""An alert as data: the row ``GET /api/alerts`` answers, the generic webhook's ``alert``, and
the link back to it (``PUMPVIEW_BASE_URL`` + the Alerts page)."""

from __future__ import annotations

from typing import Any

from pumpview.store.alerts import Alert
from pumpview.store.channels import Channel
from pumpview.timeutil import from_ms

ALERTS_PAGE = "/alerts"
TITLES = {
    "budget": "Budget threshold crossed",
    "forecast": "Budget forecast to be exceeded",
    "anomaly": "Unusual spend",
    "idle_seats": "Idle seats",
    "integration": "Integration needs attention",
    "test": "Test message",
}
"""What each rule's alert is called in a Slack header or an email's subject."""


def title(rule: str) -> str:
    return TITLES.get(rule, rule.replace("_", " ").capitalize())


def instant(ms: int) -> str:
    """An instant as ``2026-12-07T00:00:30Z``."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert_row(alert: Alert, *, deliveries: bool = True) -> dict[str, Any]:
    """The alert as plain JSON; ``deliveries=False`` for what a channel is sent (they change
    while it is sent, and every attempt of one delivery must carry the same body)."""
    row: dict[str, Any] = {
        "id": alert.id, "rule": alert.rule, "budget_id": alert.budget_id, "scope": alert.scope,
        "scope_value": alert.scope_value,
        "period": alert.period.isoformat() if alert.period else None,
        "threshold": alert.threshold, "day": alert.day.isoformat() if alert.day else None,
        "created_at": instant(alert.created_at_ms), "message": alert.message,
        "key": alert.key, "details": alert.details,
    }  # fmt: skip
    if deliveries:
        row["deliveries"] = [
            {"channel": d.channel, "status": d.status, "attempts": d.attempts}
            for d in alert.deliveries
        ]
    return row


def link(base_url: str, alert_id: int | None = None) -> str:
    """The Alerts page (at the alert) under ``base_url``."""
    page = base_url.rstrip("/") + ALERTS_PAGE
    return f"{page}#alert-{alert_id}" if alert_id else page


def channel_row(channel: Channel) -> dict[str, Any]:
    """A channel as the API and the CLI show it: what may be shown, never a secret."""
    last = None
    if channel.last_status is not None and channel.last_at_ms is not None:
        last = {"status": channel.last_status, "at": instant(channel.last_at_ms),
                "error": channel.last_error}  # fmt: skip
    return {"id": channel.id, "kind": channel.kind, "name": channel.name, **channel.config,
            "created_at": instant(channel.created_at_ms), "last_delivery": last}  # fmt: skip
