"""Sending what is due: ``deliver`` claims each due delivery (one sender at a time, whatever the
number of processes), sends it through its channel and records the attempt.

The channel's secrets are opened from the vault only here, for the one send, and never logged:
errors are the channel modules' own words (``outcome``).
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine

from pumpview.alerts import email, slack, webhook
from pumpview.alerts.outcome import Outcome
from pumpview.alerts.rows import alert_row, link
from pumpview.errors import UserInputError
from pumpview.store import alerts as store
from pumpview.store import channels
from pumpview.vault import Vault

TIMEOUT_SECONDS = 10.0


def make_http() -> httpx.Client:
    """The client alerts are posted with: a 10 s timeout, redirects not followed (a webhook
    that moved must be given its new address, not sent elsewhere)."""
    return httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS), follow_redirects=False)


@dataclass(frozen=True, slots=True)
class Target:
    """A channel opened for sending: what it shows and what it keeps sealed."""

    kind: str
    config: dict[str, Any]
    secrets: dict[str, Any]


def open_target(kind: str, config: dict[str, Any], sealed: str, vault: Vault) -> Target:
    """The channel of ``kind`` with its secrets unsealed, for one send."""
    return Target(kind, config, json.loads(vault.open(sealed)))


def send(
    target: Target,
    row: dict[str, Any],
    message_id: str,
    now_ms: int,
    http: httpx.Client,
    *,
    base_url: str,
    ssl_context: ssl.SSLContext | None = None,
) -> Outcome:
    """Send the alert ``row`` through ``target`` once."""
    where = link(base_url, row["id"] or None)
    if target.kind == "slack":
        return slack.send(http, target.secrets["url"], slack.payload(row, where))
    if target.kind == "webhook":
        return webhook.send(http, target.secrets["url"], target.secrets["secret"], message_id,
                            now_ms, row)  # fmt: skip
    config = target.config
    server = email.Server(config["host"], int(config["port"]), config["security"],
                          config.get("username"), target.secrets.get("password"))  # fmt: skip
    mail = email.message(row, where, config["sender"], config["recipients"], message_id, now_ms)
    return email.send(server, mail, ssl_context=ssl_context)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One attempt made by ``deliver``."""

    delivery_id: int
    alert_id: int
    channel: str
    outcome: Outcome
    status: str  # the delivery's status after it: sent, pending (a retry is due later), failed


def deliver(
    engine: Engine,
    vault: Vault,
    now_ms: int,
    http: httpx.Client,
    *,
    base_url: str,
    ssl_context: ssl.SSLContext | None = None,
    limit: int = 100,
) -> list[Delivered]:
    """Send every delivery due at ``now_ms`` (up to ``limit``) that this sender can claim."""
    with engine.connect() as conn:
        due = store.due(conn, now_ms, limit)
    done = []
    for delivery_id in due:
        with engine.begin() as conn:
            held = store.claim(conn, delivery_id, now_ms)
        if held is None:
            continue  # another sender has it
        with engine.connect() as conn:
            alert = store.find(conn, held.alert_id)
            channel = channels.find(conn, held.channel_id)
            sealed = channels.sealed(conn, held.channel_id)
        if alert is None or channel is None or sealed is None:
            continue  # removed meanwhile (its deliveries went with it)
        try:
            target = open_target(channel.kind, channel.config, sealed, vault)
        except UserInputError as exc:
            outcome = Outcome("failed", None, str(exc))
        else:
            outcome = send(target, alert_row(alert, deliveries=False), held.message_id, now_ms,
                           http, base_url=base_url, ssl_context=ssl_context)  # fmt: skip
        with engine.begin() as conn:
            status = store.record(conn, held, now_ms, outcome.result, outcome.status_code,
                                  outcome.error)  # fmt: skip
        done.append(Delivered(held.id, held.alert_id, channel.name, outcome, status))
    return done
