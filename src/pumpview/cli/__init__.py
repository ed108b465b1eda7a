"""The ``pumpview`` command. A thin skin: parse options, call a core function, render.

``main()`` runs the Typer app without Click's standalone mode so that every user mistake, ours or
Click's, ends as one line on stderr and a non-zero exit, never a traceback or a usage box.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
import typer.main

from pumpview.cli import (
    alerts,
    billing,
    budgets,
    channels,
    demo,
    exporting,
    importing,
    integrations,
    people,
    report,
    serve,
    simulator,
    store,
    sync,
    users,
)
from pumpview.cli.context import Context
from pumpview.errors import PumpViewError
from pumpview.visible import for_terminal

app = typer.Typer(
    name="pumpview",
    help="Pump View: Cursor AI spend beside your cloud costs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # Click's plain help: Rich's panels would double --help's start-up
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None, typer.Option(help="Database URL (sqlite:///... or postgresql://...).")
    ] = None,
    # A str, not a Path: pathlib would be --help's largest import.
    home: Annotated[str | None, typer.Option(help="Data folder (default ~/.pumpview).")] = None,
) -> None:
    """Settings come from PUMPVIEW_* variables; these flags override them."""
    overrides: dict[str, object] = {}
    if db is not None:
        overrides["database_url"] = db
    if home is not None:
        overrides["home"] = home
    from pumpview.settings import load_settings  # noqa: PLC0415 - pydantic, once a command runs

    ctx.obj = Context(load_settings(**overrides))
    ctx.call_on_close(ctx.obj.close)


app.add_typer(integrations.app, name="integrations")
app.add_typer(users.app, name="users")
app.add_typer(importing.app, name="import")
app.add_typer(exporting.app, name="export")
app.add_typer(people.app, name="people")
app.add_typer(alerts.app, name="alerts")
app.add_typer(billing.app, name="billing")
app.add_typer(budgets.app, name="budgets")
app.add_typer(channels.app, name="channels")
app.add_typer(store.app, name="store")
app.command("sync")(sync.command)
app.command("report")(report.command)
app.command("simulator")(simulator.serve)
app.command("serve")(serve.command)
app.command("demo")(demo.command)


def _environment_problem(exc: Exception) -> str | None:
    """One line for what the machine refused (a folder that is a file, a read-only or full
    disk, a locked database); ``None`` for anything else."""
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    database_errors = sys.modules.get("sqlalchemy.exc")  # only loaded if a database was opened
    if database_errors is not None and isinstance(exc, database_errors.DBAPIError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        hint = {
            "database is locked": "; another process is writing to it, try again in a moment",
            "attempt to write a readonly database": "; check the file's permissions",
            "database or disk is full": "; free some disk space and sync again",
        }.get(reason, "")
        return f"the database refused the operation: {reason}{hint}"
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="pumpview", standalone_mode=False)
    except typer.Exit as done:
        code = done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("error: interrupted\n")
        code = 130
    except typer.TyperException as exc:  # Click's usage errors, as Typer >= 0.29 ships them
        if type(exc).__name__ == "NoArgsIsHelpError":  # ``pumpview`` alone: help, not an error
            sys.stdout.write(exc.format_message() + "\n")  # (Typer itself tells it by name)
            code = 0
        else:
            sys.stderr.write(f"error: {exc.format_message()}\n")
            code = exc.exit_code
    except PumpViewError as exc:
        sys.stderr.write(f"error: {for_terminal(str(exc))}\n")
        code = 1
    except Exception as exc:
        problem = _environment_problem(exc)
        if problem is None:
            raise  # a bug of ours: the traceback is what we need to fix it
        sys.stderr.write(f"error: {for_terminal(problem)}\n")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
