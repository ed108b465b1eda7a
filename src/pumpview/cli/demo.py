"""``pumpview demo``: the whole product on the built-in simulator, end to end, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pumpview.cli import report, sync
from pumpview.cli.context import Context, current
from pumpview.cli.render import Format
from pumpview.errors import UserInputError
from pumpview.timeutil import day_of, now_ms

DEMO_HOME = Path(".demo")
"""Where the demo keeps its data unless --home or PUMPVIEW_HOME says: never ~/.pumpview."""


def command(
    ctx: typer.Context,
    members: Annotated[int, typer.Option(help="Simulated team members.")] = 50,
    days: Annotated[int, typer.Option(help="Days of simulated history.")] = 365,
) -> None:
    """Start the simulator, connect with its demo key, backfill, and print the reports.

    Data goes to the folder --home or PUMPVIEW_HOME names, else ./.demo.
    """
    from pumpview.integrations.cursor import connection  # noqa: PLC0415 - the demo's own needs
    from pumpview.simulator import DEMO_KEY, SimConfig, create_simulator  # noqa: PLC0415
    from pumpview.simulator.server import serve_in_thread  # noqa: PLC0415

    if members < 1 or not 1 <= days <= 365:
        msg = f"--members must be at least 1 and --days between 1 and 365 (got {members}, {days})"
        raise UserInputError(msg)
    given = current(ctx).settings
    home = given.home if "home" in given.model_fields_set else DEMO_HOME
    # The simulator has no limits to pace under, and its data never goes to a configured database.
    context = Context(
        given.model_copy(update={"home": home, "database_url": None, "rate_limit": False})
    )
    app = create_simulator(SimConfig(members=members, days=days, rate_limits=False))
    with serve_in_thread(app) as url:
        typer.echo(f"Simulator on {url}; connecting with its demo key (shown masked).")
        connection.connect(
            context.engine, context.vault, DEMO_KEY, base_url=url, team_name="Acme (simulated)",
            now_ms=now_ms(), pacing=False,
        )  # fmt: skip
        sync.run(context, backfill_days=None)
    ctx.obj = context
    ctx.call_on_close(context.close)
    for kind in (report.Kind.models, report.Kind.users, report.Kind.requests):
        report.command(ctx, kind, since=None, until=None, fmt=Format.table)
    since = day_of(now_ms()).replace(day=1)
    typer.echo(f"Data kept in {home}/; try: pumpview --home {home} report daily --since {since}")
