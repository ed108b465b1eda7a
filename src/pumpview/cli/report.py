"""``pumpview report users|models|requests|daily``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.timeutil import parse_day


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


VIEWS = {
    Kind.users: View(
        "Cursor spend per person",
        ("email", "name", "events", "spend_cents", "on_demand_cents", "included_cents",
         "token_fee_cents", "fast_requests", "slow_requests"),
    ),
    Kind.models: View(
        "Cursor usage per model",
        ("model", "events", "users", "spend_cents", "model_cost_cents", "token_fee_cents",
         "input_tokens", "output_tokens", "cache_read_tokens"),
    ),
    Kind.requests: View("Requests per person"),
    Kind.daily: View(
        "Per day",
        ("date", "events", "spend_cents", "on_demand_cents", "included_cents", "fast_requests",
         "slow_requests"),
    ),
}  # fmt: skip


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        msg = f"{flag}: {exc}"
        raise UserInputError(msg) from None


def command(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="users, models, requests or daily.")],
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day (inclusive), YYYY-MM-DD.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
    integration: Annotated[
        list[str] | None,
        typer.Option(help="Only this integration (repeatable; default all)."),
    ] = None,
) -> None:
    """Cursor usage and cost, per user, model, request class or day. Money in exact cents."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        msg = f"--since {first} is after --until {last}"
        raise UserInputError(msg)
    from pumpview.reports import usage  # noqa: PLC0415 - SQLAlchemy only once a report runs

    view = VIEWS[kind]
    rows = usage.run(current(ctx).engine, kind.value, first, last, integration)
    if not rows and fmt is Format.table:
        typer.echo(_nothing(first, last, integration), err=True)
        return
    emit(rows, usage.COLUMNS[kind.value], fmt, title=view.title, on_screen=view.on_screen)


def _nothing(first: date | None, last: date | None, integration: list[str] | None) -> str:
    """Why a report is empty, in words (an empty table says nothing)."""
    where = f" in {', '.join(integration)}" if integration else ""
    if first or last:
        return f"No Cursor usage{where} from {first or 'the start'} to {last or 'today'}."
    return f"No Cursor usage stored{where} yet: run pumpview sync."
