"""``pumpview serve``: the web app, with its background syncs, until Ctrl-C."""

from __future__ import annotations

import errno
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli.context import current
from pumpview.errors import UserInputError

if TYPE_CHECKING:
    from pumpview.settings import Settings


def command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app; with no user yet, print a one-time link that creates the first admin."""
    from pumpview import accounts  # noqa: PLC0415 - argon2, loaded when it runs
    from pumpview.store import accounts as store  # noqa: PLC0415

    context = current(ctx)
    url = _url(host, port)
    lines = [f"Pump View on {url} (Ctrl-C stops it)"]
    with context.engine.connect() as conn:
        empty = store.user_count(conn) == 0
    if empty:
        link = accounts.new_setup_link(context.engine, context.clock())
        lines.append(f"No user yet: open {url}/setup/{link} within the hour to create the admin.")
    run_server(context.settings, host, port, lines)


def _url(host: str, port: int) -> str:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name
    return f"http://{shown}:{port}"


def run_server(settings: Settings, host: str, port: int, lines: list[str]) -> None:
    """Serve the web app on ``host:port`` until Ctrl-C. ``lines`` are printed once the port
    listens, so whoever reads them can connect at once."""
    import uvicorn  # noqa: PLC0415 - the web stack is loaded by serve and demo alone

    from pumpview.web.app import create_app  # noqa: PLC0415

    app = create_app(settings)
    listening = _listen(host, port)
    for line in lines:
        typer.echo(line)
    # proxy_headers off: uvicorn's default believes X-Forwarded-For from 127.0.0.1, so anyone
    # there could pick the address the sign-in throttle counts; the app believes it only from
    # PUMPVIEW_TRUSTED_PROXIES (create_app).
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
    server.run(sockets=[listening])


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
