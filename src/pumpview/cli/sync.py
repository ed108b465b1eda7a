"""``pumpview sync``: bring the Cursor data up to date, with progress bars."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pumpview.cli.context import Context, current
from pumpview.errors import UserInputError
from pumpview.integrations.cursor import connection
from pumpview.integrations.cursor.client import CursorClient, make_http
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.integrations.cursor.sync import Progress as SyncProgress
from pumpview.timeutil import day_of, now_ms


def command(
    ctx: typer.Context,
    backfill_days: Annotated[
        int | None, typer.Option(help="How many days back to fetch (1-365; default 365).")
    ] = None,
) -> None:
    """Sync Cursor usage: members, usage events (backfill, then incremental), spend, groups."""
    run(current(ctx), backfill_days)


def run(context: Context, backfill_days: int | None) -> None:
    if backfill_days is not None and not 1 <= backfill_days <= 365:
        msg = f"--backfill-days must be between 1 and 365, got {backfill_days}"
        raise UserInputError(msg)
    integration = connection.stored(context.engine, context.vault)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bars:
        windows = bars.add_task("windows", total=None, detail="")

        http = make_http(integration.api_key, integration.base_url)
        client = CursorClient(http, pacing=context.settings.rate_limit)

        def show(p: SyncProgress) -> None:
            span = f"{day_of(p.window.start)} .. {day_of(p.window.end)}" if p.window else p.stage
            stats = client.stats
            bars.update(
                windows,
                completed=p.windows_done,
                total=p.windows_total or None,
                detail=f"{span} | {p.events:,} events | {stats.requests} requests"
                f" | {stats.pacing_seconds + stats.backoff_seconds:.0f}s rate-limit waits",
            )

        with http:
            result = CursorSync(
                context.engine,
                client,
                integration.integration_id,
                now_ms=now_ms(),
                backfill_days=backfill_days or integration.backfill_days,
                on_progress=show,
            ).run()
    retention = (
        f"; Cursor returned data back to {result.earliest_day}" if result.earliest_day else ""
    )
    typer.echo(f"Synced {result.events:,} events in {result.windows} windows{retention}.")
    for note in result.notes:
        typer.echo(f"Note: {note}.")
