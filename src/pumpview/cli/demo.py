"""``pumpview demo``: the whole product on the built-in simulator, end to end, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pumpview.cli import report, sync
from pumpview.cli.context import Context, current
from pumpview.cli.render import Format
from pumpview.errors import UserInputError
from pumpview.timeutil import day_of

if TYPE_CHECKING:
    from pumpview.simulator.data import Team

DEMO_USER = "demo@pumpview.dev"
CLAUDE_CODE_MIN_MEMBERS = 12
"""The fewest people the demo's Claude Code organisation is drawn from (its planted cases need
them): a smaller team's Claude Code has people Cursor does not."""
DEMO_HOME = Path(".demo")
"""Where the demo keeps its data unless --home or PUMPVIEW_HOME says: never ~/.pumpview."""


def command(
    ctx: typer.Context,
    members: Annotated[int, typer.Option(help="Simulated team members.")] = 50,
    days: Annotated[int, typer.Option(help="Days of simulated history.")] = 365,
    serve: Annotated[
        bool, typer.Option(help="End by serving the web app on the data, until Ctrl-C.")
    ] = True,
    port: Annotated[int, typer.Option(help="The web app's port.")] = 8000,
) -> None:
    """Start the simulator, connect with its demo key, backfill, print the reports, then serve
    the web app with a demo sign-in. The simulator serves a second team under a key of its
    own, printed to connect from the web app as another Cursor team.

    Data goes to the folder --home or PUMPVIEW_HOME names, else ./.demo.
    """
    from pumpview.cli import demo_billing  # noqa: PLC0415 - money and the store, when it runs
    from pumpview.integrations.claude_code import connection as claude_code  # noqa: PLC0415
    from pumpview.integrations.copilot import connection as copilot  # noqa: PLC0415
    from pumpview.integrations.cursor import connection  # noqa: PLC0415 - the demo's own needs
    from pumpview.simulator import (  # noqa: PLC0415
        DEMO_KEY,
        DEMO_SECOND_KEY,
        ByKey,
        Grant,
        SimConfig,
        create_simulator,
    )
    from pumpview.simulator.anthropic import (  # noqa: PLC0415
        DEMO_ANTHROPIC_KEY,
        AnthropicConfig,
        create_anthropic_simulator,
    )
    from pumpview.simulator.github import (  # noqa: PLC0415
        DEMO_GITHUB_TOKEN,
        GitHubConfig,
        create_github_simulator,
    )
    from pumpview.simulator.scenario import with_demo_cases  # noqa: PLC0415
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
    # Its present is the product's (PUMPVIEW_NOW fixes both). The first team has the cases
    # the billing pages show: members near and over their limit, a spike, a gap with Cursor's
    # figures, idle seats and a new member, in a cycle about three weeks under way.
    plain = SimConfig(members=members, days=days, rate_limits=False)
    app = create_simulator(with_demo_cases(plain, context.clock()))
    second = create_simulator(SimConfig(
        seed=2, members=max(1, members // 2), days=days, rate_limits=False,
        now_ms=context.clock.fixed_ms,
        domain="eu.acme.dev", keys={DEMO_SECOND_KEY: Grant.ENTERPRISE},
    ))  # fmt: skip
    # Claude Code of the same organisation: the first team's people, by the same seed (a
    # team too small for its planted cases goes without).
    anthropic = create_anthropic_simulator(AnthropicConfig(
        members=max(members, CLAUDE_CODE_MIN_MEMBERS), days=days,
        now_ms=context.clock.fixed_ms, rate_limit_per_minute=None,
    ))  # fmt: skip
    # Copilot of the same organisation: its seats held by about two thirds of the first team's
    # people (the same seed), and two contractors Cursor never saw.
    # Its limits off, as the Cursor simulator's: a year's backfill asks more than GitHub's 5,000
    # requests an hour, and the demo does not pace.
    github = create_github_simulator(GitHubConfig(
        members=members, days=days, now_ms=context.clock.fixed_ms, hourly_limit=10**9,
        secondary_per_minute=10**9,
    ))  # fmt: skip
    org = github.state.sim.config.org
    with (
        serve_in_thread(ByKey(app, second)) as url,
        serve_in_thread(anthropic) as claude_url,
        serve_in_thread(github) as github_url,
    ):
        typer.echo(f"Simulator on {url}, serving two Cursor teams; connecting the first (Acme).")
        connection.connect(
            context.engine, context.vault, DEMO_KEY, base_url=url, team_name="Acme (simulated)",
            now_ms=context.clock(), pacing=False,
        )  # fmt: skip
        typer.echo(demo_billing.set_seat_price(context))  # before the sync's alerts price seats
        sync.run(context, backfill_days=None)
        typer.echo(f"Anthropic simulator on {claude_url}; connecting Acme's Claude Code.")
        claude_code.connect(
            context.engine, context.vault, DEMO_ANTHROPIC_KEY, base_url=claude_url,
            team_name="Acme (simulated)", name="claude-code", now_ms=context.clock(),
            pacing=False,
        )  # fmt: skip
        sync.run(context, backfill_days=None, name="claude-code")
        typer.echo(f"GitHub simulator on {github_url}; connecting Acme's Copilot ({org}).")
        copilot.connect(
            context.engine, context.vault, DEMO_GITHUB_TOKEN, org=org, base_url=github_url,
            team_name="Acme (simulated)", name="copilot", now_ms=context.clock(), pacing=False,
        )  # fmt: skip
        sync.run(context, backfill_days=None, name="copilot")
        _import_cloud_bill(context, app.state.sim.team)
        demo_billing.add_budgets(context)
        demo_billing.evaluate(context)
        ctx.obj = context
        ctx.call_on_close(context.close)
        for kind in (report.Kind.models, report.Kind.users, report.Kind.providers,
                     report.Kind.teams):  # fmt: skip
            report.command(ctx, kind, since=None, until=None, fmt=Format.table)
        typer.echo("What to look at in the web app:")
        for line in demo_billing.tour(context):
            typer.echo(f"  {line}")
        since = context.clock.today().replace(day=1)
        typer.echo(
            f"Data kept in {home}/; try: pumpview --home {home} report daily --since {since}"
        )
        if serve:  # the simulators keep answering, so "Sync now" works too
            _serve(context, (url, claude_url, github_url), port, DEMO_SECOND_KEY, org)


def _import_cloud_bill(context: Context, team: Team) -> None:
    """The simulated team's cloud bill (FOCUS 1.2) over the same days, imported."""
    from pumpview.integrations.focus import importer  # noqa: PLC0415
    from pumpview.simulator import cloud  # noqa: PLC0415

    last = day_of(team.now)
    path = cloud.write(
        team, context.settings.home_dir / "demo-cloud-bill.csv", team.first_day, last
    )
    done = importer.import_file(context.engine, path, source="aws", now_ms=context.clock(),
                                keys=context.settings.tag_keys)  # fmt: skip
    typer.echo(f"Imported the simulated cloud bill {path}: {done.rows:,} FOCUS rows.")


def _serve(
    context: Context, urls: tuple[str, str, str], port: int, second_key: str, org: str
) -> None:
    """The web app on the demo's data, with a demo admin whose password is new each run."""
    import secrets  # noqa: PLC0415

    from pumpview import accounts  # noqa: PLC0415
    from pumpview.cli.serve import run_server  # noqa: PLC0415
    from pumpview.simulator import DEMO_KEY  # noqa: PLC0415
    from pumpview.simulator.anthropic import DEMO_ANTHROPIC_KEY  # noqa: PLC0415
    from pumpview.simulator.github import DEMO_GITHUB_TOKEN  # noqa: PLC0415
    from pumpview.store import accounts as store  # noqa: PLC0415

    password = secrets.token_urlsafe(12)
    with context.engine.begin() as conn:
        store.remove_user(conn, DEMO_USER)
    accounts.add_user(context.engine, DEMO_USER, "admin", password, context.clock())
    cursor_url, anthropic_url, github_url = urls
    settings = context.settings.model_copy(update={
        "cursor_base_url": cursor_url, "anthropic_base_url": anthropic_url,
        "github_base_url": github_url, "sync_interval": None,
    })  # fmt: skip
    run_server(settings, "127.0.0.1", port, [
        f"Pump View on http://localhost:{port} (Ctrl-C stops it)",
        f"Sign in as {DEMO_USER} with the password {password} (new each run)",
        "The simulated Cursor teams' Admin API keys (demo keys, valid only on this simulator):",
        f"  Acme     {DEMO_KEY} (connected)",
        f"  Acme EU  {second_key} (connect it in Settings → Integrations as another team)",
        f"Acme's Claude Code (Anthropic Admin API, simulated): {DEMO_ANTHROPIC_KEY} (connected)",
        f"Acme's GitHub Copilot (organisation {org}, simulated): {DEMO_GITHUB_TOKEN} (connected)",
    ])  # fmt: skip
