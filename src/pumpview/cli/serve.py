"""``pumpview serve``: the web app, with its background syncs, until Ctrl-C."""

from __future__ import annotations

from typing import Annotated

import typer

from pumpview.cli.context import current


def command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app; with no user yet, print a one-time link that creates the first admin."""
    import uvicorn  # noqa: PLC0415 - the web stack is loaded by serve alone

    from pumpview import accounts  # noqa: PLC0415
    from pumpview.store import accounts as store  # noqa: PLC0415
    from pumpview.timeutil import now_ms  # noqa: PLC0415
    from pumpview.web.app import create_app  # noqa: PLC0415

    context = current(ctx)
    app = create_app(context.settings)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name
    url = f"http://{shown}:{port}"
    typer.echo(f"Pump View on {url} (Ctrl-C stops it)")
    with context.engine.connect() as conn:
        empty = store.user_count(conn) == 0
    if empty:
        link = accounts.new_setup_link(context.engine, now_ms())
        typer.echo(f"No user yet: open {url}/setup/{link} within the hour to create the admin.")
    uvicorn.run(app, host=host, port=port, log_level="warning")
