"""Budgets as stored (``tables.budgets``): what a scope may spend per period, checked before a
row is written, so a refused budget leaves nothing behind.

``check`` is the one validation every face goes through (the web form, ``POST /api/budgets``,
``pumpview budgets add``): each refusal is a ``UserInputError`` naming its field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pumpview.errors import UserInputError
from pumpview.people.aliases import alias
from pumpview.store import tables

SCOPES = ("organization", "integration", "team", "person")
PROVIDERS = ("cursor", "all")
PERIODS = ("cycle", "month")
MEASURES = ("bill", "on_demand", "usage")
DEFAULT_THRESHOLDS = (50, 80, 100)
MAX_AMOUNT_CENTS = Decimal(10) ** 14  # a trillion dollars: anything above is a typing slip
AMOUNT_PLACES = 6
"""Decimals an amount in cents may carry (a millionth of a cent): more is a slip, not a budget."""


@dataclass(frozen=True, slots=True)
class Budget:
    """A budget: a ``scope`` (``scope_value``: an integration's name, a team, a person's email;
    ``None`` for the organisation), its ``provider`` filter, ``period`` and ``measure``, the
    amount in exact cents and the alert thresholds in percent, ascending."""

    id: int
    name: str
    scope: str
    scope_value: str | None
    provider: str
    period: str
    measure: str
    amount_cents: Decimal
    thresholds: tuple[int, ...]
    created_at_ms: int


Draft = Budget
"""A budget not stored yet (``id`` 0): what ``check`` returns."""


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        msg = f"{name} must be text"
        raise UserInputError(msg, field=name)
    return value.strip()


def _choice(fields: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _text(fields, name) or default
    if value not in allowed:
        msg = f"{name} must be one of {', '.join(allowed)} (got {value!r})"
        raise UserInputError(msg, field=name)
    return value


def amount(value: object) -> Decimal:
    """A budget's amount in cents: an exact decimal string or a JSON number (int or Decimal,
    never a float), above zero."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        msg = "amount_cents is required: the budget in cents, such as 50000 for $500"
        raise UserInputError(msg, field="amount_cents")
    if isinstance(value, float):  # a parser that made a float would have rounded it already
        msg = 'amount_cents must be an exact decimal (a string such as "50000.00")'
        raise UserInputError(msg, field="amount_cents")
    try:
        cents = Decimal(value.strip().replace(",", "") if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        cents = Decimal("NaN")
    if not cents.is_finite():
        msg = f"amount_cents must be a number of cents, such as 50000 for $500 (got {value!r})"
        raise UserInputError(msg, field="amount_cents")
    if cents <= 0:
        msg = f"amount_cents must be above zero (got {value})"
        raise UserInputError(msg, field="amount_cents")
    if cents > MAX_AMOUNT_CENTS or cents.as_tuple().exponent < -AMOUNT_PLACES:  # type: ignore[operator]
        msg = f"amount_cents must be at most {MAX_AMOUNT_CENTS:,} with {AMOUNT_PLACES} decimals"
        raise UserInputError(msg, field="amount_cents")
    return cents


def thresholds(value: object) -> tuple[int, ...]:
    """Percents of the amount at which to alert: whole numbers from 1 to 1000, given as a list
    or as text (``"50, 80, 100"``); none given: 50, 80 and 100. Sorted, each once."""
    if value is None or value in ("", []):
        return DEFAULT_THRESHOLDS
    items: list[object] = (
        [p for p in value.replace(";", ",").split(",") if p.strip()]
        if isinstance(value, str)
        else list(value)
        if isinstance(value, list | tuple)
        else [value]
    )
    out: set[int] = set()
    for item in items:
        text = item.strip().rstrip("%").strip() if isinstance(item, str) else item
        if isinstance(text, bool) or not (
            isinstance(text, int) or (isinstance(text, str) and text.isdigit())
        ):
            msg = f"thresholds are whole percents such as 50, 80, 100 (got {item!r})"
            raise UserInputError(msg, field="thresholds")
        percent = int(text)
        if not 1 <= percent <= 1000:
            msg = f"a threshold is a percent from 1 to 1000 (got {percent})"
            raise UserInputError(msg, field="thresholds")
        out.add(percent)
    return tuple(sorted(out))


def teams(conn: Connection) -> list[str]:
    """Every team the people directory has ever had, sorted."""
    m = tables.team_memberships
    return sorted(str(t) for (t,) in conn.execute(select(m.c.team).distinct()))


def _scope_value(conn: Connection, scope: str, given: str) -> str | None:
    """The scope's value as stored, after checking it names something that exists."""
    if scope == "organization":
        return None
    if not given:
        what = {"integration": "an integration's name", "team": "a team of the people directory",
                "person": "a person's email"}[scope]  # fmt: skip
        msg = f"scope_value is required for scope {scope}: {what}"
        raise UserInputError(msg, field="scope_value")
    if scope == "integration":
        rows = tables.integrations
        known = sorted(n for (n,) in conn.execute(select(rows.c.name)))
        if given not in known:
            msg = f"no integration named {given}; known: {', '.join(known) or 'none'}"
            raise UserInputError(msg, field="scope_value")
        return given
    if scope == "team":
        known = teams(conn)
        if given not in known:
            listed = ", ".join(known) or "none"
            msg = f"no team named {given} in the people directory; known: {listed}"
            raise UserInputError(msg, field="scope_value")
        return given
    email = alias(given)
    a, members = tables.person_aliases, tables.cursor_members
    found = (
        conn.execute(select(a.c.alias).where(a.c.alias == email)).first()
        or conn.execute(select(members.c.email).where(members.c.email == email)).first()
    )
    if "@" not in email or found is None:
        msg = f"no person with the email {given} in the people directory or a Cursor roster"
        raise UserInputError(msg, field="scope_value")
    return email


def check(conn: Connection, fields: Mapping[str, Any], now_ms: int) -> Draft:
    """``fields`` (a form's or a JSON body's) as a budget ready to store; a ``UserInputError``
    naming the field for the first thing wrong. ``provider`` defaults to ``cursor``, ``period``
    to ``cycle``, ``measure`` to ``on_demand``."""
    name = _text(fields, "name")
    if not name or len(name) > 200:
        msg = "name is required (at most 200 characters)"
        raise UserInputError(msg, field="name")
    scope = _choice(fields, "scope", SCOPES, "")
    value = _scope_value(conn, scope, _text(fields, "scope_value"))
    provider = _choice(fields, "provider", PROVIDERS, "cursor")
    if scope == "integration" and provider == "all":
        msg = (
            "an integration's budget counts Cursor only (provider cursor): cloud costs belong "
            "to no Cursor integration; give the organisation, a team or a person for all"
        )
        raise UserInputError(msg, field="provider")
    period = _choice(fields, "period", PERIODS, "cycle")
    measure = _choice(fields, "measure", MEASURES, "on_demand")
    return Budget(
        0, name, scope, value, provider, period, measure, amount(fields.get("amount_cents")),
        thresholds(fields.get("thresholds")), now_ms,
    )  # fmt: skip


def _row(b: Budget) -> dict[str, Any]:
    return {**_fields(b), "thresholds": json.dumps(list(b.thresholds))}


def add(conn: Connection, fields: Mapping[str, Any], now_ms: int) -> Budget:
    """Check ``fields`` and store them as a new budget; nothing is written if they are wrong."""
    draft = check(conn, fields, now_ms)
    new_id = conn.execute(
        insert(tables.budgets)
        .values(**_row(draft), created_at_ms=now_ms)
        .returning(tables.budgets.c.id)
    ).scalar_one()
    return replace(draft, id=int(new_id))


def _budget(row: Any) -> Budget:
    return Budget(
        int(row.id), row.name, row.scope, row.scope_value, row.provider, row.period, row.measure,
        row.amount_cents, tuple(int(p) for p in json.loads(row.thresholds)), int(row.created_at_ms),
    )  # fmt: skip


def listing(conn: Connection) -> list[Budget]:
    """Every budget, oldest first."""
    rows = conn.execute(select(tables.budgets).order_by(tables.budgets.c.id))
    return [_budget(row) for row in rows]


def get(conn: Connection, budget_id: int) -> Budget | None:
    row = conn.execute(select(tables.budgets).where(tables.budgets.c.id == budget_id)).first()
    return None if row is None else _budget(row)


def change(conn: Connection, budget_id: int, fields: Mapping[str, Any], now_ms: int) -> Budget:
    """Replace the budget's settings by ``fields`` (fields left out keep their value); a
    ``UserInputError`` (field ``id`` when there is no such budget) and nothing written."""
    old = get(conn, budget_id)
    if old is None:
        msg = f"no budget with id {budget_id}"
        raise UserInputError(msg, field="id")
    merged = {**_fields(old), **{k: v for k, v in fields.items() if k in _fields(old)}}
    draft = check(conn, merged, now_ms)
    conn.execute(
        update(tables.budgets).where(tables.budgets.c.id == budget_id).values(**_row(draft))
    )
    return replace(draft, id=budget_id, created_at_ms=old.created_at_ms)


def _fields(b: Budget) -> dict[str, Any]:
    """A stored budget as the fields ``check`` reads."""
    return {"name": b.name, "scope": b.scope, "scope_value": b.scope_value,
            "provider": b.provider, "period": b.period, "measure": b.measure,
            "amount_cents": b.amount_cents, "thresholds": list(b.thresholds)}  # fmt: skip


def remove(conn: Connection, budget_id: int) -> bool:
    """Delete the budget; ``False`` when there was none with that id."""
    done = conn.execute(delete(tables.budgets).where(tables.budgets.c.id == budget_id))
    return bool(done.rowcount)
