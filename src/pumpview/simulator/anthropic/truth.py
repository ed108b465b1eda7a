"""Ground truth for the claude_code report and cost_report, computed from the sessions (not
from the records the routes render), for the importer's tests to compare with exactly.

Rules the importer must know:

- Identity: a ``user_actor`` is keyed by its email **lower-cased** (one user's records carry it
  upper-case); an ``api_actor`` by ``"api-key:" + api_key_name`` (a key's name, which is not
  unique: two users own a key called ``dev-key``; ``ci-claude-code-bot`` is a service account's).
- Keys are ``(identity, model)`` for tokens and money, and ``(identity, None)`` for the activity
  (sessions, lines, commits, pull requests, tool actions), which the report gives per record, not
  per model: summing every entry gives both totals once.
- Money is ``Decimal`` cents. ``estimated_cents`` is the sum of the records' ``estimated_cost
  .amount`` values: each record (an actor's day in one terminal; an actor-day can have two) rounds
  its list price per model, half up, to whole cents (to hundredths with ``fractional_costs``).
- cost_report bills exactly the estimated amounts (list price, no discount) of the ``api``
  customers (with ``subscription_rows`` the subscribers' use is in the report but not billed),
  shared out over four token-type lines per model and workspace, plus two lines that are not
  Claude Code: "Code Execution Usage" and "Web Search" (weekdays only).
- Everything is as served at the organisation's present: a session in UTC hour ``h`` counts once
  the present reaches ``h + 2`` hours into its day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pumpview.simulator.anthropic.data import Organisation
from pumpview.simulator.anthropic.pricing import BY_NAME, Tokens, estimate


@dataclass
class Truth:
    """One identity's day on one model (tokens and money) or, with model ``None``, its
    activity."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    estimated_cents: Decimal = Decimal(0)
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    tool_accepted: int = 0
    tool_rejected: int = 0


def claude_code_truth(org: Organisation, day: date) -> dict[tuple[str, str | None], Truth]:
    """What ``/usage_report/claude_code?starting_at=day`` sums to, per identity and model."""
    fractional = org.config.fractional_costs
    out: defaultdict[tuple[str, str | None], Truth] = defaultdict(Truth)
    used: defaultdict[tuple[int, str, str], Tokens] = defaultdict(Tokens)
    for session in org.visible_sessions(day):
        identity = org.actors[session.actor].identity
        activity = out[identity, None]
        activity.sessions += 1
        activity.lines_added += session.lines_added
        activity.lines_removed += session.lines_removed
        activity.commits += session.commits
        activity.pull_requests += session.pull_requests
        activity.tool_accepted += sum(accepted for accepted, _ in session.tools)
        activity.tool_rejected += sum(rejected for _, rejected in session.tools)
        for model, tokens in session.usage:
            key = (session.actor, session.terminal, model)
            used[key] = used[key].plus(tokens)
    for (actor, _terminal, model), tokens in used.items():
        entry = out[org.actors[actor].identity, model]
        entry.input_tokens += tokens.input
        entry.output_tokens += tokens.output
        entry.cache_read_tokens += tokens.cache_read
        entry.cache_creation_tokens += tokens.cache_creation
        entry.estimated_cents += estimate(tokens, BY_NAME[model], fractional=fractional)
    return dict(out)


def billed_cents(org: Organisation, day: date) -> Decimal:
    """cost_report's total for ``day``: the billable estimated amounts plus the lines that are
    not Claude Code."""
    billable = {a.identity for a in org.actors if org.billable(a)}
    claude_code = sum(
        (t.estimated_cents for (who, _), t in claude_code_truth(org, day).items()
         if who in billable),
        Decimal(0),
    )  # fmt: skip
    return claude_code + sum((line.amount for line in org.other_lines(day)), Decimal(0))


def billed_lines(org: Organisation, day: date) -> list[tuple[str, str | None, Decimal]]:
    """cost_report's lines for ``day`` with ``group_by[]=description``: (description, model or
    ``None``, cents), workspaces added together, sorted by description."""
    lines: defaultdict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for line in org.cost_lines(day):
        lines[line.description, line.model] += line.amount
    return [(description, model, amount) for (description, model), amount in sorted(
        lines.items(), key=lambda item: item[0][0])]  # fmt: skip
