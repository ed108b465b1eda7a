"""Connect a Copilot integration: check the token against the three things the sync reads, and
store it sealed with the organisation it reads.

The checks, in order, each a precise message at its field: the token's format (``keys``), the
organisation's Copilot subscription (``/orgs/{org}/copilot/billing``: 401 an invalid or revoked
token, 404 no such organisation or one the token cannot see, 403 the seat permission missing),
one day of its billing usage (the billing permission) and one usage-metrics report (the metrics
permission; "no report" is fine). The organisation is the integration's ``account``: another
organisation over an integration that holds data is refused, as is a second integration of an
organisation already connected (its spend would count twice).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from pumpview.errors import BadRequestError, BadResponse, UserInputError
from pumpview.integrations.copilot import NAME, PROVIDER, billing, metrics
from pumpview.integrations.copilot.client import (
    SUMMARY_PATH,
    GitHubClient,
    check_base_url,
    make_http,
    route_path,
)
from pumpview.integrations.copilot.keys import check_token_format, mask_key
from pumpview.integrations.providers import check_account, check_name
from pumpview.store import integrations
from pumpview.store.budget import SharedBudget
from pumpview.timeutil import day_of
from pumpview.vault import Vault

DEFAULT_BACKFILL_DAYS = 365
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 15.0
_ORG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def check_org(org: str | None) -> str:
    """A GitHub organisation login (1-39 letters, digits and single dashes), lower-cased, or
    ``UserInputError`` at the ``org`` field."""
    text = (org or "").strip().lower()
    if not text or len(text) > 39 or not set(text) <= _ORG_CHARS or text.startswith("-"):
        msg = ("the GitHub organisation is its login as in github.com/ORG (letters, digits "
               f"and dashes); got {text[:60]!r}" if text else "name the GitHub organisation "
               "to read: --org ORG")  # fmt: skip
        web = ("Give the GitHub organisation's login, as in github.com/ORG (letters, digits "
               f"and dashes); got {text[:60]!r}." if text else "Give the GitHub organisation "
               "to read: its login, as in github.com/ORG.")  # fmt: skip
        raise UserInputError(msg, field="org", web=web)
    return text


def verify(client: GitHubClient, org: str, now_ms: int) -> str | None:
    """Prove the token reads what the sync needs, with answers of the documented shape; the
    organisation's Copilot plan."""
    try:
        summary = client.get(route_path(SUMMARY_PATH, org=org))
    except BadRequestError as exc:
        if exc.status == 404:
            msg = (
                f"GitHub found no organisation {org!r}, or the token cannot see it: check the "
                "organisation's login and that the token is an organisation owner's"
            )
            raise UserInputError(msg, field="org") from exc
        raise
    if not isinstance(summary, dict) or not isinstance(summary.get("seat_breakdown"), dict):
        msg = f"unexpected {SUMMARY_PATH} answer: no seat_breakdown"
        raise BadResponse(msg)
    yesterday = day_of(now_ms) - timedelta(days=1)
    billing.usage(client, org, billing.endpoints(yesterday)[-1], yesterday)
    metrics.report(client, org, yesterday)
    plan = summary.get("plan_type")
    return plan if isinstance(plan, str) else None


def connect(
    engine: Engine,
    vault: Vault,
    api_key: str,
    *,
    org: str | None = None,
    base_url: str,
    team_name: str | None,
    name: str = NAME,
    now_ms: int,
    pacing: bool = True,
    backfill_days: int = DEFAULT_BACKFILL_DAYS,
) -> int:
    """Verify the token ``api_key`` for ``org`` against ``base_url`` and store it sealed; the
    integration's id."""
    check_name(name)
    token = check_token_format(api_key)
    account = check_org(org)
    base_url = check_base_url(base_url)
    with make_http(token, base_url, timeout=CONNECT_TIMEOUT_SECONDS) as http:
        client = GitHubClient(
            http, pacing=pacing, budget=SharedBudget(engine, name), attempts=CONNECT_ATTEMPTS,
            retry_timeout=CONNECT_TIMEOUT_SECONDS,
        )  # fmt: skip
        verify(client, account, now_ms)
    check_account(engine, name, PROVIDER, account, "GitHub organisation")
    values = {
        "name": name,
        "provider": PROVIDER,
        "account": account,
        "key_ciphertext": vault.seal(token),
        "key_hint": mask_key(token),
        "base_url": base_url,
        "status": "connected",
        "message": None,
        "connected_at_ms": now_ms,
        "backfill_days": backfill_days,
        "team_name": team_name or account,
    }
    with engine.begin() as conn:
        return integrations.save(conn, values)
