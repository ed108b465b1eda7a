"""``pumpview alerts``: evaluate the rules and deliver now; list the alerts and their
deliveries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pumpview.cli.context import Context, current
from pumpview.cli.render import Format, emit

if TYPE_CHECKING:
    from pumpview.store.alerts import Alert

app = typer.Typer(
    help="Alerts: budgets, forecasts, anomalies, idle seats, integration health.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
COLUMNS = ("id", "created_at", "rule", "scope", "scope_value", "period", "threshold", "day",
           "message", "deliveries")  # fmt: skip
ON_SCREEN = ("id", "created_at", "rule", "scope_value", "message", "deliveries")


def _emit(alerts: list[Alert], fmt: Format, title: str) -> None:
    from pumpview.alerts.rows import alert_row  # noqa: PLC0415 - SQLAlchemy, when it runs

    rows = [alert_row(a) for a in alerts]
    if fmt is Format.json:  # the rows of GET /api/alerts, deliveries a list
        print(json.dumps(rows, ensure_ascii=False, indent=2))  # noqa: T201 - machine output
        return
    flat: list[dict[str, Any]] = [
        {**row, "deliveries": "; ".join(f"{d['channel']}: {d['status']} ({d['attempts']})"
                                        for d in row["deliveries"]) or "no channel"}
        for row in rows
    ]  # fmt: skip
    emit(flat, COLUMNS, fmt, title=title, on_screen=ON_SCREEN)


def evaluate(context: Context) -> tuple[list[Alert], str]:
    """Check every rule and deliver what is due; the alerts created, and a line on the
    deliveries (empty when nothing was sent)."""
    from pumpview.alerts.evaluate import run  # noqa: PLC0415

    created, sent = run(context.engine, context.vault, context.clock(),
                        base_url=context.settings.base_url,
                        defaults=context.settings.billing)  # fmt: skip
    if not sent:
        return created, ""
    counts = {s: sum(d.status == s for d in sent) for s in ("sent", "pending", "failed")}
    said = f"{counts['sent']} sent, {counts['pending']} to retry, {counts['failed']} failed"
    return created, f"Deliveries: {said}."


@app.command("check")
def check(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Evaluate every rule now, create what is new (each alert once), deliver what is due, and
    print the alerts created."""
    created, line = evaluate(current(ctx))
    if fmt is Format.table and not created:
        typer.echo("No new alerts.")
    else:
        _emit(created, fmt, "New alerts")
    if line and fmt is Format.table:
        typer.echo(line)


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Every alert, newest first, with its deliveries (channel, status, attempts)."""
    from pumpview.store import alerts as store  # noqa: PLC0415

    with current(ctx).engine.connect() as conn:
        alerts = store.listing(conn)
    _emit(alerts, fmt, "Alerts")
