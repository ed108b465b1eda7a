"""Every knob of the GitHub Copilot simulator in one frozen dataclass, and the tokens it knows.

Defaults follow the reference (``github-copilot-api.md``): a standalone organisation on Copilot
Business, premium requests until 2026-06-01 and AI credits from then, ``ai_credits_used`` in the
usage-metrics reports from 2026-06-19.
"""

from __future__ import annotations

import hashlib
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pumpview.simulator.config import Faults

__all__ = [
    "DEMO_GITHUB_FINE_TOKEN",
    "DEMO_GITHUB_TOKEN",
    "Faults",
    "GitHubConfig",
    "Permission",
    "Scope",
    "TokenGrant",
    "TokenKind",
    "token_kind",
]

_ALNUM = string.ascii_letters + string.digits


def _demo_token(prefix: str, length: int) -> str:
    digest = hashlib.sha256(b"pumpview-demo-github-" + prefix.encode()).digest()
    digest += hashlib.sha256(digest).digest()
    return prefix + "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:length])


class TokenKind(StrEnum):
    """What a token is, read from its prefix as GitHub's token formats have it."""

    CLASSIC = "classic"
    """``ghp_``: a classic personal access token; its grant is OAuth scopes."""
    FINE_GRAINED = "fine-grained"
    """``github_pat_``: a fine-grained personal access token; its grant is permissions."""
    INSTALLATION = "installation"
    """``ghs_``: a GitHub App installation token (server-to-server): permissions, no user."""
    APP_USER = "app-user"
    """``ghu_``: a GitHub App user token (user-to-server): permissions, on behalf of a user."""


def token_kind(token: str) -> TokenKind | None:
    """The kind of ``token`` from its prefix, or ``None`` for a string that is no GitHub token."""
    for prefix, kind in (
        ("github_pat_", TokenKind.FINE_GRAINED),
        ("ghp_", TokenKind.CLASSIC),
        ("ghs_", TokenKind.INSTALLATION),
        ("ghu_", TokenKind.APP_USER),
    ):
        if token.startswith(prefix):
            return kind
    return None


class Scope(StrEnum):
    """The classic OAuth scopes the Copilot endpoints accept."""

    MANAGE_BILLING_COPILOT = "manage_billing:copilot"
    """Seats and the subscription summary (documented); billing usage ([inferred]: the docs
    name no classic scope for it)."""
    READ_ORG = "read:org"
    """Seats and the subscription summary, and the usage-metrics reports (documented)."""


class Permission(StrEnum):
    """The fine-grained organisation permissions (read) the Copilot endpoints accept."""

    ADMINISTRATION = "Administration"
    """Billing usage (premium requests, AI credits); also seats (documented)."""
    COPILOT_BUSINESS = "GitHub Copilot Business"
    """Seats and the subscription summary."""
    COPILOT_METRICS = "Organization Copilot metrics"
    """The usage-metrics reports."""


@dataclass(frozen=True)
class TokenGrant:
    """What a token may do in the simulated organisation (its kind comes from its prefix)."""

    scopes: frozenset[str] = frozenset()
    """Classic tokens (``ghp_``): the OAuth scopes granted (``Scope`` values)."""
    permissions: frozenset[str] = frozenset()
    """Fine-grained and App tokens: the organisation permissions granted (``Permission``)."""
    org_admin: bool = True
    """The token's user is an owner or admin of the organisation. A member's token is answered
    404 on the organisation's paths, as GitHub hides what a caller may not see (``ghs_``
    installation tokens have no user: ignored)."""
    user_id: int = 1
    """The numeric id of the token's user (named in the primary rate limit's message)."""


DEMO_GITHUB_TOKEN = _demo_token("ghp_", 36)
"""A classic token (``ghp_`` + 36 alphanumerics) of an org owner with every scope needed."""
DEMO_GITHUB_FINE_TOKEN = _demo_token("github_pat_", 82)
"""A fine-grained token with the Copilot seat and metrics permissions but not "Administration":
billing usage answers it 403."""


def _demo_tokens() -> dict[str, TokenGrant]:
    return {
        DEMO_GITHUB_TOKEN: TokenGrant(
            scopes=frozenset({Scope.MANAGE_BILLING_COPILOT, Scope.READ_ORG})
        ),
        DEMO_GITHUB_FINE_TOKEN: TokenGrant(
            permissions=frozenset({Permission.COPILOT_BUSINESS, Permission.COPILOT_METRICS})
        ),
    }


@dataclass(frozen=True)
class GitHubConfig:
    """The simulated organisation, its data, and how the API behaves."""

    seed: int = 1
    """Seeds everything; the same seed (and members, domain, days, now) gives the same data."""
    members: int = 50
    """The Cursor simulator's roster size: the GitHub people are drawn from the same roster."""
    domain: str = "acme.dev"
    """The work-email domain, as in the Cursor simulator."""
    days: int = 365
    """Days of history generated, ending on the day of ``now_ms``."""
    now_ms: int | None = None
    """The simulated present; ``None`` takes the wall clock when the simulator is created."""
    org: str = "acme"
    """The organisation's login; paths name it case-insensitively, another org is a 404."""
    plan: str = "business"
    """``"business"`` or ``"enterprise"``: the seats' ``plan_type`` and the monthly allowance
    (300 premium requests or 1,900 AI credits; enterprise 1,000 or 3,900)."""
    tokens: dict[str, TokenGrant] = field(default_factory=_demo_tokens)
    """The tokens the organisation knows; any other is answered 401 "Bad credentials"."""
    enterprise_owned: bool = False
    """The org belongs to an enterprise: its billing-usage endpoints with ``user=`` answer 403
    "Organization admins for enterprise owned organizations cannot filter usage by user"."""
    ai_credits_from: date = date(2026, 6, 1)
    """Usage before this day is billed as premium requests, from it on as AI credits."""
    credits_metric_from: date = date(2026, 6, 19)
    """The usage-metrics records carry ``ai_credits_used`` from this day on."""
    sku_style: str = "org"
    """The AI-credit line's spelling: ``"org"`` (product "Copilot", sku "Copilot AI Credits",
    unitType "credits") or ``"user"`` (product "Copilot AI Credits", sku "AI Credit",
    unitType "ai-credits"), the two documented ones."""
    hourly_limit: int = 5000
    """The primary rate limit per token per hour (403 with ``x-ratelimit-remaining: 0``)."""
    secondary_per_minute: int = 900
    """Points per minute per token per endpoint (a GET costs 1, a mutation 5); above it the
    secondary limit answers ``secondary_status`` with ``retry-after``."""
    secondary_status: int = 403
    """403 or 429: GitHub documents both for the secondary limit."""
    report_lag_days: int = 1
    """The newest usage-metrics report is this many days before the present's day."""
    report_file_lines: int = 25
    """A report file holds at most this many NDJSON lines; more are split across links."""
    link_ttl_seconds: int = 300
    """Signed report download links expire this many seconds (of ``clock``) after issue."""
    metrics_policy: bool = True
    """The "Copilot usage metrics" policy; ``False`` answers 403 on every report endpoint."""
    faults: Faults = field(default_factory=Faults)
    """Injected faults (5xx, slowness, truncated bodies, spurious secondary limits)."""
    clock: Callable[[], float] = time.time
    """Wall clock (seconds) for rate-limit windows and link expiry; tests substitute a fake."""

    @property
    def allowance_requests(self) -> int:
        """Premium requests included per user per month."""
        return 1000 if self.plan == "enterprise" else 300

    @property
    def allowance_credits(self) -> int:
        """AI credits included per user per month ($19 or $39 at $0.01 a credit)."""
        return 3900 if self.plan == "enterprise" else 1900
