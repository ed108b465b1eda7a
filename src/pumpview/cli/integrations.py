"""``pumpview integrations connect|list|disconnect``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.integrations.cursor import NAME
from pumpview.timeutil import from_ms
from pumpview.visible import for_terminal

if TYPE_CHECKING:
    from pumpview.store.runs import Run

app = typer.Typer(
    help="Connect, list and disconnect data sources.", no_args_is_help=True, rich_markup_mode=None
)
SOURCES = (NAME, "claude-code", "copilot")
"""The providers ``connect`` takes (``integrations.providers``)."""
KEY_NAMES = {NAME: "Cursor Admin API key", "claude-code": "Anthropic Admin API key",
             "copilot": "GitHub token"}  # fmt: skip


def _source(name: str) -> str:
    if name not in SOURCES:
        msg = f"unknown integration {name!r}; available: {', '.join(SOURCES)}"
        raise UserInputError(msg)
    return name


def _read_key(api_key: str | None, what: str) -> str:
    if api_key == "-":
        return sys.stdin.readline().strip()
    if api_key is None:
        if not sys.stdin.isatty():
            msg = "no --api-key and no terminal to ask for it: pass --api-key KEY or --api-key -"
            raise UserInputError(msg)
        return str(typer.prompt(what, hide_input=True))
    return api_key


@app.command()
def connect(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The provider: cursor, claude-code or copilot.")],
    api_key: Annotated[
        str | None,
        typer.Option(
            help="Cursor: an Admin API key (key_... or crsr_...); Claude Code: an Anthropic "
            "Admin API key (sk-ant-admin...); '-' reads stdin."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Copilot: a GitHub token of an organisation owner (ghp_..., github_pat_..., "
            "ghs_... or ghu_...); '-' reads stdin. The same as --api-key."
        ),
    ] = None,
    org: Annotated[
        str | None, typer.Option(help="Copilot: the GitHub organisation to read (its login).")
    ] = None,
    team_name: Annotated[
        str | None, typer.Option(help="A display name (a team, an organisation).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The API's base URL (default PUMPVIEW_CURSOR_BASE_URL, "
            "PUMPVIEW_ANTHROPIC_BASE_URL or PUMPVIEW_GITHUB_BASE_URL, else the provider's)."
        ),
    ] = None,
    sync: Annotated[bool, typer.Option("--sync", help="Start syncing right away.")] = False,
    name: Annotated[
        str | None,
        typer.Option(
            help="This integration's name, one per account (cursor, cursor-eu, claude-code); "
            "default: the provider's name."
        ),
    ] = None,
) -> None:
    """Verify a provider's key against its API and store it encrypted."""
    from pumpview.integrations import providers  # noqa: PLC0415
    from pumpview.integrations.http import quiet_retries  # noqa: PLC0415

    _source(source)
    upstream = providers.provider(source)
    if api_key is not None and token is not None:
        msg = "give the key once: --api-key or --token"
        raise UserInputError(msg)
    if org is not None and not upstream.needs_org:
        msg = f"--org is for copilot (a GitHub organisation); {source} reads the key's own account"
        raise UserInputError(msg)
    extra = {"org": org} if upstream.needs_org else {}
    name = providers.check_name(name or source)
    context = current(ctx)
    key = _read_key(api_key if token is None else token, KEY_NAMES[source])
    quiet_retries()
    upstream.connect(
        context.engine,
        context.vault,
        key,
        base_url=base_url or context.settings.upstream_url(source),
        team_name=team_name,
        name=name,
        now_ms=context.clock(),
        pacing=context.settings.rate_limit,
        **extra,
    )
    typer.echo(f"Connected {name}" + (f" ({for_terminal(team_name)})" if team_name else "") + ".")
    if sync:
        from pumpview.cli.sync import run  # noqa: PLC0415 - the sync command's own runner

        run(context, backfill_days=None, name=name)


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Show each integration: masked key, status, last sync, data held, retention seen."""
    from pumpview.reports import integrations as report  # noqa: PLC0415 - loaded when it runs

    context = current(ctx)
    rows = [
        {
            **{name: getattr(i, name) for name in (
                "name", "provider", "team_name", "key", "status", "message", "first_day",
                "last_day", "events", "retention_from")},
            "sync": _run_line(i.run) if i.run is not None else None,
            "last_success": _when(i.last_success_at_ms),
        }
        for i in report.listing(context.engine, context.vault, context.clock())
    ]  # fmt: skip
    columns = (
        "name", "provider", "team_name", "key", "status", "message", "sync", "last_success",
        "first_day", "last_day", "events", "retention_from",
    )  # fmt: skip
    if not rows and fmt is Format.table:
        typer.echo("No integrations yet: pumpview integrations connect cursor --api-key KEY")
        return
    emit(rows, columns, fmt, title="Integration", cards=True)


@app.command()
def disconnect(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The integration's name (cursor by default).")],
    purge: Annotated[bool, typer.Option("--purge", help="Also delete its synced data.")] = False,
) -> None:
    """Forget the key (a running sync is stopped first); keep the data unless --purge."""
    from pumpview.integrations import providers, runner  # noqa: PLC0415

    context = current(ctx)
    stopped = runner.disconnect(
        context.engine, providers.check_name(name), purge=purge, clock=context.clock
    )
    if stopped is not None:
        typer.echo(f"Stopped the sync that was running (run {stopped.id}).")
    typer.echo(
        f"Disconnected {name}; " + ("its data was deleted." if purge else "its data is kept.")
    )


def _run_line(run: Run) -> str:
    """The latest run in a line: its progress while it runs, how it ended once it has."""
    from pumpview.integrations.runner import describe  # noqa: PLC0415

    if run.outcome is None:
        return f"{describe(run)}; {run.days_done}/{run.days_total} days, {run.events:,} events"
    ended = _when(run.finished_at_ms)
    return f"run {run.id} {run.outcome} at {ended}" + (f": {run.message}" if run.message else "")


def _when(ms: int | None) -> str | None:
    if ms is None:
        return None
    return from_ms(ms).strftime("%Y-%m-%d %H:%M UTC")
