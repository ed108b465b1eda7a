"""What the data pages take from the URL and show around their figures: the range of days,
the Cursor integrations, the range control's presets. Each is a FastAPI dependency, declared
once."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from pumpview.integrations.providers import LABELS
from pumpview.reports import completeness, ranges, usage
from pumpview.reports.scope import ALL, PROVIDERS
from pumpview.store import integrations as store
from pumpview.timeutil import parse_day
from pumpview.web.state import State, web_of

MAX_ID = 2**31 - 1
"""The largest id a path may name: what the store's integer keys hold (a larger one is a 422,
never a database overflow)."""


def chosen_range(
    request: Request,
    web: State,
    since: Annotated[str | None, Query(description="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[
        str | None,
        Query(
            description="Last UTC day, inclusive: with `since`, today by default; else yesterday."
        ),
    ] = None,
) -> ranges.Range:
    """The range the URL names (inclusive UTC days), by default the last 30 whole days. A range
    that cannot be shown is a 400 under ``/api``; a page shows the default and says what was
    wrong at the range control (``around``)."""
    today = web.clock.today()
    try:
        return ranges.chosen(
            parse_day(since) if since else None, parse_day(until) if until else None, today
        )
    except ValueError as exc:
        if request.url.path.startswith("/api/"):
            raise HTTPException(400, f"since/until: {exc}") from None
        request.state.range_error = {"message": str(exc), "since": since, "until": until}
        return ranges.default(today)


def around(request: Request, span: ranges.Range) -> dict[str, Any]:
    """What every data page shows around its figures: the range control (its presets, the
    billing cycle among them once a sync has read it; the Cursor integrations by their display
    names, when there are several) and the data's completeness."""
    web = web_of(request)
    engine = web.engine
    with engine.connect() as conn:
        cycle = usage.cycle_start(conn)
        names = store.display_names(conn)
    query = request.query_params
    chosen = integrations(query.getlist("integration"), query.getlist("team"))
    today = web.clock.today()
    return {
        "range": span, "presets": ranges.presets(today, cycle),
        "today": today, "yesterday": today - timedelta(days=1),
        "integration_names": names if len(names) > 1 else {}, "chosen_integrations": chosen or [],
        "chosen_labels": [names.get(c, c) for c in chosen or []],
        "completeness": completeness.of(engine, span, web.clock(), chosen),
        "range_error": getattr(request.state, "range_error", None),
    }  # fmt: skip


def integrations(
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
Integrations = Annotated[list[str] | None, Depends(integrations)]
"""The Cursor integrations a data page is narrowed to, by name; ``None`` for all."""


def provider(
    provider: Annotated[
        str,
        Query(description="Only this provider's usage: cursor, claude-code, copilot, or all."),
    ] = "all",
) -> str:
    """The provider a data page is narrowed to (``all``: every one); another is a 400."""
    if provider not in (*PROVIDERS, ALL):
        raise HTTPException(400, f"provider: unknown {provider!r}; one of "
                                 f"{', '.join((*PROVIDERS, ALL))}")  # fmt: skip
    return provider


Provider = Annotated[str, Depends(provider)]
"""The provider a data page is narrowed to; ``all`` for every one."""


def tools(chosen: str) -> dict[str, Any]:
    """What a data page's tool filter shows (``templates/_range.html``): each provider by its
    label, and the one chosen (``all``: every tool)."""
    return {"tool_choices": {ALL: "All tools", **{p: LABELS.get(p, p) for p in PROVIDERS}},
            "tool_chosen": chosen}  # fmt: skip
