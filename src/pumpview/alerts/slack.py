"""Slack: an incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks)
posted a Block Kit message: a header (the rule), a section (the alert's message), a context line
(when, and what it is about) and a button back to the Alerts page.

Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks): a header's plain text
150 characters, a section's text 3,000, a button's text 75 and its URL 3,000. Every text is
``plain_text`` with ``emoji: false``, so a name in a message cannot format, link or mention;
the top-level ``text`` (the notification's fallback) is mrkdwn, escaped as Slack asks (``&``,
``<``, ``>``).
"""

from __future__ import annotations

from typing import Any

import httpx

from pumpview.alerts.outcome import Outcome, of_response, of_transport, unlogged
from pumpview.alerts.rows import title

HEADER_MAX, SECTION_MAX, BUTTON_MAX, URL_MAX, FALLBACK_MAX = 150, 3000, 75, 3000, 3000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack's mrkdwn escaping of the three characters it reads as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": False}


def payload(row: dict[str, Any], link: str) -> dict[str, Any]:
    """The message for the alert ``row`` (``rows.alert_row``), its button opening ``link``."""
    about = " · ".join(
        str(v) for v in (row.get("scope_value"), row.get("period") or row.get("day")) if v
    )
    context = f"{row['created_at']}" + (f" · {about}" if about else "")
    return {
        "text": _cut(escape(f"{title(row['rule'])}: {row['message']}"), FALLBACK_MAX),
        "blocks": [
            {"type": "header", "text": _plain(f"Pump View · {title(row['rule'])}", HEADER_MAX)},
            {"type": "section", "text": _plain(row["message"], SECTION_MAX)},
            {"type": "context", "elements": [_plain(context, SECTION_MAX)]},
            {"type": "actions", "elements": [{
                "type": "button", "action_id": "open_alerts", "url": link[:URL_MAX],
                "text": _plain("Open in Pump View", BUTTON_MAX),
            }]},
        ],
    }  # fmt: skip


def send(http: httpx.Client, url: str, body: dict[str, Any]) -> Outcome:
    """POST the message; Slack answers 200 ``ok``, or 4xx naming what it refused (404
    ``no_service`` for a webhook removed)."""
    try:
        with unlogged(url):
            return of_response(http.post(url, json=body))
    except httpx.HTTPError as exc:
        return of_transport(exc)
