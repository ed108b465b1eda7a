"""``pumpview people``: who is who across Cursor and the cloud, and the CSV mapping that says so."""

from __future__ import annotations

import sys
from collections.abc import Sized
from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.visible import for_terminal

app = typer.Typer(
    help="People and teams: the aliases that name them in cloud tags, their team history.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

IMPORT_HELP = """Import a people mapping (CSV): show what it changes, then apply it.

\b
A header row names the columns (any case, any order):
  email       the person (a row without one names them by an alias they
              hold, else by name; someone new gets no email)
  name        their name
  aliases     cloud owner tag values that mean them, ;-separated:
              alex;alex@corp.com;alex_corp_com
  team        their team from valid_from to valid_to
  valid_from  first day in the team, YYYY-MM-DD (empty: since always)
  valid_to    first day out of it, YYYY-MM-DD (empty: still in it)

\b
Several rows per person give their team history; each span is cut out of
their other memberships, so history outside it stays. For example:
  email,name,aliases,team,valid_from,valid_to
  alex@corp.com,Alex Kim,alex;alex_corp_com,Platform,,2026-03-01
  alex@corp.com,,,Data,2026-03-01,
  ,Build Bot,ci-bot,Platform,,

An alias moves from whoever held it, never from the person whose email it is.
Teams set here are not changed by Cursor's billing groups afterwards. On a
terminal it asks before applying; elsewhere it needs --yes. Importing the
same file again changes nothing."""


@app.command("import", help=IMPORT_HELP)
def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="The mapping, a CSV file (UTF-8).")],
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
) -> None:
    from pathlib import Path  # noqa: PLC0415 - loaded when it runs

    from pumpview.people import plan as people_plan  # noqa: PLC0415 - SQLAlchemy, once a command runs
    from pumpview.people.mapping import parse  # noqa: PLC0415
    from pumpview.store import directory  # noqa: PLC0415

    path = Path(file)
    mapping = parse(path.read_bytes(), path.name)
    context = current(ctx)
    engine = context.engine
    with engine.connect() as conn:
        changes = people_plan.plan(directory.load(conn), mapping)
    name = for_terminal(mapping.name)
    if not changes:
        typer.echo(f"{name}: nothing to change; the people are already as it says.")
        return
    typer.echo(f"{name} would make {_count(changes)}:")
    for change in people_plan.by_line(changes):
        typer.echo(f"  line {change.line}  {for_terminal(str(change))}")
    if not yes:
        if not sys.stdin.isatty():
            msg = f"nothing applied: add --yes to apply these {_count(changes)}"
            raise UserInputError(msg)
        if not typer.confirm(f"Apply {_count(changes)}?", default=False):
            typer.echo("Nothing applied.")
            return
    with engine.begin() as conn:
        done = directory.apply(
            conn, mapping, now_ms=context.clock(), expect=people_plan.fingerprint(changes)
        )
    typer.echo(f"Applied {_count(done)}: {people_plan.summary(done)}.")


def _count(changes: Sized) -> str:
    return f"{len(changes)} change" + ("" if len(changes) == 1 else "s")


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json or csv (csv: the mapping format).")
    ] = Format.table,
) -> None:
    """Show everyone: name, email, aliases, the team they are in today and their history.

    --format csv writes the mapping format, which people import reads back."""
    from pumpview.people import mapping as people_mapping  # noqa: PLC0415
    from pumpview.reports import directory  # noqa: PLC0415

    context = current(ctx)
    with context.engine.connect() as conn:
        found = directory.entries(conn, context.clock.today())
    if fmt is Format.csv:
        emit(people_mapping.csv_rows(found), people_mapping.COLUMNS, fmt)
        return
    if fmt is Format.json:
        emit([directory.as_json(e) for e in found], directory.COLUMNS, fmt)
        return
    shown = [{"person": e.person, "email": e.email,
              "aliases": "; ".join(people_mapping.own_aliases(e)) or None,
              "team": e.team, "history": people_mapping.history(e.memberships) or None}
             for e in found]  # fmt: skip
    emit(shown, ("person", "email", "aliases", "team", "history"), fmt, title="People")
