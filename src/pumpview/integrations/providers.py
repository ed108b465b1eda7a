"""The providers Pump View reads, each as the runner and the faces need to know it: how to open
its API, its client, its sync. One integration is one account of one provider (a Cursor team, an
Anthropic organisation, a GitHub organisation); ``integrations.provider`` names which."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from sqlalchemy import Engine

from pumpview.errors import UserInputError
from pumpview.integrations.http import JsonApi
from pumpview.integrations.syncing import SyncResult
from pumpview.store import integrations


class Sync(Protocol):
    def run(self) -> SyncResult: ...

    def snapshot_spend(self) -> SyncResult: ...


@dataclass(frozen=True)
class Provider:
    name: str
    """As stored in ``integrations.provider`` and typed on the command line."""
    label: str
    """As people call it."""
    make_http: Callable[[str, str], httpx.Client]
    """(key, base URL) -> the ``httpx.Client`` its client sends through."""
    client: Callable[..., JsonApi]
    """(http, pacing=, budget=, sleep=) -> its client."""
    sync: Callable[..., Sync]
    """(engine, client, integration_id, now_ms=, backfill_days=, on_progress=) -> one run."""
    connect: Callable[..., int]
    """(engine, vault, key, base_url=, team_name=, name=, now_ms=, pacing=) -> the id of the
    integration it verified and stored; with ``org=`` too when ``needs_org``."""
    needs_org: bool = False
    """Its key reads many accounts, so connect names one: a GitHub token, an organisation."""


def _cursor() -> Provider:
    from pumpview.integrations.cursor import connection  # noqa: PLC0415
    from pumpview.integrations.cursor.client import CursorClient, make_http  # noqa: PLC0415
    from pumpview.integrations.cursor.sync import CursorSync  # noqa: PLC0415

    return Provider("cursor", "Cursor", make_http, CursorClient, CursorSync, connection.connect)


def _claude_code() -> Provider:
    from pumpview.integrations.claude_code import connection  # noqa: PLC0415
    from pumpview.integrations.claude_code.client import (  # noqa: PLC0415
        AnthropicClient,
        make_http,
    )
    from pumpview.integrations.claude_code.sync import ClaudeCodeSync  # noqa: PLC0415

    return Provider("claude-code", "Claude Code", make_http, AnthropicClient, ClaudeCodeSync,
                    connection.connect)  # fmt: skip


def _copilot() -> Provider:
    from pumpview.integrations.copilot import connection  # noqa: PLC0415
    from pumpview.integrations.copilot.client import GitHubClient, make_http  # noqa: PLC0415
    from pumpview.integrations.copilot.sync import CopilotSync  # noqa: PLC0415

    return Provider("copilot", "GitHub Copilot", make_http, GitHubClient, CopilotSync,
                    connection.connect, needs_org=True)  # fmt: skip


_PROVIDERS: dict[str, Callable[[], Provider]] = {
    "cursor": _cursor, "claude-code": _claude_code, "copilot": _copilot,
}  # fmt: skip
NAMES = tuple(_PROVIDERS)
"""Every provider's name, in the order Settings lists them."""
LABELS = {"cursor": "Cursor", "claude-code": "Claude Code", "copilot": "GitHub Copilot"}
"""Each provider as people call it."""
APIS = {"cursor": "Cursor", "claude-code": "Anthropic", "copilot": "GitHub"}
"""Whose API each provider's figures come from."""


def provider(name: str) -> Provider:
    """The provider ``name`` (its modules loaded when first asked), or ``UserInputError``."""
    found = _PROVIDERS.get(name)
    if found is None:
        msg = f"unknown provider {name!r}; available: {', '.join(NAMES)}"
        raise UserInputError(msg)
    return found()


NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def check_name(name: str) -> str:
    """An integration name: a short slug (``cursor``, ``cursor-eu``, ``claude-code``), or
    ``UserInputError``."""
    if not NAME_PATTERN.fullmatch(name):
        msg = (
            f"integration names are 1-32 lower-case letters, digits and dashes, starting with "
            f"a letter or digit; got {name!r}"
        )
        raise UserInputError(msg, field="name")
    return name


def check_account(engine: Engine, name: str, provider: str, account: str | None, what: str) -> None:
    """Refuse to connect ``name`` to ``account`` of ``provider`` (``what`` it is, in words) when
    that would mix two sources: ``name`` is another provider's integration, or holds another
    account's data, or the account is connected already under another name."""
    with engine.connect() as conn:
        known = integrations.accounts(conn)
    had = known.pop(name, None)
    if had is not None and had[0] != provider:
        msg = (
            f"the integration {name!r} is {LABELS.get(had[0], had[0])}'s; give this "
            f"{LABELS.get(provider, provider)} integration another name with --name"
        )
        raise UserInputError(msg, field="name", web=f"The name {name} is taken by "
                             f"{LABELS.get(had[0], had[0])}: choose another name.")  # fmt: skip
    if account is None:
        return
    if had is not None and had[1] not in (None, account):
        msg = (
            f"this key reads another {what} than the integration {name!r} holds; add it as a "
            f"second integration with --name, e.g. {name}-2, or delete the old data first: "
            f"pumpview integrations disconnect {name} --purge"
        )
        web = (f"This key reads another {what} than the integration {name}. To add it beside "
               f"it, give it another integration name, e.g. {name}-2.")  # fmt: skip
        raise UserInputError(msg, field="name", web=web)
    for other, (theirs, their_account) in sorted(known.items()):
        if theirs == provider and their_account == account:
            msg = (
                f"this key's {what} is already connected as the integration {other!r}; to give "
                f"it a new key: pumpview integrations connect {provider} --name {other}"
            )
            web = (
                f"This key's {what} is already connected as the integration {other}. To "
                f"give it this key, connect again with the integration name {other}."
            )
            raise UserInputError(msg, field="api_key", web=web)
