"""Connect, verify and reopen the Cursor integration. The key is sealed before it is stored."""

from __future__ import annotations

from sqlalchemy import Engine

from pumpview.errors import BadResponse, UserInputError
from pumpview.integrations.cursor import NAME, members, usage_events
from pumpview.integrations.cursor.client import CursorClient, check_base_url, make_http
from pumpview.integrations.cursor.keys import check_key_format, mask_key
from pumpview.integrations.providers import check_account, check_name
from pumpview.store import integrations
from pumpview.store.budget import SharedBudget
from pumpview.timeutil import MS_PER_DAY, Window
from pumpview.vault import Vault

DEFAULT_BACKFILL_DAYS = 365
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 15.0
"""A person is waiting on a connect: give up sooner than a background sync would."""


def verify(client: CursorClient, now_ms: int) -> set[str]:
    """Prove the key works where the sync needs it, with answers of the documented shape: the
    roster and one usage-events page. Returns the roster's emails."""
    roster = members.to_rows(client.get(members.PATH), 0, now_ms)
    last_day = Window(now_ms - MS_PER_DAY, now_ms)
    page = client.post(usage_events.PATH, usage_events.request_body(last_day, 1, 1))
    if not (
        isinstance(page, dict)
        and isinstance(page.get("usageEvents"), list)
        and isinstance(page.get("pagination"), dict)
    ):
        msg = "unexpected /teams/filtered-usage-events response: no usageEvents and pagination"
        raise BadResponse(msg)
    return {row["email"] for row in roster}


def _same_team(known: set[str], roster: set[str]) -> bool:
    """Whether two rosters are one Cursor team's: a re-issued key lists the same people, another
    team shares fewer than half of them (a few people and service accounts can be in both)."""
    shared = len(known & roster)
    return not (known and roster) or shared * 2 >= min(len(known), len(roster))


def _check_team(engine: Engine, name: str, roster: set[str]) -> None:
    """Refuse a key of another Cursor team for an integration that already holds data (the two
    would be merged silently), and a second integration for a team already connected (every
    report over all integrations would count its spend twice)."""
    with engine.connect() as conn:
        rosters = {
            name: integrations.roster(conn, integration_id)
            for name, integration_id in integrations.ids(conn).items()
        }
    known = rosters.pop(name, set())
    if not _same_team(known, roster):
        shared = f"only {len(known & roster)} of its {len(known)} members are in the new key's team"
        msg = (
            f"this key belongs to a different Cursor team than the integration {name!r} "
            f"({shared}); add it as a second integration with --name, e.g. pumpview integrations "
            f"connect cursor --name {name}-2, or delete the old data first: pumpview "
            f"integrations disconnect {name} --purge"
        )
        web = (
            f"This key belongs to a different Cursor team than the integration {name} ({shared}). "
            f"To add that team beside it, give it another integration name, e.g. {name}-2."
        )
        raise UserInputError(msg, field="name", web=web)
    for other, theirs in sorted(rosters.items()):
        if theirs and _same_team(theirs, roster):
            msg = (
                f"this key's Cursor team is already connected as the integration {other!r}; to "
                f"give it a new key: pumpview integrations connect cursor --name {other}"
            )
            web = (
                f"This key's Cursor team is already connected as the integration {other}. To "
                f"give that integration this key, connect again with the integration name {other}."
            )
            raise UserInputError(msg, field="api_key", web=web)


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
    """Verify ``api_key`` against ``base_url`` and store it sealed; returns the integration id."""
    check_name(name)
    key = check_key_format(api_key)
    base_url = check_base_url(base_url)
    with make_http(key, base_url, timeout=CONNECT_TIMEOUT_SECONDS) as http:
        client = CursorClient(
            http,
            pacing=pacing,
            budget=SharedBudget(engine, name),  # shared with a sync of this team running now
            attempts=CONNECT_ATTEMPTS,
            retry_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        roster = verify(client, now_ms)
    check_account(engine, name, "cursor", None, "Cursor team")
    _check_team(engine, name, roster)
    values = {
        "name": name,
        "key_ciphertext": vault.seal(key),
        "key_hint": mask_key(key),
        "base_url": base_url,
        "status": "connected",
        "message": None,
        "connected_at_ms": now_ms,
        "backfill_days": backfill_days,
    }
    if team_name is not None:  # a reconnect without --team-name keeps the name it had
        values["team_name"] = team_name
    with engine.begin() as conn:
        return integrations.save(conn, values)
