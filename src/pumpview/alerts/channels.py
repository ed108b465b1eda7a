"""Adding, testing and removing channels. A channel is verified by sending it a test message
before it is stored: an address that refuses, a Slack webhook that answers 404, an SMTP host
that is not there, each is an error at its field and nothing is saved.

A webhook's signing secret is the admin's (``whsec_<base64>``), or made here when none is given
and shown once, in the answer to the request that added the channel; after that, like the URL and
the SMTP password, it is only ever sealed in the store and never shown.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine

from pumpview.alerts import email, webhook
from pumpview.alerts.delivery import Target, open_target, send
from pumpview.alerts.outcome import Outcome
from pumpview.errors import UserInputError
from pumpview.store import channels as store
from pumpview.store.alerts import new_message_id
from pumpview.store.channels import Channel
from pumpview.vault import Vault

NAME_MAX = 200
URL_MAX = 2000
TEST_MESSAGE = "A test from Pump View: alerts will arrive here like this one."


@dataclass(frozen=True, slots=True)
class NewChannel:
    """A channel as asked for, checked: what may be shown, and what is sealed."""

    kind: str
    name: str
    config: dict[str, Any]
    secrets: dict[str, Any]
    made_secret: str | None = None
    """The signing secret made for a webhook given none: shown once, then only sealed."""

    def __repr__(self) -> str:
        return f"NewChannel({self.kind}, {self.name!r}, {self.config!r}, <secrets>)"

    @property
    def target(self) -> Target:
        return Target(self.kind, self.config, self.secrets)


def _text(fields: Mapping[str, object], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        msg = f"{name} must be text"
        raise UserInputError(msg, field=name)
    return str(value).strip()


def mask(url: str) -> str:
    """What of a secret URL may be shown: its scheme and host (``https://hooks.slack.com/…``)."""
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}/…"


def check_url(url: str) -> str:
    """An http(s) URL with a host and no credentials in it; the ``url`` field's error else."""
    if not url:
        raise UserInputError("enter the URL to post to", field="url")
    if len(url) > URL_MAX:
        msg = f"the URL is longer than {URL_MAX:,} characters"
        raise UserInputError(msg, field="url")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise UserInputError("this is not a URL (https://host/path)", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UserInputError("the URL must start with https:// (or http://) and name a host",
                             field="url")  # fmt: skip
    if parsed.userinfo:
        raise UserInputError(
            "the URL carries a user name or password (user:pw@host): put a signing secret in "
            "its field instead, and leave credentials out of the URL", field="url",
        )  # fmt: skip
    return url


def _address(text: str, field: str) -> str:
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() or c in ",;<>\"'" for c in text):
        msg = f"not an email address: {text!r}"
        raise UserInputError(msg, field=field)
    return text


def parse(fields: Mapping[str, object]) -> NewChannel:
    """A channel from a form's or a JSON body's fields: ``kind``, ``name``, and per kind
    ``url`` (and ``secret``) or ``host``, ``port``, ``security``, ``username``, ``password``,
    ``sender``, ``recipients`` (a list, or text separated by commas)."""
    kind = _text(fields, "kind")
    if kind not in store.KINDS:
        raise UserInputError("choose a kind: slack, webhook or email", field="kind")
    name = _text(fields, "name")
    if not name:
        raise UserInputError("give the channel a name (#finops, FinOps email...)", field="name")
    if len(name) > NAME_MAX:
        msg = f"the name is longer than {NAME_MAX} characters"
        raise UserInputError(msg, field="name")
    if kind in ("slack", "webhook"):
        url = check_url(_text(fields, "url"))
        config: dict[str, Any] = {"url": mask(url)}
        if kind == "slack":
            return NewChannel(kind, name, config, {"url": url})
        given = _text(fields, "secret")
        secret = given or webhook.new_secret()
        webhook.secret_bytes(secret)
        return NewChannel(kind, name, config, {"url": url, "secret": secret},
                          None if given else secret)  # fmt: skip
    return _email(name, fields)


def _email(name: str, fields: Mapping[str, object]) -> NewChannel:
    host = _text(fields, "host")
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise UserInputError("enter the SMTP server's host name", field="host")
    security = _text(fields, "security") or "starttls"
    if security not in email.SECURITY:
        raise UserInputError("choose starttls, tls or none", field="security")
    port_text = _text(fields, "port")
    if not port_text:
        port = email.PORTS[security]
    elif not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise UserInputError("the port is a number from 1 to 65535", field="port")
    else:
        port = int(port_text)
    username, password = _text(fields, "username"), _text(fields, "password")
    if password and not username:
        raise UserInputError("a password needs a user name", field="username")
    sender = _address(_text(fields, "sender"), "sender")
    given = fields.get("recipients")
    items = given if isinstance(given, list) else _text(fields, "recipients").split(",")
    recipients = [_address(str(r).strip(), "recipients") for r in items if str(r).strip()]
    if not recipients:
        raise UserInputError("name at least one recipient", field="recipients")
    config = {"host": host, "port": port, "security": security, "username": username or None,
              "sender": sender, "recipients": recipients}  # fmt: skip
    return NewChannel("email", name, config, {"password": password} if password else {})


def _field(kind: str, outcome: Outcome) -> str:
    """The form field a failed test belongs next to: the outcome's own, else the address."""
    return outcome.field or ("host" if kind == "email" else "url")


def sample_row(now_ms: int) -> dict[str, Any]:
    """The alert a test sends: the shape of every alert, its rule ``test``."""
    from pumpview.alerts.rows import instant  # noqa: PLC0415

    return {"id": 0, "rule": "test", "budget_id": None, "scope": "test", "scope_value": None,
            "period": None, "threshold": None, "day": None, "created_at": instant(now_ms),
            "message": TEST_MESSAGE, "key": "test", "details": {}}  # fmt: skip


def add(
    engine: Engine,
    vault: Vault,
    fields: Mapping[str, object],
    now_ms: int,
    http: httpx.Client,
    *,
    base_url: str,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[Channel, str | None]:
    """Check, send a test, store: the channel as shown, and the signing secret made for it (to
    show once) if one was. Any failure is a ``UserInputError`` at its field; nothing is saved."""
    new = parse(fields)
    with engine.connect() as conn:
        if any(c.name == new.name for c in store.listing(conn)):
            msg = f"a channel is already named {new.name!r}; choose another name"
            raise UserInputError(msg, field="name")
    outcome = send(new.target, sample_row(now_ms), new_message_id(), now_ms, http,
                   base_url=base_url, ssl_context=ssl_context)  # fmt: skip
    if not outcome.ok:
        msg = f"the test message was not delivered: {outcome.error}; nothing was saved"
        raise UserInputError(msg, field=_field(new.kind, outcome))
    sealed = vault.seal(json.dumps(new.secrets))
    with engine.begin() as conn:
        channel_id = store.add(conn, new.kind, new.name, new.config, sealed, now_ms)
        channel = store.find(conn, channel_id)
    assert channel is not None  # noqa: S101 - just written
    return channel, new.made_secret


def send_test(
    engine: Engine,
    vault: Vault,
    channel_id: int,
    now_ms: int,
    http: httpx.Client,
    *,
    base_url: str,
    ssl_context: ssl.SSLContext | None = None,
) -> Outcome:
    """Send a stored channel a test message now (not recorded: it is no alert's delivery)."""
    with engine.connect() as conn:
        channel = store.find(conn, channel_id)
        sealed = store.sealed(conn, channel_id)
    if channel is None or sealed is None:
        msg = f"no channel {channel_id}"
        raise LookupError(msg)
    target = open_target(channel.kind, channel.config, sealed, vault)
    return send(target, sample_row(now_ms), new_message_id(), now_ms, http, base_url=base_url,
                ssl_context=ssl_context)  # fmt: skip


def remove(engine: Engine, channel_id: int) -> bool:
    with engine.begin() as conn:
        return store.remove(conn, channel_id)
