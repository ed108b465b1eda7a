"""What the data pages take from the URL and show around their figures: the range of days,
the teams, the range control's presets. Each is a FastAPI dependency, declared once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import select

from pumpview.reports import completeness, ranges, usage
from pumpview.store import tables
from pumpview.timeutil import day_of, now_ms, parse_day
from pumpview.web import security


def chosen_range(
    since: Annotated[str | None, Query(description="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, Query(description="Last UTC day, inclusive; today.")] = None,
) -> ranges.Range:
    """The range the URL names (inclusive UTC days), by default the last 30 days."""
    today = day_of(now_ms())
    try:
        first = parse_day(since) if since else None
        last = parse_day(until) if until else None
    except ValueError as exc:
        raise HTTPException(400, f"since/until: {exc}") from None
    if first is None and last is None:
        return ranges.default(today)
    last = last or today
    first = first or last.replace(day=1)
    if first > last:
        raise HTTPException(400, f"since {first} is after until {last}")
    if first < FIRST_DAY or last > LAST_DAY:
        raise HTTPException(400, f"since/until: days from {FIRST_DAY} to {LAST_DAY}")
    if (last - first).days + 1 >= first.toordinal():  # its previous period is before year 1
        raise HTTPException(400, "since/until: a range that long has no period before it")
    label = next((r.label for r in ranges.presets(today) if (r.since, r.until) == (first, last)),
                 "custom")  # fmt: skip
    return ranges.Range(label, first, last)


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)
"""The days a range may name: after the epoch (Cursor's times are epoch milliseconds), before
``date.max`` (a range's next day must exist); a 500 (``OverflowError``) before."""


def around(request: Request, span: ranges.Range) -> dict[str, Any]:
    """What every data page shows around its figures: the range control (its presets, the
    billing cycle among them once a sync has read it; the teams, when there are several) and
    the data's completeness."""
    engine = security.web_of(request).engine
    with engine.connect() as conn:
        cycle = usage.cycle_start(conn)
        names = conn.execute(select(tables.integrations.c.name).order_by("name")).scalars().all()
    chosen = teams(request.query_params.getlist("team"))
    return {
        "range": span, "presets": ranges.presets(day_of(now_ms()), cycle),
        "teams": names if len(names) > 1 else [], "chosen_teams": chosen or [],
        "completeness": completeness.of(engine, span, chosen),
    }  # fmt: skip


def teams(
    team: Annotated[
        list[str] | None, Query(description="Only these integrations (repeatable); all if none.")
    ] = None,
) -> list[str] | None:
    """The integrations named by ``?team=`` (repeatable); ``None`` for all."""
    return [t for t in team or [] if t] or None


Span = Annotated[ranges.Range, Depends(chosen_range)]
Teams = Annotated[list[str] | None, Depends(teams)]
