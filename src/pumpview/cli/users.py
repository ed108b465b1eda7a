"""``pumpview users``: the web app's accounts and the API tokens of scripts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError
from pumpview.timeutil import from_ms

app = typer.Typer(
    help="Web app accounts (admin or viewer) and API tokens.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        msg = "no terminal to ask for the password: pipe it in with --password-stdin"
        raise UserInputError(msg)
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email, their sign-in name.")],
    role: Annotated[str, typer.Option(help="admin (connect, sync, manage users) or viewer.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
) -> None:
    """Add a user; the password is asked without echo (or read from stdin)."""
    from pumpview import accounts  # noqa: PLC0415 - argon2, loaded when it runs

    accounts.check_email(email)
    accounts.check_role(role)
    user = accounts.add_user(
        current(ctx).engine, email, role, _read_password(password_stdin), current(ctx).clock()
    )
    typer.echo(f"Added {user.email} ({user.role}).")


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Show every user with their role and how many API tokens they hold."""
    from pumpview.store import accounts as store  # noqa: PLC0415

    with current(ctx).engine.connect() as conn:
        rows = [
            {"email": r.email, "role": r.role, "created": str(from_ms(r.created_at_ms).date()),
             "tokens": int(r.tokens)}
            for r in store.listing(conn)
        ]  # fmt: skip
    emit(rows, ("email", "role", "created", "tokens"), fmt, title="Users")


@app.command("remove")
def remove(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The user to remove.")]
) -> None:
    """Remove a user, their API tokens and their sessions."""
    from pumpview import accounts  # noqa: PLC0415

    accounts.remove_user(current(ctx).engine, email)
    typer.echo(f"Removed {email.strip().lower()}.")


@app.command("token")
def token(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
) -> None:
    """Print a new API token for ``Authorization: Bearer``, once; only its hash is kept."""
    from pumpview import accounts  # noqa: PLC0415

    typer.echo(accounts.new_token(current(ctx).engine, email, name, current(ctx).clock()))


@app.command("tokens")
def tokens(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Show every API token: its id, user, name, first characters, created, last used."""
    from pumpview.store import accounts as store  # noqa: PLC0415

    def day(ms: int | None) -> str | None:
        return None if ms is None else str(from_ms(ms).date())

    with current(ctx).engine.connect() as conn:
        rows = [
            {"id": r.id, "email": r.email, "name": r.name, "starts": r.hint,
             "created": day(r.created_at_ms), "last_used": day(r.last_used_at_ms)}
            for r in store.token_listing(conn)
        ]  # fmt: skip
    emit(rows, ("id", "email", "name", "starts", "created", "last_used"), fmt, title="API tokens")


@app.command("revoke")
def revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's id (tokens).")]
) -> None:
    """Revoke an API token by its id."""
    from pumpview.store import accounts as store  # noqa: PLC0415

    with current(ctx).engine.begin() as conn:
        if not store.revoke_token(conn, token_id):
            msg = f"no API token {token_id}: see pumpview users tokens"
            raise UserInputError(msg)
    typer.echo(f"Revoked token {token_id}.")
