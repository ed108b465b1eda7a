"""``pumpview serve``: the web app, with its background syncs, until Ctrl-C; with
``--workers N``, N processes answering on one socket.

The workers are uvicorn's own (``uvicorn.supervisors.Multiprocess``): this process binds the
socket, starts N spawned processes that each build the app from the settings (``_Worker``,
pickled into them) and serve the socket, restarts one that dies, and on Ctrl-C or SIGTERM stops
them, each ending its requests, its syncs and its part of the schedule. What must be one across
them is in the store: sessions, the sign-in throttle, the schedule's lease, one sync per
integration (``web.schedule``).
"""

from __future__ import annotations

import errno
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.errors import PumpViewError, UserInputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from pumpview.settings import Settings


def command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, show_default=False,
            help="Processes answering requests on the one port (PUMPVIEW_WORKERS; default 1): "
            "more for a busy team on several cores. They share sessions, the sign-in throttle "
            "and one schedule through the store.",
        ),
    ] = None,
) -> None:  # fmt: skip
    """Serve the web app; with no user yet, print a one-time link that creates the first admin."""
    from pumpview import accounts  # noqa: PLC0415 - argon2, loaded when it runs
    from pumpview.store import accounts as store  # noqa: PLC0415

    context = current(ctx)
    count = workers if workers is not None else context.settings.workers
    if count > 1 and context.settings.embedded_facts:
        named = f"--workers {count}" if workers is not None else f"PUMPVIEW_WORKERS={count}"
        msg = (
            f"{named}: the facts are in embedded chDB (PUMPVIEW_CLICKHOUSE_URL=chdb:...), which "
            "one process at a time may open; serve them with one worker, or put them on a "
            "ClickHouse server"
        )
        raise UserInputError(msg)
    url = _url(host, port)
    lines = [f"Pump View on {url} (Ctrl-C stops it)"]
    with context.engine.connect() as conn:
        empty = store.user_count(conn) == 0
    if empty:
        link = accounts.new_setup_link(context.engine, context.clock())
        lines.append(f"No user yet: open {url}/setup/{link} within the hour to create the admin.")
    if count > 1:
        context.vault  # noqa: B018 - its key file made here once, not raced by the workers
        lines[0] = f"Pump View on {url} with {count} workers (Ctrl-C stops them)"
    run_server(context.settings, host, port, lines, workers=count)


def _url(host: str, port: int) -> str:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name
    return f"http://{shown}:{port}"


def run_server(
    settings: Settings, host: str, port: int, lines: list[str], workers: int = 1
) -> None:
    """Serve the web app on ``host:port`` until Ctrl-C, in this process or in ``workers``
    processes of its own. ``lines`` are printed once the port listens, so whoever reads them can
    connect at once (a worker still starting takes the connection when it is ready)."""
    import uvicorn  # noqa: PLC0415 - the web stack is loaded by serve and demo alone

    # proxy_headers off: uvicorn's default believes X-Forwarded-For from 127.0.0.1, so anyone
    # there could pick the address the sign-in throttle counts; the app believes it only from
    # PUMPVIEW_TRUSTED_PROXIES (create_app).
    if workers == 1:
        from pumpview.web.app import create_app  # noqa: PLC0415

        app = create_app(settings)
        listening = _listen(host, port)
        for line in lines:
            typer.echo(line)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
        server.run(sockets=[listening])
        return
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    config = uvicorn.Config(_Worker(settings), factory=True, workers=workers,
                            log_level="warning", proxy_headers=False)  # fmt: skip
    listening = _listen(host, port)
    for line in lines:
        typer.echo(line)
    Multiprocess(config, sockets=[listening]).run()


@dataclass(frozen=True)
class _Worker:
    """What each worker process calls to build its app: pickled into it with the settings the
    command resolved (flags among them), so every worker serves the same ones."""

    settings: Settings

    def __call__(self) -> FastAPI:
        from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415

        from pumpview.web.app import create_app  # noqa: PLC0415

        try:
            return create_app(self.settings)
        except PumpViewError as exc:  # the supervisor stops, rather than restart it forever
            sys.stderr.write(f"error: {exc}\n")
            sys.exit(STARTUP_FAILURE)


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening; a taken port is one clear line."""
    # IPPROTO_TCP named, not 0: asyncio switches Nagle off (TCP_NODELAY) only on connections
    # whose socket says TCP, and with Nagle on every answer waited 40 ms for a delayed ACK.
    listening = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
        listening.listen(128)
    except OSError as exc:
        listening.close()
        reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc})"
        msg = f"port {port} on {host} {reason}: pass --port to choose another"
        raise UserInputError(msg) from None
    return listening
