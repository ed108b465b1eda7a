"""``pumpview report users|models|requests|daily``."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.reports import usage
from pumpview.timeutil import parse_day

MONEY_AND_TOKENS = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
)  # fmt: skip


class Kind(StrEnum):
    users = "users"
    models = "models"
    requests = "requests"
    daily = "daily"


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
    engine = current(ctx).engine
    columns: tuple[str, ...]
    if kind is Kind.users:
        columns = ("email", "name", *MONEY_AND_TOKENS, "fast_requests", "slow_requests",
                   "not_charged_requests")  # fmt: skip
        emit(
            usage.users(engine, first, last), columns, fmt, title="Cursor spend per person",
            on_screen=("email", "name", "events", "spend_cents", "on_demand_cents",
                       "included_cents", "token_fee_cents", "fast_requests", "slow_requests"),
        )  # fmt: skip
    elif kind is Kind.models:
        columns = ("model", "events", "users", *MONEY_AND_TOKENS[1:])
        emit(
            usage.models(engine, first, last), columns, fmt, title="Cursor usage per model",
            on_screen=("model", "events", "users", "spend_cents", "model_cost_cents",
                       "token_fee_cents", "input_tokens", "output_tokens", "cache_read_tokens"),
        )  # fmt: skip
    elif kind is Kind.requests:
        columns = ("email", "name", "fast_requests", "slow_requests", "not_charged_requests",
                   "cursor_fast_premium_requests")  # fmt: skip
        emit(usage.requests(engine, first, last), columns, fmt, title="Requests per person")
    else:
        emit(
            usage.daily(engine, first, last),
            ("date", "events", "spend_cents"),
            fmt,
            title="Per day",
        )
