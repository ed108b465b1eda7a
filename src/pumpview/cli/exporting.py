"""``pumpview export focus --out FILE``: AI tool costs as a FOCUS file, for any FinOps tool."""

from __future__ import annotations

from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.days import days
from pumpview.visible import for_terminal

app = typer.Typer(no_args_is_help=True, help="Export cost data to files.")


@app.command("focus")
def focus(
    ctx: typer.Context,
    out: Annotated[str, typer.Option("--out", help="The file to write (replaced whole).")],
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day (inclusive), YYYY-MM-DD.")] = None,
    focus_version: Annotated[
        str, typer.Option("--focus-version", help="FOCUS version: 1.2, 1.3 or 1.4.")
    ] = "1.2",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or parquet (default: parquet for a .parquet file)."),
    ] = None,
    hash_emails: Annotated[
        bool, typer.Option("--hash-emails", help="A keyed hash in place of every email.")
    ] = False,
    integration: Annotated[
        list[str] | None,
        typer.Option(help="Only this integration (repeatable; default all)."),
    ] = None,
    provider: Annotated[
        str,
        typer.Option(help="Only this tool: cursor, claude-code, copilot, or all (default)."),
    ] = "all",
) -> None:
    """AI tool costs as FOCUS rows, with a metadata file beside them: Cursor's per day, person,
    model, kind, Max mode (seat fees too when PUMPVIEW_SEAT_PRICE is set); Claude Code's per
    day, person, model (Anthropic's estimate, effective not billed) and Anthropic's bill per day
    and line (billed); GitHub Copilot's per day, person, model (net billed, gross list)."""
    from pathlib import Path  # noqa: PLC0415 - loaded when it runs

    first, last = days(since, until)
    path = Path(out)
    chosen = fmt or ("parquet" if path.suffix.lower() == ".parquet" else "csv")

    from rich.console import Console  # noqa: PLC0415 - the export's modules, once it runs
    from rich.progress import Progress, SpinnerColumn, TextColumn  # noqa: PLC0415

    from pumpview.exports.focus.columns import check_version  # noqa: PLC0415
    from pumpview.exports.focus.export import ExportRequest, export  # noqa: PLC0415
    from pumpview.exports.focus.pseudonyms import KEY_PURPOSE  # noqa: PLC0415
    from pumpview.exports.focus.writer import check_format  # noqa: PLC0415

    check_version(focus_version)
    check_format(chosen)
    context = current(ctx)
    err = Console(stderr=True)
    request = ExportRequest(
        since=first, until=last, integrations=integration, provider=provider,
        version=focus_version,
        hash_emails=hash_emails, seats=context.billing.plan,
        copilot_prices=context.billing.copilot,
    )  # fmt: skip
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err,
                  transient=True, disable=not err.is_terminal) as bars:  # fmt: skip
        task = bars.add_task("exporting", total=None)
        done = export(
            context.engine, path, chosen, request, context.vault.derive(KEY_PURPOSE),
            now_ms=context.clock(),
            on_day=lambda day: bars.update(task, description=f"exporting {day}"),
        )  # fmt: skip
    t = done.totals
    seats = f", {t.seat_rows:,} seat rows (configured, not measured)" if t.seat_rows else ""
    typer.echo(
        f"Wrote {t.usage_rows:,} usage rows{seats} of FOCUS {done.version} ({done.fmt}) for "
        f"{done.first} to {done.last}: billed {_usd(t.billed)}, effective {_usd(t.effective)}, "
        f"list {_usd(t.list)}, contracted {_usd(t.contracted)} USD; "
        f"{for_terminal(str(done.path))} and {for_terminal(str(done.metadata))}"
    )


def _usd(value: object) -> str:
    from pumpview.exports.focus.writer import text  # noqa: PLC0415

    return text(value)
