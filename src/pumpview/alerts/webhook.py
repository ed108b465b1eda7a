"""A generic JSON webhook, signed per the Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).

The body is ``{"type": "<rule>", "alert": <the alert row>}``; the headers are ``webhook-id`` (the
delivery's id: the same on every attempt, so a receiver can drop a repeat), ``webhook-timestamp``
(seconds since the epoch) and ``webhook-signature: v1,<base64 of HMAC-SHA256 over
"id.timestamp.body">``, keyed with the secret's bytes (``whsec_<base64>``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx

from pumpview.alerts.outcome import Outcome, of_response, of_transport, unlogged
from pumpview.errors import UserInputError

PREFIX = "whsec_"
SECRET_BYTES = (24, 64)
"""The spec's bounds on a secret's length, in bytes."""


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, ``whsec_``-prefixed base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key of a ``whsec_<base64>`` secret; a ``UserInputError`` at the ``secret`` field
    for anything else."""
    text = secret.strip()
    bad = (f"a signing secret is {PREFIX} followed by {SECRET_BYTES[0]} to {SECRET_BYTES[1]} "
           "bytes in base64; leave it empty to have one made")  # fmt: skip
    if not text.startswith(PREFIX):
        raise UserInputError(bad, field="secret")
    try:
        key = base64.b64decode(text.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise UserInputError(bad, field="secret") from None
    if not SECRET_BYTES[0] <= len(key) <= SECRET_BYTES[1]:
        raise UserInputError(bad, field="secret")
    return key


def body(row: dict[str, Any]) -> bytes:
    """The bytes sent (and signed) for the alert ``row``."""
    document = {"type": row["rule"], "alert": row}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, message_id: str, timestamp: int, data: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    signed = f"{message_id}.{timestamp}.".encode() + data
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, now_ms: int, data: bytes) -> dict[str, str]:
    timestamp = now_ms // 1000
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, data),
    }


def send(
    http: httpx.Client, url: str, secret: str, message_id: str, now_ms: int, row: dict[str, Any]
) -> Outcome:
    data = body(row)
    try:
        with unlogged(url):
            sent = http.post(url, content=data, headers=headers(secret, message_id, now_ms, data))
        return of_response(sent)
    except httpx.HTTPError as exc:
        return of_transport(exc)
