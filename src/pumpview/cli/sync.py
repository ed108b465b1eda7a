"""``pumpview sync``: bring Cursor data up to date, with progress bars drawn from the run record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import Context, current
from pumpview.errors import PumpViewError, UpstreamError, UserInputError
from pumpview.integrations.cursor import NAME

if TYPE_CHECKING:
    from pumpview.store.runs import Run


def command(
    ctx: typer.Context,
    backfill_days: Annotated[
        int | None, typer.Option(help="How many days back to fetch (1-365; default 365).")
    ] = None,
    name: Annotated[
        str,
        typer.Option(
            "--integration", help="Which integration to sync, by name (integrations list)."
        ),
    ] = NAME,
    wait: Annotated[
        bool, typer.Option("--wait", help="If another sync of it is running, wait for it first.")
    ] = False,
) -> None:
    """Sync an integration (Cursor by default): backfill, then the days not yet final."""
    run(current(ctx), backfill_days, name=name, wait=wait)


def run(
    context: Context, backfill_days: int | None, *, name: str = NAME, wait: bool = False
) -> None:
    if backfill_days is not None and not 1 <= backfill_days <= 365:
        msg = f"--backfill-days must be between 1 and 365, got {backfill_days}"
        raise UserInputError(msg)
    from rich.console import Console  # noqa: PLC0415 - the sync's own needs, loaded when it runs
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from pumpview.integrations.http import quiet_retries  # noqa: PLC0415
    from pumpview.integrations.runner import describe, owner, run_sync  # noqa: PLC0415

    quiet_retries()

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    days = bars.add_task("days", total=None, detail="")

    def show(run: Run) -> None:
        bars.start()  # on the first report: a refused sync prints its error alone
        waiting = "" if run.owner == owner() else f"waiting for {describe(run)} | "
        bars.update(
            days,
            completed=run.days_done,
            total=run.days_total or None,
            detail=f"{waiting}{run.stage} | {run.events:,} events | {run.requests} requests"
            f" | {run.rate_limit_wait_ms / 1000:.0f}s rate-limit waits",
        )

    try:
        result = run_sync(
            context.engine,
            context.vault,
            name,
            pacing=context.settings.rate_limit,
            backfill_days=backfill_days,
            wait=wait,
            on_progress=show,
            clock=context.clock,
        )
    except UpstreamError:
        if bars.live.is_started:
            bars.stop()
        _alerts(context)  # Cursor's refusal, recorded on the run: an incident (integration health)
        raise
    finally:
        if bars.live.is_started:
            bars.stop()
    retention = (
        f"; Cursor returned data back to {result.earliest_day}" if result.earliest_day else ""
    )
    typer.echo(f"Synced {result.events:,} events in {result.windows} windows{retention}.")
    for note in result.notes:
        typer.echo(f"Note: {note}.")
    _alerts(context)


def _alerts(context: Context) -> None:
    """Evaluate the alerts after a sync, and say what it created."""
    from pumpview.cli.alerts import evaluate  # noqa: PLC0415

    try:
        created, line = evaluate(context)
    except PumpViewError as exc:  # the sync's own outcome stands; say why no alert was checked
        typer.echo(f"Note: the alerts were not evaluated: {exc}", err=True)
        return
    for alert in created:
        typer.echo(f"Alert: {alert.message}", err=True)
    if line:
        typer.echo(line, err=True)
