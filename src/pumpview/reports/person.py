"""One person over a range: their tools side by side (each provider's usage value, billed amount,
top models and activity), spend per day by tool and by model, the model mix, tokens, Cursor's
request classes, and their most recent Cursor events. Read from the rollup through its
per-person index (a year is a few thousand rows) for each of the person's keys (their email, and
the ``github:<login>`` aliases that tie Copilot's rows to them), summed exactly here."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from pumpview.reports import person_keys, tool_activity, usage
from pumpview.reports.ranges import Range
from pumpview.reports.scope import Scope, scope
from pumpview.reports.series import DayAmount, Series, by_total, stack
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, MEASURES, Measures
from pumpview.store.tables import UNATTRIBUTED
from pumpview.timeutil import MS_PER_DAY, day_start_ms

RECENT = 20
"""Events per page of a person's events."""
MAX_PAGE = 500
"""The deepest page (10,000 events back): each integration's newest ``page * RECENT`` events are
read to merge them; a narrower range reaches older ones."""


@dataclass(frozen=True, slots=True)
class RecentEvent:
    ts_ms: int
    model: str
    kind: str
    cost_cents: Decimal
    input_tokens: int
    output_tokens: int


TOP_MODELS = 3
"""Models named on a tool's card, the most usage value first."""


@dataclass(frozen=True, slots=True)
class Tool:
    """One provider's part of a person's range: its card on their page."""

    provider: str
    usage_cents: Decimal
    billed_cents: Decimal
    """Cursor's on-demand, Claude Code's (estimated) use, Copilot's net of the allowance."""
    estimated: bool
    events: int
    models: tuple[tuple[str, Decimal], ...]
    """The top ``TOP_MODELS`` models by usage value, with it."""
    activity: tool_activity.ToolActivity | None
    """What the provider counts of their work, when it reports any (not Cursor)."""


@dataclass(frozen=True, slots=True)
class Person:
    email: str | None
    name: str | None
    range: Range
    total: Measures
    models: tuple[tuple[str, Measures], ...]
    """The model mix, by spend."""
    buckets: tuple[date, ...]
    series: tuple[Series, ...]
    """Spend over time by model, as the Overview's chart draws it."""
    days: tuple[tuple[date, Measures], ...]
    """Every measure per active day (fast and slow over time)."""
    recent: tuple[RecentEvent, ...]
    """Their events in the range, newest first: page ``page`` of ``RECENT`` each."""
    page: int = 1
    tools: tuple[Tool, ...] = ()
    """Each provider they used in the range, the most usage value first."""
    tool_series: tuple[Series, ...] = ()
    """Usage value over time by provider (``buckets``), as the spend chart draws it."""

    @property
    def pages(self) -> int:
        """Pages of their events in the range (at least one, if empty), at most ``MAX_PAGE``."""
        return min(MAX_PAGE, max(1, -(-self.total.events // RECENT)))


_ZEROS = tuple(getattr(Measures(), name) for name in MEASURES)
"""Every measure at its exact zero (Decimal for money), in ``MEASURES`` order."""


def _add(into: dict[Any, list[Any]], key: Any, values: Sequence[Any]) -> None:
    """Add measure values (``MEASURES`` order) into ``into[key]``."""
    sums = into.setdefault(key, list(_ZEROS))
    for i, value in enumerate(values):
        sums[i] += value


_TOOL = ("spend_cents", "on_demand_cents", "estimated_cents", "events")


def tools(
    conn: Connection, where: Scope, keys: Sequence[str]
) -> tuple[list[Tool], list[DayAmount]]:
    """Each provider the person used in the range (usage or activity), the most usage value
    first, and each one's usage value per day (keyed by provider)."""
    read = facts.of(conn)
    acts: dict[str, tool_activity.ToolActivity] = {}
    with decimal.localcontext(EXACT):
        for (provider, _key), row in tool_activity.by_key(conn, where, keys).items():
            acts.setdefault(provider, tool_activity.ToolActivity(provider=provider)).add(row)
        out, days = [], []
        for provider, ids in where.providers:
            rows = read.sums(ids, where.range.since, where.range.until, by=("day", "model"),
                             measures=_TOOL, emails=keys)  # fmt: skip
            usage_value, billed, estimated, events = Decimal(0), Decimal(0), Decimal(0), 0
            per_model: dict[str, Decimal] = {}
            per_day: dict[date, Decimal] = {}
            for day, model, spend, on_demand, estimate, count in rows:
                usage_value, billed = usage_value + spend, billed + on_demand
                estimated, events = estimated + estimate, events + count
                per_model[model] = per_model.get(model, Decimal(0)) + spend
                per_day[day] = per_day.get(day, Decimal(0)) + spend
            act = acts.get(provider)
            if not (usage_value or billed or events) and not (act and any(act.activity.values())):
                continue
            top = sorted(per_model.items(), key=lambda m: (-m[1], m[0]))[:TOP_MODELS]
            out.append(Tool(provider, usage_value, billed, estimated != 0, events,
                            tuple(m for m in top if m[1]), act))  # fmt: skip
            days += [DayAmount(day, provider, cents) for day, cents in sorted(per_day.items())]
    out.sort(key=lambda t: (-t.usage_cents, t.provider))
    return out, days


def build(
    engine: Engine,
    email: str | None,
    span: Range,
    integrations: list[str] | None = None,
    page: int = 1,
) -> Person | None:
    """``email`` ``None`` is the unattributed bucket; ``None`` back when the person has no data
    and is not on any roster. Over every integration, or the ones named; their events' page
    ``page`` (1 to ``MAX_PAGE``)."""
    page = min(max(page, 1), MAX_PAGE)
    key = email or UNATTRIBUTED
    people = tables.cursor_members
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations)
        ids = where.integration_ids if where else ()
        read = facts.of(conn)
        keys = person_keys.keys_of(conn, key) if email else [key]  # their GitHub logins too
        rows = [r for k in keys for r in read.person_days(ids, k, span.since, span.until)]
        used, tool_days = tools(conn, where, keys) if where else ([], [])
        name = conn.execute(select(people.c.name).where(people.c.email == key)).scalars().first()
        known = name is not None or conn.execute(
            select(people.c.email).where(people.c.email == key)
        ).first() is not None  # fmt: skip
        start_ms = day_start_ms(span.since)
        end_ms = day_start_ms(span.until) + MS_PER_DAY
        recent = read.recent_events(ids, key, start_ms, end_ms, page * RECENT)
        recent = recent[(page - 1) * RECENT : page * RECENT]
    if not rows and not known and not recent:
        return None
    by_model: dict[str, list[Any]] = {}
    by_day: dict[date, list[Any]] = {}
    by_day_model: dict[tuple[date, str], list[Any]] = {}
    with decimal.localcontext(EXACT):
        for day, model, *values in rows:
            _add(by_model, model, values)
            _add(by_day, day, values)
            _add(by_day_model, (day, model), values)
        total: list[Any] = list(_ZEROS)
        for sums in by_model.values():
            total = [a + b for a, b in zip(total, sums, strict=True)]
    models = sorted(((m, Measures(**dict(zip(MEASURES, s, strict=True))))
                     for m, s in by_model.items()), key=lambda p: -p[1].spend_cents)  # fmt: skip
    at_spend = MEASURES.index("spend_cents")
    buckets, series = stack(
        span,
        [DayAmount(day, model, sums[at_spend])
         for (day, model), sums in sorted(by_day_model.items())],
        [model for model, _m in models],
    )  # fmt: skip
    _buckets, tool_series = stack(span, tool_days, by_total(tool_days))
    return Person(
        email=email, name=name if email else usage.UNATTRIBUTED_NAME, range=span,
        total=Measures(**dict(zip(MEASURES, total, strict=True))), models=tuple(models),
        buckets=buckets, series=series,
        days=tuple((d, Measures(**dict(zip(MEASURES, s, strict=True))))
                   for d, s in sorted(by_day.items())),
        recent=tuple(RecentEvent(*r) for r in recent), page=page, tools=tuple(used),
        tool_series=tool_series,
    )  # fmt: skip
