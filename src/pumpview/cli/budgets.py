"""``pumpview budgets``: add, list and remove budgets (as the Budgets page and ``/api/budgets``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError

app = typer.Typer(
    help="Budgets: what a scope may spend per period, its actual, forecast and state.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ON_SCREEN = ("id", "name", "scope", "scope_value", "measure", "provider", "period",
             "amount_cents", "actual_cents", "forecast_cents", "percent_used", "state",
             "days_left")  # fmt: skip


def _dollars(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        msg = f"--amount is a number of US dollars above zero, such as 500 (got {text!r})"
        raise UserInputError(msg, field="amount")
    return value


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the budget is called.")],
    amount: Annotated[str, typer.Option(help="US dollars per period (exact decimal).")],
    scope: Annotated[
        str, typer.Option(help="organization, integration, team or person.")
    ] = "organization",
    value: Annotated[
        str | None,
        typer.Option("--value", help="The integration's name, the team or the person's email."),
    ] = None,
    measure: Annotated[str, typer.Option(help="bill, on_demand or usage.")] = "on_demand",
    provider: Annotated[str, typer.Option(help="cursor, or all (adds cloud costs).")] = "cursor",
    period: Annotated[str, typer.Option(help="cycle (billing cycle) or month.")] = "cycle",
    thresholds: Annotated[
        str, typer.Option(help="Alert thresholds in percent of the amount.")
    ] = "50,80,100",
) -> None:
    """Add a budget and print its status now."""
    from pumpview.reports import budgets as report  # noqa: PLC0415 - SQLAlchemy, when it runs
    from pumpview.store import budgets as store  # noqa: PLC0415

    context = current(ctx)
    fields = {"name": name, "scope": scope, "scope_value": value, "measure": measure,
              "provider": provider, "period": period,
              "amount_cents": _dollars(amount).scaleb(2), "thresholds": thresholds}  # fmt: skip
    with context.engine.begin() as conn:
        budget = store.add(conn, fields, context.clock())
    status = report.one(context.engine, budget.id, context.clock(), context.settings.billing)
    if status is not None:
        typer.echo(
            f"Added budget {budget.id} ({budget.name}): {status.percent_used} % used, "
            f"{status.state_words.lower()}."
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Every budget with its status now: actual, forecast, % used, days left and state."""
    from pumpview.reports import budgets as report  # noqa: PLC0415

    context = current(ctx)
    rows = [report.record(s) for s in report.listing(context.engine, context.clock(),
                                                     context.settings.billing)]  # fmt: skip
    emit(rows, report.COLUMNS, fmt, title="Budgets", on_screen=ON_SCREEN)


@app.command("remove")
def remove(
    ctx: typer.Context, budget_id: Annotated[int, typer.Argument(help="The budget's id.")]
) -> None:
    """Remove a budget (its alerts stay, without it)."""
    from pumpview.store import budgets as store  # noqa: PLC0415

    with current(ctx).engine.begin() as conn:
        if not store.remove(conn, budget_id):
            msg = f"no budget with id {budget_id}; pumpview budgets list shows them"
            raise UserInputError(msg)
    typer.echo(f"Removed budget {budget_id}.")
