"""Connect, verify and reopen the Cursor integration. The key is sealed before it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from pumpview.errors import UserInputError
from pumpview.integrations.cursor import members, usage_events
from pumpview.integrations.cursor.client import CursorClient, check_base_url, make_http
from pumpview.integrations.cursor.keys import check_key_format, mask_key
from pumpview.store import integrations
from pumpview.timeutil import MS_PER_DAY, Window
from pumpview.vault import Vault

NAME = "cursor"
DEFAULT_BACKFILL_DAYS = 365


def verify(client: CursorClient, now_ms: int) -> None:
    """Prove the key works where the sync needs it: the roster and one usage-events page."""
    client.get(members.PATH)
    last_day = Window(now_ms - MS_PER_DAY, now_ms)
    client.post(usage_events.PATH, usage_events.request_body(last_day, 1, 1))


def connect(
    engine: Engine,
    vault: Vault,
    api_key: str,
    *,
    base_url: str,
    team_name: str | None,
    now_ms: int,
    pacing: bool = True,
    backfill_days: int = DEFAULT_BACKFILL_DAYS,
) -> int:
    """Verify ``api_key`` against ``base_url`` and store it sealed; returns the integration id."""
    key = check_key_format(api_key)
    base_url = check_base_url(base_url)
    with make_http(key, base_url) as http:
        verify(CursorClient(http, pacing=pacing), now_ms)
    with engine.begin() as conn:
        return integrations.save(
            conn,
            {
                "name": NAME,
                "team_name": team_name,
                "key_ciphertext": vault.seal(key),
                "key_hint": mask_key(key),
                "base_url": base_url,
                "status": "connected",
                "message": None,
                "connected_at_ms": now_ms,
                "backfill_days": backfill_days,
            },
        )


@dataclass(frozen=True)
class Stored:
    """The stored integration, key unsealed: only ever held in memory for one sync."""

    integration_id: int
    api_key: str = field(repr=False)
    base_url: str
    backfill_days: int


def stored(engine: Engine, vault: Vault, name: str = NAME) -> Stored:
    """The connected Cursor integration ``name`` with its key, or a clear error saying what to
    do."""
    with engine.connect() as conn:
        row = integrations.require(conn, name)
    if row.key_ciphertext is None:
        msg = f"the integration {name} has no key (disconnected); connect it again to sync"
        raise UserInputError(msg)
    return Stored(int(row.id), vault.open(row.key_ciphertext), row.base_url, int(row.backfill_days))
