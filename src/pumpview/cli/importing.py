"""``pumpview import focus PATH...``: cloud costs from FOCUS files, each file whole or not at
all, replacing the billing periods it holds for its source."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.visible import for_terminal

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console
    from rich.progress import Progress, TaskID

    from pumpview.integrations.focus import importer

app = typer.Typer(no_args_is_help=True, help="Import cost data from files.")


@app.command("focus")
def focus(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="FOCUS files: CSV, plain or gzip, or Parquet.")
    ],
    source: Annotated[
        str | None,
        typer.Option(help="Where the costs come from (default: the provider of the first row)."),
    ] = None,
) -> None:
    """Import FOCUS 1.0-1.4 cost files; a billing period imported again replaces the old one."""
    from pathlib import Path  # noqa: PLC0415 - loaded when it runs

    from rich.console import Console  # noqa: PLC0415

    from pumpview.integrations.focus.importer import import_file  # noqa: PLC0415

    context = current(ctx)
    err = Console(stderr=True)
    for name in paths:
        path = Path(name)
        label = for_terminal(path.name)
        with _bar(err) as bars:
            task = bars.add_task(label, total=None, rows=0, rate="")
            done = import_file(
                context.engine, path, source=source, now_ms=context.clock(),
                on_progress=_follow(bars, task), keys=context.settings.tag_keys,
            )  # fmt: skip
        periods = ", ".join(p.strftime("%Y-%m") for p in sorted(done.periods))
        totals = "; ".join(
            f"billed {done.billed[c]:f} {c}, effective {done.effective[c]:f} {c}"  # no 3E-7
            for c in sorted(done.billed)
        )
        typer.echo(
            f"{label}: {_many(done.rows, 'row')} of FOCUS {done.version} into source "
            f"{done.source}; billing {_many(len(done.periods), 'period', count=False)} "
            f"{periods}; {_many(len(done.providers), 'provider', count=False)} "
            f"{for_terminal(', '.join(sorted(done.providers))) or 'none named'}; {totals}; "
            f"replaced {_many(done.replaced, 'earlier row')} of "
            f"{'that period' if len(done.periods) == 1 else 'those periods'}"
        )
        if done.repaired:
            typer.echo(
                f"{label}: {_many(done.repaired, 'amount')} written with '$' or thousands "
                f"separators {'was' if done.repaired == 1 else 'were'} read as plain numbers",
                err=True,
            )


def _many(n: int, word: str, *, count: bool = True) -> str:
    """``1 row``, ``2,000 rows``; without ``count``, the word alone, singular or plural."""
    said = word if n == 1 else f"{word}s"
    return f"{n:,} {said}" if count else said


def _bar(err: Console) -> Progress:
    """A file's bar on stderr: how much of it is read, rows stored, their rate, the time
    left. Drawn only on a terminal: a log or a pipe gets the summary lines alone."""
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"), TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(elapsed_when_finished=True), console=err,
        disable=not err.is_terminal,
    )  # fmt: skip


def _follow(bars: Progress, task: TaskID) -> Callable[[importer.Progress], None]:
    """Move the bar as a file's batches are stored."""
    begun = time.monotonic()

    def show(progress: importer.Progress) -> None:
        elapsed = time.monotonic() - begun
        rate = f"{progress.rows / elapsed:,.0f} rows/s" if progress.rows else ""
        bars.update(task, completed=progress.done, total=progress.total or None,
                    rows=progress.rows, rate=rate)  # fmt: skip

    return show
