"""``pumpview report users|models|requests|daily``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy import Engine

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.reports import usage
from pumpview.timeutil import parse_day

MONEY_AND_TOKENS = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
)  # fmt: skip


@dataclass(frozen=True)
class View:
    """One report: its query, every column (JSON, CSV) and the ones that fit on screen."""

    rows: Callable[[Engine, date | None, date | None], Sequence[object]]
    columns: tuple[str, ...]
    title: str
    on_screen: tuple[str, ...] | None = None


class Kind(StrEnum):
    users = "users"
    models = "models"
    requests = "requests"
    daily = "daily"


VIEWS = {
    Kind.users: View(
        usage.users,
        ("email", "name", *MONEY_AND_TOKENS, "fast_requests", "slow_requests",
         "not_charged_requests"),
        "Cursor spend per person",
        ("email", "name", "events", "spend_cents", "on_demand_cents", "included_cents",
         "token_fee_cents", "fast_requests", "slow_requests"),
    ),
    Kind.models: View(
        usage.models,
        ("model", "events", "users", *MONEY_AND_TOKENS[1:]),
        "Cursor usage per model",
        ("model", "events", "users", "spend_cents", "model_cost_cents", "token_fee_cents",
         "input_tokens", "output_tokens", "cache_read_tokens"),
    ),
    Kind.requests: View(
        usage.requests,
        ("email", "name", "fast_requests", "slow_requests", "not_charged_requests",
         "cursor_fast_premium_requests"),
        "Requests per person",
    ),
    Kind.daily: View(usage.daily, ("date", "events", "spend_cents"), "Per day"),
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
) -> None:
    """Cursor usage and cost, per user, model, request class or day. Money in exact cents."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        msg = f"--since {first} is after --until {last}"
        raise UserInputError(msg)
    view = VIEWS[kind]
    rows = view.rows(current(ctx).engine, first, last)
    emit(rows, view.columns, fmt, title=view.title, on_screen=view.on_screen)
