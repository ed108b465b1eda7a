"""``pumpview report users|models|requests|daily`` (Cursor), ``providers|people|teams``
(Cursor beside the cloud costs of imported FOCUS files), ``seats`` (paid seats as of today),
``anomalies`` (days far above the usual, per person and team) and ``reconciliation`` (Cursor's
own figures for a billing cycle beside the events'; with ``--provider claude-code``, Claude
Code's estimates per day beside Anthropic's cost report)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.days import days
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError

if TYPE_CHECKING:
    from pumpview.reports.plain import Plain

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class View:
    """How a report shows on screen: a title and the columns that fit (JSON and CSV carry all
    of ``reports.usage.COLUMNS``)."""

    title: str
    on_screen: tuple[str, ...] | None = None


class Kind(StrEnum):
    users = "users"
    models = "models"
    requests = "requests"
    daily = "daily"
    providers = "providers"
    people = "people"
    teams = "teams"
    seats = "seats"
    anomalies = "anomalies"
    reconciliation = "reconciliation"
    activity = "activity"


UNIFIED = (Kind.providers, Kind.people, Kind.teams)
PROVIDER_COLUMNS = ("email", "name", "usage_cents", "billed_cents", "estimated", "input_tokens",
                    "output_tokens", "cache_read_tokens")  # fmt: skip
"""What fits on screen of another provider's people than Cursor's."""


class By(StrEnum):
    provider = "provider"
    service = "service"


VIEWS = {
    Kind.users: View(
        "Usage value per person",
        ("email", "name", "events", "spend_cents", "on_demand_cents", "included_cents",
         "token_fee_cents", "fast_requests", "slow_requests"),
    ),
    Kind.models: View(
        "Usage per model",
        ("model", "events", "users", "spend_cents", "model_cost_cents", "token_fee_cents",
         "input_tokens", "output_tokens", "cache_read_tokens"),
    ),
    Kind.requests: View("Requests per person"),
    Kind.daily: View(
        "Per day",
        ("date", "events", "spend_cents", "on_demand_cents", "included_cents", "fast_requests",
         "slow_requests"),
    ),
    Kind.providers: View("Billed per provider (Cursor: on-demand + configured seats)"),
    Kind.people: View(
        "AI and cloud per person: billed (Cursor: on-demand + configured seats), usage value",
        ("person", "team", "cursor_billed_cents", "cloud_billed_cost", "cursor_spend_cents",
         "currency"),
    ),
    Kind.teams: View(
        "AI and cloud per team: billed (Cursor: on-demand + configured seats), usage value",
        ("team", "members", "cursor_billed_cents", "cloud_billed_cost", "cursor_spend_cents",
         "untagged_cloud_cost", "currency"),
    ),
    Kind.seats: View("Paid seats, idle ones first"),
    Kind.anomalies: View(
        "Anomalies: complete days far above the usual",
        ("day", "scope", "scope_value", "value_cents", "baseline_cents", "excess_cents",
         "message"),
    ),
    Kind.reconciliation: View(
        "Cursor's spend snapshot beside Pump View's events",
        ("email", "cursor_on_demand_cents", "on_demand_cents", "on_demand_difference_cents",
         "cursor_usage_cents", "usage_cents", "usage_difference_cents", "status", "cause"),
    ),
    Kind.activity: View(
        "Activity beside cost, per person and tool (cost per unit within one tool)",
        ("email", "provider", "usage_cents", "estimated", "sessions", "commits",
         "code_acceptances", "lines_added", "active_days", "cents_per_commit",
         "cents_per_active_day"),
    ),
}  # fmt: skip


def command(
    ctx: typer.Context,
    kind: Annotated[
        Kind,
        typer.Argument(
            help="users, models, requests, daily (Cursor); providers, people, teams "
            "(Cursor beside cloud costs); seats (paid seats as of today, idle ones first); "
            "anomalies (days far above the usual); reconciliation (Cursor's figures for a "
            "billing cycle beside the events'); activity (Claude Code's and Copilot's activity "
            "per person beside their cost)."
        ),
    ],
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day (inclusive), YYYY-MM-DD.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
    integration: Annotated[
        list[str] | None,
        typer.Option(help="Only this integration (repeatable; default all)."),
    ] = None,
    provider: Annotated[
        str,
        typer.Option(
            help="users, models, daily, activity: only this provider's usage (cursor, "
            "claude-code, copilot), or all; reconciliation: claude-code for Claude Code's "
            "estimates per day beside Anthropic's bill."
        ),
    ] = "all",
    by: Annotated[
        By, typer.Option(help="providers: one row per provider, or per provider and service.")
    ] = By.provider,
    cycle: Annotated[
        str | None,
        typer.Option(help="reconciliation: current (default) or a cycle's first day, YYYY-MM-DD."),
    ] = None,
) -> None:
    """Cursor usage and cost, per user, model, request class or day; or Cursor beside cloud
    costs, per provider, person or team; or every paid seat with its last active day and days
    idle; or the anomalies of the complete days (by default the last 30); or Cursor's own figures
    for a billing cycle beside the events'. Cursor money in exact cents, cloud costs in exact
    currency units (one row per currency)."""
    if kind is Kind.reconciliation and provider == "claude-code":
        if cycle is not None:
            msg = "Claude Code's reconciliation is per day: use --since/--until, not --cycle"
            raise UserInputError(msg)
        _claude_code_reconciliation(ctx, *days(since, until), integration, fmt)
        return
    if kind is Kind.reconciliation:
        if since or until:
            msg = "reconciliation is per billing cycle: use --cycle, not --since/--until"
            raise UserInputError(msg)
        _reconciliation(ctx, cycle or "current", integration, fmt)
        return
    if cycle is not None:
        msg = "--cycle is for the reconciliation report"
        raise UserInputError(msg)
    first, last = days(since, until)
    if by is By.service and kind is not Kind.providers:
        msg = "--by service is for the providers report"
        raise UserInputError(msg)
    if kind is Kind.seats:
        if first or last:
            msg = "--since and --until are not for the seats report: seats are as of today"
            raise UserInputError(msg)
        _seats(ctx, fmt, integration)
        return
    # SQLAlchemy only once a report runs
    from pumpview.reports import spend, usage  # noqa: PLC0415

    view = VIEWS[kind]
    engine = current(ctx).engine
    if kind is Kind.anomalies:
        _anomalies(engine, first, last, integration, fmt)
        return
    if kind is Kind.activity:
        _activity(engine, first, last, integration, provider, fmt)
        return
    if kind in UNIFIED:
        by_service = by is By.service
        billing = current(ctx).billing
        rows = spend.run(engine, kind.value, first, last, integration, by_service=by_service,
                         plan=billing.plan, copilot=billing.copilot)  # fmt: skip
        columns = spend.COLUMNS[kind.value]
        if kind is Kind.providers and not by_service:
            columns = tuple(c for c in columns if c != "service")
    else:
        rows = usage.run(engine, kind.value, first, last, integration, provider)
        columns = usage.COLUMNS[kind.value]
        if kind is Kind.users:
            rows, columns = _with_limits(ctx, rows, columns, integration)
            if provider not in ("cursor", "all"):  # Cursor's own columns would read all zero
                view = View(f"Usage value per person: {provider}", PROVIDER_COLUMNS)
    if not rows and fmt is Format.table:
        typer.echo(_nothing(kind, first, last, integration), err=True)
        return
    emit(rows, columns, fmt, title=view.title, on_screen=view.on_screen)


def _anomalies(
    engine: Engine,
    first: date | None,
    last: date | None,
    integration: list[str] | None,
    fmt: Format,
) -> None:
    """The anomalies report: JSON with each one's drivers (``reports.anomalies.to_json``)."""
    from pumpview.reports import anomalies  # noqa: PLC0415 - SQLAlchemy only once a report runs

    found = anomalies.run(engine, first, last, integration)
    if fmt is Format.json:
        print(json.dumps(anomalies.to_json(found), ensure_ascii=False, indent=2))  # noqa: T201
        return
    if not found and fmt is Format.table:
        where = f" in {', '.join(integration)}" if integration else ""
        days = f"from {first or 'the start'} to {last or 'the latest'}" if first or last else (
            f"in the last {anomalies.DEFAULT_DAYS}")  # fmt: skip
        typer.echo(f"No anomaly{where} on the complete days {days}.", err=True)
        return
    view = VIEWS[Kind.anomalies]
    emit(found, anomalies.COLUMNS, fmt, title=view.title, on_screen=view.on_screen)


def _activity(
    engine: Engine,
    first: date | None,
    last: date | None,
    integration: list[str] | None,
    provider: str,
    fmt: Format,
) -> None:
    """Each person's activity with each tool beside its cost (``reports.tool_activity``); the
    table is followed by each tool's caveats."""
    from pumpview.reports import tool_activity  # noqa: PLC0415 - SQLAlchemy only once run

    view = tool_activity.build(engine, first, last, integration, provider)
    rows = tool_activity.records(view.people, "people") if view else []
    if not rows and fmt is Format.table:
        typer.echo("No Claude Code or Copilot activity stored in this range "
                   "(Cursor reports none).", err=True)  # fmt: skip
        return
    on_screen = VIEWS[Kind.activity]
    emit(rows, tool_activity.COLUMNS["people"], fmt, title=on_screen.title,
         on_screen=on_screen.on_screen)  # fmt: skip
    if fmt is Format.table:
        for name in sorted({str(r["provider"]) for r in rows}):
            typer.echo(f"{name}: {tool_activity.CAVEATS[name]}")


def _with_limits(
    ctx: typer.Context,
    rows: Sequence[object],
    columns: tuple[str, ...],
    integration: list[str] | None,
) -> tuple[list[dict[str, Plain]], tuple[str, ...]]:
    """People's rows with their Cursor spending limit (as ``/api/people`` gives them)."""
    from pumpview.reports import limits  # noqa: PLC0415 - SQLAlchemy only once run
    from pumpview.reports.plain import records  # noqa: PLC0415

    context = current(ctx)
    found = limits.run(context.engine, integration, context.clock())
    data = [{**row, **limits.fields_of(found.get(str(row["email"] or "")))}
            for row in records(rows, columns)]  # fmt: skip
    return data, (*columns, *limits.COLUMNS)


def _reconciliation(
    ctx: typer.Context, cycle: str, integration: list[str] | None, fmt: Format
) -> None:
    """Each member's row, the largest difference first; the table says the totals below."""
    from pumpview.money import format_dollars  # noqa: PLC0415 - msgspec only once run
    from pumpview.reports import reconciliation  # noqa: PLC0415 - SQLAlchemy only once run

    context = current(ctx)
    result = reconciliation.build(context.engine, cycle, context.clock(), integration)
    rows = reconciliation.plain_rows(result.rows)
    if not rows and fmt is Format.table:
        typer.echo("No spend snapshot of this cycle yet: run pumpview sync.", err=True)
        return
    view = VIEWS[Kind.reconciliation]
    emit(rows, reconciliation.COLUMNS, fmt, title=view.title, on_screen=view.on_screen)
    totals = result.totals
    if fmt is Format.table and totals is not None:
        on_demand, usage_value = (
            "unknown" if cents is None else format_dollars(cents)
            for cents in (totals.on_demand_difference_cents, totals.usage_difference_cents)
        )
        typer.echo(
            f"{totals.matching} of {totals.members} rows match. Over the members Cursor lists, "
            f"the on-demand difference is {on_demand} and the usage value's {usage_value} "
            "(Cursor's minus Pump View's)."
        )


def _claude_code_reconciliation(
    ctx: typer.Context,
    first: date | None,
    last: date | None,
    integration: list[str] | None,
    fmt: Format,
) -> None:
    """Per day, the people's estimates beside Anthropic's bill; the total and the caveat below
    the table (JSON: ``reports.claude_code_reconciliation.to_json``)."""
    from pumpview.money import format_dollars  # noqa: PLC0415 - msgspec only once run
    from pumpview.reports import claude_code_reconciliation as recon  # noqa: PLC0415

    result = recon.build(current(ctx).engine, first, last, integration)
    if fmt is Format.json:
        print(json.dumps(recon.to_json(result), ensure_ascii=False, indent=2))  # noqa: T201
        return
    if result.total is None and fmt is Format.table:
        typer.echo("No Claude Code usage or bill stored in this range: connect Claude Code "
                   "and run pumpview sync.", err=True)  # fmt: skip
        return
    emit(recon.plain_rows(result.days), recon.COLUMNS, fmt,
         title="Claude Code: the people's estimates beside Anthropic's bill, per day")  # fmt: skip
    if fmt is Format.table and result.total is not None:
        t = result.total
        typer.echo(
            f"Over {len(result.days)} days: estimated {format_dollars(t.estimated_cents)} (est.), "
            f"billed {format_dollars(t.billed_cents)} ({format_dollars(t.billed_model_cents)} "
            f"on model lines, {format_dollars(t.billed_other_cents)} on other lines), "
            f"difference {format_dollars(t.difference_cents)} (model lines minus estimates). "
            f"{result.caveat}"
        )


def _nothing(
    kind: Kind, first: date | None, last: date | None, integration: list[str] | None
) -> str:
    """Why a report is empty, in words (an empty table says nothing)."""
    what = "Cursor usage or cloud cost" if kind in UNIFIED else "Cursor usage"
    where = f" in {', '.join(integration)}" if integration else ""
    if first or last:
        return f"No {what}{where} from {first or 'the start'} to {last or 'today'}."
    if kind in UNIFIED:
        return f"No {what} stored{where} yet: run pumpview sync or pumpview import focus."
    return f"No {what} stored{where} yet: run pumpview sync."


def _seats(ctx: typer.Context, fmt: Format, integration: list[str] | None) -> None:
    """Every paid seat as of today, idle ones first, priced by the billing settings in force."""
    from pumpview.reports import seat_use  # noqa: PLC0415 - SQLAlchemy once a report runs

    context = current(ctx)
    seats = seat_use.build(
        context.engine, context.clock.today(), context.settings.billing, integration
    )
    if not seats.rows and fmt is Format.table:
        where = f" in {', '.join(integration)}" if integration else ""
        typer.echo(f"No paid seats stored{where} yet: run pumpview sync.", err=True)
        return
    title = f"{VIEWS[Kind.seats].title}: idle after {seats.idle_after} days without usage"
    emit(seats.rows, seat_use.COLUMNS, fmt, title=title)
    if fmt is Format.table:
        from pumpview.money import format_dollars  # noqa: PLC0415

        idle = seats.idle_cents
        cost = (
            "; no seat price is set (Settings → Billing, or PUMPVIEW_SEAT_PRICE)"
            if idle is None
            else f"; they cost {format_dollars(idle)} per cycle at the configured seat price"
        )
        typer.echo(f"{len(seats.idle)} of {len(seats.rows)} paid seats are idle{cost}.")
