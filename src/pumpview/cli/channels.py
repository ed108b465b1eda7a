"""``pumpview channels``: where alerts go (Settings → Notifications): add a Slack incoming
webhook, a signed JSON webhook or an email address (each verified by a test message before it is
stored), list them without their secrets, send a test, remove one."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from pumpview.cli.context import Context, current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError

app = typer.Typer(
    help="Alert channels: Slack, signed webhooks, email (secrets encrypted, never shown).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
COLUMNS = ("id", "kind", "name", "url", "host", "sender", "recipients", "last_delivery")
STDIN_HELP = "- reads it from stdin, so it stays out of the shell's history"


def _secret(value: str | None) -> str | None:
    """A secret option's value; ``-`` reads it from stdin (one line)."""
    if value != "-":
        return value
    line = sys.stdin.readline().strip()
    if not line:
        msg = "nothing on stdin to read the secret from"
        raise UserInputError(msg)
    return line


def _add(context: Context, fields: dict[str, object]) -> None:
    from pumpview.alerts import channels  # noqa: PLC0415 - httpx and the store, when it runs
    from pumpview.alerts.delivery import make_http  # noqa: PLC0415

    with make_http() as http:
        channel, made = channels.add(context.engine, context.vault, fields, context.clock(), http,
                                     base_url=context.settings.base_url)  # fmt: skip
    typer.echo(f"Added channel {channel.id} ({channel.kind}, {channel.name}): "
               "the test message was delivered.")  # fmt: skip
    if made is not None:
        typer.echo(f"Its signing secret, shown this once: {made}")


@app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="slack, webhook or email.")],
    name: Annotated[str, typer.Argument(help="What people call it (#finops, FinOps email).")],
    url: Annotated[
        str | None, typer.Option(help=f"slack and webhook: where to post; {STDIN_HELP}.")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            help=f"webhook: the whsec_ signing secret (made when not given); {STDIN_HELP}."
        ),
    ] = None,
    host: Annotated[str | None, typer.Option(help="email: the SMTP server.")] = None,
    port: Annotated[int | None, typer.Option(help="email: its port (587, 465, 25).")] = None,
    security: Annotated[
        str, typer.Option(help="email: starttls, tls (implicit) or none.")
    ] = "starttls",
    username: Annotated[str | None, typer.Option(help="email: the SMTP login.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="email: read the SMTP password from stdin.")
    ] = False,
    sender: Annotated[str | None, typer.Option(help="email: the From address.")] = None,
    recipient: Annotated[
        list[str] | None, typer.Option(help="email: a To address (repeatable).")
    ] = None,
) -> None:
    """Add a channel: it is sent a test message first, and stored only if that is delivered;
    a mistake is one line naming the option, and nothing is stored."""
    fields: dict[str, object] = {"kind": kind, "name": name}
    if kind == "email":
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        fields |= {"host": host or "", "port": "" if port is None else str(port),
                   "security": security, "username": username or "", "password": password or "",
                   "sender": sender or "", "recipients": list(recipient or [])}  # fmt: skip
    else:
        fields |= {"url": _secret(url) or "", "secret": _secret(secret) or ""}
    try:
        _add(current(ctx), fields)
    except UserInputError as exc:
        option = {"recipients": "recipient", "kind": "KIND", "name": "NAME"}.get(
            exc.field or "", exc.field
        )
        where = f"--{option}: " if option and option.islower() else ""
        raise UserInputError(f"{where}{exc}") from None


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Every channel, without its secrets (a URL shows as its host), and its last delivery."""
    from pumpview.alerts.rows import channel_row  # noqa: PLC0415 - SQLAlchemy, when it runs
    from pumpview.store import channels  # noqa: PLC0415

    with current(ctx).engine.connect() as conn:
        rows = [channel_row(c) for c in channels.listing(conn)]
    if fmt is Format.json:  # the rows of GET /api/channels
        print(json.dumps(rows, ensure_ascii=False, indent=2))  # noqa: T201 - machine output
        return
    flat = [
        {**dict.fromkeys(COLUMNS), **row,
         "recipients": ", ".join(row.get("recipients") or []) or None,
         "last_delivery": _last(row["last_delivery"])}
        for row in rows
    ]  # fmt: skip
    if not flat and fmt is Format.table:
        typer.echo("No channel yet: alerts are kept, and sent nowhere.")
        return
    emit(flat, COLUMNS, fmt, title="Alert channels")


def _last(last: dict[str, object] | None) -> str | None:
    if last is None:
        return None
    error = f": {last['error']}" if last.get("error") else ""
    return f"{last['status']} at {last['at']}{error}"


@app.command("test")
def test(
    ctx: typer.Context, channel_id: Annotated[int, typer.Argument(help="The channel's id.")]
) -> None:
    """Send the channel a test message now; exit 1 when it is not delivered."""
    from pumpview.alerts import channels  # noqa: PLC0415 - httpx and the store, when it runs
    from pumpview.alerts.delivery import make_http  # noqa: PLC0415

    context = current(ctx)
    try:
        with make_http() as http:
            outcome = channels.send_test(context.engine, context.vault, channel_id,
                                         context.clock(), http,
                                         base_url=context.settings.base_url)  # fmt: skip
    except LookupError:
        msg = f"no channel {channel_id}: pumpview channels list shows them"
        raise UserInputError(msg) from None
    if not outcome.ok:
        msg = f"the test message to channel {channel_id} was not delivered: {outcome.error}"
        raise UserInputError(msg)
    typer.echo(f"The test message to channel {channel_id} was delivered.")


@app.command("remove")
def remove(
    ctx: typer.Context, channel_id: Annotated[int, typer.Argument(help="The channel's id.")]
) -> None:
    """Remove a channel (its past deliveries go with it)."""
    from pumpview.alerts import channels  # noqa: PLC0415 - the store, when it runs

    if not channels.remove(current(ctx).engine, channel_id):
        msg = f"no channel {channel_id}: pumpview channels list shows them"
        raise UserInputError(msg)
    typer.echo(f"Removed channel {channel_id}.")
