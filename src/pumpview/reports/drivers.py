"""What drove an anomaly: the person x model pairs of its day against each pair's own median
over the same days, in the words of "What changed" (``overview.Change``), and the one line
that says it all."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.money import format_dollars
from pumpview.people.membership import Membership, team_on
from pumpview.reports.attribution import Directory
from pumpview.reports.baselines import median
from pumpview.reports.overview import Change
from pumpview.store import facts
from pumpview.store.measures import EXACT

TOP_DRIVERS = 5
"""Person x model pairs an anomaly names on their own; the rest are one line."""
TIMES = "\u00d7"
"""The multiplication sign of "9.1x the usual" in a message."""
ZERO = Decimal(0)


def pair_days(
    conn: Connection,
    ids: tuple[int, ...],
    directory: Directory,
    scope: str,
    value: str,
    first: date,
    last: date,
) -> dict[tuple[str, str], dict[date, Decimal]]:
    """Usage value per person x model per day of ``[first, last]``: the person's, or the
    team's people's on the days they were in it."""
    teams: dict[str, Sequence[Membership]] = {}
    if scope == "person":
        emails = [value]
    else:
        members = {
            alias: person
            for person in directory.people.values()
            if any(m.team == value and m.overlaps(first, last) for m in person.memberships)
            for alias in person.aliases
        }
        emails = sorted(members)
        teams = {alias: person.memberships for alias, person in members.items()}
    rows = facts.of(conn).sums(
        ids, first, last, by=("day", "email", "model"), measures=("spend_cents",), emails=emails
    )
    out: dict[tuple[str, str], dict[date, Decimal]] = {}
    for day, email, model, spend in rows:
        if scope == "team" and team_on(teams[email], day) != value:
            continue
        out.setdefault((email, model), {})[day] = spend
    return out


def drivers(
    pairs: dict[tuple[str, str], dict[date, Decimal]],
    history: list[date],
    day: date,
    spent: Decimal,
    usual: Decimal,
    names: dict[str | None, str | None],
) -> tuple[Change, ...]:
    """Each pair's usage value on ``day`` against its median over ``history``, the largest
    rises first; the last line is everything else, so the lines add up exactly."""
    with decimal.localcontext(EXACT):
        lines = []
        for (email, model), values in pairs.items():
            was = median([values.get(d, ZERO) for d in history])
            now = values.get(day, ZERO)
            lines.append(Change(email=email, name=names.get(email), model=model,
                                previous_cents=was, spend_cents=now,
                                change_cents=now - was))  # fmt: skip
        lines.sort(key=lambda c: (-c.change_cents, c.email or "", c.model or ""))
        shown = [c for c in lines if c.change_cents > 0][:TOP_DRIVERS]
        rest_spend = spent - sum((c.spend_cents for c in shown), ZERO)
        rest_was = usual - sum((c.previous_cents for c in shown), ZERO)
        rest = Change(email=None, name=None, model=None, previous_cents=rest_was,
                      spend_cents=rest_spend, change_cents=rest_spend - rest_was,
                      pairs=len(lines) - len(shown))  # fmt: skip
    keep = rest.pairs or rest.spend_cents or rest.previous_cents
    return (*shown, *([rest] if keep else []))


def message(
    scope: str,
    value: str,
    day: date,
    spent: Decimal,
    usual: Decimal,
    drivers: Sequence[Change],
) -> str:
    """One line: who spent what on which day, against the usual, and the top two drivers:
    ``alex@acme.dev spent $412.50 on 2026-12-04, 9.1x the usual $45.20 (claude-4-opus
    +$350.10)``."""
    who = value if scope == "person" else f"Team {value}"
    if usual > 0:
        ratio = _DISPLAY.divide(spent, usual).quantize(Decimal("0.1"), context=_DISPLAY)
        against = f"{ratio}{TIMES} the usual {format_dollars(usual)}"
    else:
        against = f"against the usual {format_dollars(usual)}"
    named = [
        (c.model if scope == "person" else f"{c.email} on {c.model}")
        + f" +{format_dollars(c.change_cents)}"
        for c in drivers
        if c.model is not None
    ][:2]
    why = f" ({', '.join(named)})" if named else ""
    return f"{who} spent {format_dollars(spent)} on {day}, {against}{why}"


_DISPLAY = decimal.Context(prec=EXACT.prec, rounding=decimal.ROUND_HALF_EVEN)
