"""Every knob of the Anthropic Admin API simulator in one frozen dataclass.

Defaults follow the reference (``/work/shared/reference/anthropic-admin-api.md``): RFC 3339
record dates, integer ``estimated_cost.amount`` in cents, only ``customer_type: "api"`` rows, all
four tools listed.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pumpview.simulator.config import Faults

ADMIN = "admin"
"""A grant: an Admin API key (``sk-ant-admin01-``), answered on every endpoint."""
API = "api"
"""A grant: a regular ``sk-ant-api03-`` key, answered 401 ``authentication_error`` on the Admin
endpoints (§2: "A regular ``sk-ant-api...`` key is rejected")."""


def _demo_key(prefix: str) -> str:
    """``prefix`` + 86 url-safe characters: two SHA-256 digests, base64url without padding."""
    raw = b"".join(hashlib.sha256(f"pumpview-{prefix}{n}".encode()).digest() for n in (1, 2))
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


DEMO_ANTHROPIC_KEY = _demo_key("sk-ant-admin01-")
"""A fixed valid Admin API key for demos and tests."""
DEMO_ANTHROPIC_API_KEY = _demo_key("sk-ant-api03-")
"""A fixed regular API key, listed as ``"api"``: the Admin endpoints answer it 401."""


def organization_uuid(seed: int) -> str:
    """The organisation's fixed UUID for ``seed`` (a bare UUID, as the claude_code report and
    ``/v1/organizations/me`` give it)."""
    return str(uuid.UUID(bytes=hashlib.sha256(f"anthropic-org:{seed}".encode()).digest()[:16],
                         version=4))  # fmt: skip


@dataclass(frozen=True)
class AnthropicConfig:
    """The simulated organisation, its data, and how faithfully (or badly) the API behaves."""

    seed: int = 1
    """Draws the people (with the Cursor simulator's roster for the same seed) and every day."""
    members: int = 50
    """The Cursor roster's size for the same seed; about two thirds of it are org users."""
    domain: str = "acme.dev"
    """The users' email domain (the Cursor roster's, so the same people have the same emails)."""
    days: int = 365
    """Days of history, ending on the day of ``now_ms``."""
    now_ms: int | None = None
    """The simulated present; ``None`` takes the wall clock when the simulator is created."""
    keys: dict[str, str] = field(
        default_factory=lambda: {DEMO_ANTHROPIC_KEY: ADMIN, DEMO_ANTHROPIC_API_KEY: API}
    )
    """Key -> grant (``"admin"`` or ``"api"``). A key not listed is answered 401."""
    organization_id: str = ""
    """The organisation's UUID; empty: a fixed UUID drawn from ``seed``."""
    organization_name: str = "Acme"
    date_format: Literal["rfc3339", "date"] = "rfc3339"
    """A record's ``date``: ``"2026-03-02T00:00:00Z"`` as every doc example, or ``"2026-03-02"``
    as the field text says (§3.3, a conflict: the importer must parse both)."""
    fractional_costs: bool = False
    """``estimated_cost.amount`` with two decimals (``161.25``) instead of whole cents."""
    subscription_rows: bool = False
    """Some users' records say ``customer_type: "subscription"`` with ``subscription_type``
    ``"team"``/``"enterprise"`` (documented, never observed). Their cost is not in cost_report."""
    omit_zero_tools: bool = False
    """Leave tools with nothing accepted and nothing rejected out of ``tool_actions`` (an open
    map upstream)."""
    second_terminal: bool = True
    """Some actor-days have two records with different ``terminal_type`` (the importer adds them).
    Off: each actor-day is one record, with the same totals."""
    rate_limit_per_minute: int | None = 60
    """Requests per key per fixed one-minute window of ``clock``; past it, 429
    ``rate_limit_error`` (undocumented upstream: "polling once per minute for sustained use")."""
    retry_after: bool = True
    """Send ``retry-after`` (seconds) on 429."""
    faults: Faults = field(default_factory=Faults)
    """``error_rate``: 500 ``api_error`` or 529 ``overloaded_error``; ``slow_rate``,
    ``truncate_rate``, ``burst_429_rate`` and ``first_429`` as in the Cursor simulator."""
    clock: Callable[[], float] = time.time
    """Wall clock for rate-limit windows (seconds); tests substitute a fake one."""

    def __post_init__(self) -> None:
        if not self.organization_id:
            object.__setattr__(self, "organization_id", organization_uuid(self.seed))
