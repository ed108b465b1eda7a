"""Connect a Claude Code integration: check the key against the endpoints the sync reads, name
the organisation it reads, and store the key sealed.

The checks, in order, each a precise message at the key's field: the format (an Admin key, not
an API key: ``keys``), then Anthropic's answer to the organisation (401: invalid or revoked;
403: not an admin's), to its users and to one day of its Claude Code report (the shape the sync
needs). A key of another organisation than the integration's is refused, as is a second
integration of an organisation already connected (its spend would count twice).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from pumpview.errors import BadResponse
from pumpview.integrations.claude_code import NAME, PROVIDER
from pumpview.integrations.claude_code.client import (
    ME_PATH,
    USAGE_PATH,
    USERS_PATH,
    AnthropicClient,
    check_base_url,
    make_http,
)
from pumpview.integrations.claude_code.keys import check_key_format, mask_key
from pumpview.integrations.providers import check_account, check_name
from pumpview.store import integrations
from pumpview.store.budget import SharedBudget
from pumpview.timeutil import day_of
from pumpview.vault import Vault

DEFAULT_BACKFILL_DAYS = 365
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 15.0


def verify(client: AnthropicClient, now_ms: int) -> tuple[str, str | None]:
    """Prove the key reads what the sync needs, with answers of the documented shape; the
    organisation's id and name."""
    me = client.get(ME_PATH)
    if not isinstance(me, dict) or not isinstance(me.get("id"), str):
        msg = f"unexpected {ME_PATH} answer: no organisation id"
        raise BadResponse(msg)
    users = client.get(USERS_PATH, {"limit": 1})
    if not isinstance(users, dict) or not isinstance(users.get("data"), list):
        msg = f"unexpected {USERS_PATH} answer: no data list"
        raise BadResponse(msg)
    yesterday = day_of(now_ms) - timedelta(days=1)
    page = client.get(USAGE_PATH, {"starting_at": yesterday.isoformat(), "limit": 1})
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        msg = f"unexpected {USAGE_PATH} answer: no data list"
        raise BadResponse(msg)
    name = me.get("name")
    return me["id"], name if isinstance(name, str) and name.strip() else None


def connect(
    engine: Engine,
    vault: Vault,
    api_key: str,
    *,
    base_url: str,
    team_name: str | None,
    name: str = NAME,
    now_ms: int,
    pacing: bool = True,
    backfill_days: int = DEFAULT_BACKFILL_DAYS,
) -> int:
    """Verify ``api_key`` against ``base_url`` and store it sealed; the integration's id."""
    check_name(name)
    key = check_key_format(api_key)
    base_url = check_base_url(base_url)
    with make_http(key, base_url, timeout=CONNECT_TIMEOUT_SECONDS) as http:
        client = AnthropicClient(
            http, pacing=pacing, budget=SharedBudget(engine, name), attempts=CONNECT_ATTEMPTS,
            retry_timeout=CONNECT_TIMEOUT_SECONDS,
        )  # fmt: skip
        account, organisation = verify(client, now_ms)
    check_account(engine, name, PROVIDER, account, "Anthropic organisation")
    values = {
        "name": name,
        "provider": PROVIDER,
        "account": account,
        "key_ciphertext": vault.seal(key),
        "key_hint": mask_key(key),
        "base_url": base_url,
        "status": "connected",
        "message": None,
        "connected_at_ms": now_ms,
        "backfill_days": backfill_days,
    }
    if team_name is not None or organisation is not None:
        values["team_name"] = team_name or organisation
    with engine.begin() as conn:
        return integrations.save(conn, values)
