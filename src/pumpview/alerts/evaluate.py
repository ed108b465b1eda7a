"""Evaluation: each rule reads the store and names what someone should be told; ``check``
creates each alert once; ``run`` checks and delivers.

A rule is a plain function ``(conn, context) -> Iterable[Candidate]``: it reads what it needs
through ``conn`` (one snapshot shared by every rule of an evaluation) and yields a candidate per
crossing, keyed so that the same crossing always has the same key (rule, budget or scope, period,
threshold or day). ``check`` inserts each candidate whose key is new; a key already stored
creates nothing, whichever evaluation, process or server saw it first. Adding a rule is adding
it to ``RULES``.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

import httpx
from sqlalchemy import Engine

from pumpview.alerts import budget_rules, health, usage_rules
from pumpview.alerts.delivery import Delivered, deliver, make_http
from pumpview.alerts.rule import Candidate, Context, Rule
from pumpview.reports.billing import DEFAULTS, Billing
from pumpview.store import alerts as store
from pumpview.store.alerts import Alert
from pumpview.store.engine import snapshot
from pumpview.vault import Vault

KEY_MAX = 500
RULE_NAMES = ("budget", "forecast", "anomaly", "idle_seats", "integration")
"""What a candidate's ``rule`` may be (``GET /api/alerts``' contract)."""


RULES: tuple[Rule, ...] = (
    health.integration_health,
    budget_rules.budget,
    usage_rules.anomaly,
    usage_rules.idle_seats,
)
"""The rules an evaluation runs, in order."""


def candidates(
    engine: Engine, now_ms: int, rules: Sequence[Rule] = RULES, defaults: Billing = DEFAULTS
) -> list[Candidate]:
    """What ``rules`` find at ``now_ms``, read from one snapshot of the store."""
    context = Context(now_ms, defaults)
    with snapshot(engine) as conn:
        found = [c for rule in rules for c in rule(conn, context)]
    for c in found:
        if not c.key or len(c.key) > KEY_MAX:
            msg = f"a rule's key must be 1 to {KEY_MAX} characters: {c.key[:80]!r}"
            raise ValueError(msg)
        if c.rule not in RULE_NAMES:
            msg = f"a candidate's rule must be one of {', '.join(RULE_NAMES)}: {c.rule!r}"
            raise ValueError(msg)
    return found


def check(
    engine: Engine, now_ms: int, rules: Sequence[Rule] = RULES, defaults: Billing = DEFAULTS
) -> list[Alert]:
    """Create the alerts ``rules`` find that are new, each with a delivery per channel; the
    alerts this call created (none twice, across calls and processes)."""
    found = candidates(engine, now_ms, rules, defaults)
    with engine.connect() as conn:
        stored = store.keys(conn, (c.key for c in found))
    created = []
    for c in found:
        if c.key in stored:
            continue
        with engine.begin() as conn:
            alert_id = store.create(conn, c.values(), now_ms)
        stored.add(c.key)  # a rule that yields one key twice creates it once
        if alert_id is not None:
            created.append(alert_id)
    with engine.connect() as conn:
        return store.listing(conn, created)


def run(
    engine: Engine,
    vault: Vault,
    now_ms: int,
    *,
    base_url: str,
    http: httpx.Client | None = None,
    ssl_context: ssl.SSLContext | None = None,
    rules: Sequence[Rule] = RULES,
    defaults: Billing = DEFAULTS,
) -> tuple[list[Alert], list[Delivered]]:
    """``check``, then ``deliver`` what is due (the new alerts' and earlier retries): the
    alerts created, with their deliveries as the sending left them, and the attempts made."""
    created = check(engine, now_ms, rules, defaults)
    if http is not None:
        sent = deliver(engine, vault, now_ms, http, base_url=base_url, ssl_context=ssl_context)
    else:
        with make_http() as client:
            sent = deliver(engine, vault, now_ms, client, base_url=base_url,
                           ssl_context=ssl_context)  # fmt: skip
    with engine.connect() as conn:
        return store.listing(conn, [a.id for a in created]), sent
