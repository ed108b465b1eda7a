"""``pumpview import focus PATH...``: cloud costs from FOCUS files, each file whole or not at
all, replacing the billing periods it holds for its source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import printable

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress, TaskID

app = typer.Typer(no_args_is_help=True, help="Import cost data from files.")


@app.command("focus")
def focus(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="FOCUS files: CSV, plain or gzip.")],
    source: Annotated[
        str | None,
        typer.Option(help="Where the costs come from (default: the provider of the first row)."),
    ] = None,
) -> None:
    """Import FOCUS 1.0-1.4 cost files; a billing period imported again replaces the old one."""
    from pathlib import Path  # noqa: PLC0415 - loaded when it runs

    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress, SpinnerColumn, TextColumn  # noqa: PLC0415

    from pumpview.integrations.focus.importer import import_file  # noqa: PLC0415
    from pumpview.timeutil import now_ms  # noqa: PLC0415

    context = current(ctx)
    err = Console(stderr=True)
    for name in paths:
        path = Path(name)
        label = printable(path.name)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err,
                      transient=True) as bars:  # fmt: skip
            task = bars.add_task(f"{label}: reading", total=None)

            done = import_file(
                context.engine, path, source=source, now_ms=now_ms(),
                on_rows=_counter(bars, task, label),
            )  # fmt: skip
        periods = ", ".join(p.strftime("%Y-%m") for p in sorted(done.periods))
        totals = "; ".join(
            f"billed {done.billed[c]} {c}, effective {done.effective[c]} {c}"
            for c in sorted(done.billed)
        )
        typer.echo(
            f"{label}: {done.rows:,} rows of FOCUS {done.version} into source "
            f"{done.source}; billing periods {periods}; providers "
            f"{printable(', '.join(sorted(done.providers))) or 'none named'}; {totals}; "
            f"replaced {done.replaced:,} earlier rows of those periods"
        )
        if done.repaired:
            typer.echo(
                f"{label}: {done.repaired:,} amounts written with '$' or "
                "thousands separators were read as plain numbers",
                err=True,
            )


def _counter(bars: Progress, task: TaskID, name: str) -> Callable[[int], None]:
    """The progress line's words as a file's rows are stored."""

    def show(rows: int) -> None:
        bars.update(task, description=f"{name}: {rows:,} rows")

    return show
