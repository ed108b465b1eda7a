"""The ``pumpview`` command. A thin skin: parse options, call a core function, render.

``main()`` runs the Typer app without Click's standalone mode so that every user mistake, ours or
Click's, ends as one line on stderr and a non-zero exit, never a traceback or a usage box.
"""

from __future__ import annotations

import sys

import click
import typer
import typer.main

from pumpview.cli import simulator
from pumpview.errors import PumpViewError

app = typer.Typer(
    name="pumpview",
    help="Pump View: Cursor AI spend beside your cloud costs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("simulator")(simulator.serve)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="pumpview", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("error: aborted\n")
        code = 130
    except click.ClickException as exc:
        sys.stderr.write(f"error: {exc.format_message()}\n")
        code = exc.exit_code
    except PumpViewError as exc:
        sys.stderr.write(f"error: {exc}\n")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
