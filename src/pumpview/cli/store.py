"""``pumpview store``: where the facts live, and moving them (``store copy-facts``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import Context, current
from pumpview.errors import UserInputError

if TYPE_CHECKING:
    from pumpview.store.copy_facts import CopyProgress, CopyResult

app = typer.Typer(
    help="The store: move the usage facts and cloud costs from the database into ClickHouse.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

COPY_HELP = """Copy the usage facts and FOCUS cloud costs from the database into
ClickHouse, then verify them.

\b
Every day not in ClickHouse yet is copied, per integration, a week at a
time, oldest first, exactly as a sync with ClickHouse would store it; then
every FOCUS import's cost rows and daily sums that ClickHouse does not hold
whole. Then every measure per day, person and model, and every cloud cost
per day, source, currency, provider, service, owner and team, is compared
with the database's, to the last decimal. Run it again after an
interruption: it copies what is left.
The database keeps its facts (unset PUMPVIEW_CLICKHOUSE_URL to go back to
them). Then set PUMPVIEW_CLICKHOUSE_URL and restart Pump View."""


@app.command("copy-facts", help=COPY_HELP)
def copy_facts(
    ctx: typer.Context,
    to_clickhouse: Annotated[
        str | None,
        typer.Option(
            "--to-clickhouse",
            metavar="URL",
            help="http(s)://user:password@host:port/database or chdb:///path; - reads it from "
            "stdin; default PUMPVIEW_CLICKHOUSE_URL.",
        ),
    ] = None,
) -> None:
    context = current(ctx)
    url = _url(context, to_clickhouse)
    from clickhouse_connect.driver.exceptions import ClickHouseError  # noqa: PLC0415 - when run

    from pumpview.settings import private_home  # noqa: PLC0415
    from pumpview.store.clickhouse import connection, schema  # noqa: PLC0415
    from pumpview.store.copy_facts import copy_to_clickhouse  # noqa: PLC0415
    from pumpview.store.engine import open_store  # noqa: PLC0415

    cluster = context.settings.clickhouse_cluster
    shown = connection.parse(url).masked()
    client = connection.connect(url, cluster)  # refused: one line, nothing opened
    try:
        schema.migrate(client, cluster)
        private_home(context.settings)
        engine = open_store(context.settings.db_url)  # the database alone: the facts' source
        try:
            with _bar() as show:
                result = copy_to_clickhouse(engine, client, on_progress=show)
        finally:
            engine.dispose()
    except ClickHouseError as error:  # the server went away midway: what is copied stays
        raise connection.failure(url, error) from None
    finally:
        if connection.parse(url).scheme != "chdb":
            client.close()  # a server's client is ours; chDB's is the process's (connection)
    _summary(result, shown)


def _url(context: Context, given: str | None) -> str:
    """The URL given, read from stdin for ``-``, else ``PUMPVIEW_CLICKHOUSE_URL``."""
    if given == "-":
        given = sys.stdin.readline().strip()
    if given:
        return given
    setting = context.settings.clickhouse_url
    if setting is None or not setting.get_secret_value().strip():
        msg = "where to? give --to-clickhouse URL, or set PUMPVIEW_CLICKHOUSE_URL"
        raise UserInputError(msg)
    return setting.get_secret_value()


@contextmanager
def _bar() -> Iterator[Callable[[CopyProgress], None]]:
    """The copy's bar on stderr, on a terminal only: days copied of days to copy, events, their
    rate, the time taken. A log or a pipe gets the summary alone."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    err = Console(stderr=True)
    begun = time.monotonic()
    with Progress(
        TextColumn("copying days"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=err,
        disable=not err.is_terminal,
    ) as bars:  # fmt: skip
        task = bars.add_task("days", total=None, detail="")

        def show(progress: CopyProgress) -> None:
            elapsed = time.monotonic() - begun
            rate = f" | {progress.events / elapsed:,.0f} events/s" if progress.events else ""
            cloud = f" | {progress.cost_rows:,} cost rows" if progress.cost_rows else ""
            bars.update(task, completed=progress.days_done, total=progress.days_total or None,
                        detail=f"{progress.events:,} events{rate}{cloud}")  # fmt: skip

        yield show


def _summary(result: CopyResult, shown: str) -> None:
    rate = f", {result.events / result.seconds:,.0f} events/s" if result.events else ""
    if result.days:
        typer.echo(
            f"Copied {result.events:,} events of {result.days:,} days from "
            f"{result.integrations} integration{'' if result.integrations == 1 else 's'} to "
            f"ClickHouse at {shown} in {result.chunks:,} chunks, {result.seconds:.1f}s{rate}."
        )
    else:
        typer.echo(f"Nothing to copy: every stored day is in ClickHouse at {shown} already.")
    if result.imports:
        typer.echo(
            f"Copied {result.cost_rows:,} FOCUS cost rows of {result.imports} import"
            f"{'' if result.imports == 1 else 's'}, with their daily sums, to ClickHouse."
        )
    else:
        typer.echo("No FOCUS cost to copy: every import is in ClickHouse already.")
    typer.echo(
        "Verified: every measure per day, person and model, and every cloud cost per day, "
        "source, currency, provider, service, owner and team, equals the database's, to the last "
        "decimal. The database keeps its facts: unset PUMPVIEW_CLICKHOUSE_URL to go back to them."
    )
    typer.echo(
        f"Next: set PUMPVIEW_CLICKHOUSE_URL={shown} (with its password) and restart Pump View "
        "(pumpview serve, and any scheduled pumpview sync)."
    )
