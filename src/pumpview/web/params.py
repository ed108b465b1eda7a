"""What the data pages take from the URL and show around their figures: the range of days,
the Cursor integrations, the range control's presets. Each is a FastAPI dependency, declared
once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from pumpview.reports import completeness, ranges, usage
from pumpview.store import integrations
from pumpview.timeutil import parse_day
from pumpview.web import security


def chosen_range(
    request: Request,
    since: Annotated[str | None, Query(description="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, Query(description="Last UTC day, inclusive; today.")] = None,
) -> ranges.Range:
    """The range the URL names (inclusive UTC days), by default the last 30 days."""
    today = security.web_of(request).clock.today()
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
    billing cycle among them once a sync has read it; the Cursor integrations by their display
    names, when there are several) and the data's completeness."""
    web = security.web_of(request)
    engine = web.engine
    with engine.connect() as conn:
        cycle = usage.cycle_start(conn)
        names = integrations.display_names(conn)
    query = request.query_params
    chosen = teams(query.getlist("integration"), query.getlist("team"))
    return {
        "range": span, "presets": ranges.presets(web.clock.today(), cycle),
        "teams": names if len(names) > 1 else {}, "chosen_teams": chosen or [],
        "chosen_labels": [names.get(c, c) for c in chosen or []],
        "completeness": completeness.of(engine, span, web.clock(), chosen),
    }  # fmt: skip


def teams(
    integration: Annotated[
        list[str] | None,
        Query(description="Only these Cursor integrations, by name (repeatable); all if none."),
    ] = None,
    team: Annotated[
        list[str] | None,
        Query(description="The former name of ``integration``, still accepted.", deprecated=True),
    ] = None,
) -> list[str] | None:
    """The Cursor integrations named by ``?integration=`` (repeatable; ``?team=``, its former
    name, still counts); ``None`` for all."""
    return [t for t in [*(integration or []), *(team or [])] if t] or None


Span = Annotated[ranges.Range, Depends(chosen_range)]
Teams = Annotated[list[str] | None, Depends(teams)]
"""The integrations a data page is narrowed to (its internal name is older than the word)."""
