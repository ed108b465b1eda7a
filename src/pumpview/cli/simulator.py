"""``pumpview simulator``: serve the Cursor Admin API simulator on 127.0.0.1."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import time
from typing import Annotated, Any

import typer

from pumpview.cli.context import current
from pumpview.errors import UserInputError
from pumpview.integrations.cursor.keys import check_key_format

HOST = "127.0.0.1"


def _at_least(name: str, value: float, low: float) -> None:
    if value < low:
        msg = f"{name} must be at least {low:g}, got {value:g}"
        raise UserInputError(msg)


def _share(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        msg = f"{name} must be between 0 and 1, got {value:g}"
        raise UserInputError(msg)


def _check_key(key: str) -> None:
    try:
        check_key_format(key)
    except UserInputError as exc:
        msg = f"--api-key: {exc}"
        raise UserInputError(msg) from None


def _time_of_day(text: str) -> time:
    """``HH:MM`` or ``HH:MM:SS`` as a time of day; anything else one clear line."""
    try:
        parts = [int(p) for p in text.split(":")]
        if not 2 <= len(parts) <= 3 or not all(p >= 0 for p in parts):
            raise ValueError
        hour, minute, second = [*parts, 0][:3]
        return time(hour, minute, second)
    except ValueError:
        msg = f"--cycle-anchor-time must be HH:MM or HH:MM:SS (UTC), got {text!r}"
        raise UserInputError(msg) from None


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                msg = f"port {port} on {HOST} is already in use; pick another with --port"
                raise UserInputError(msg) from None
            msg = f"cannot listen on {HOST}:{port}: {exc.strerror}"
            raise UserInputError(msg) from None


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated team and usage.")] = 1,
    members: Annotated[int, typer.Option(help="Team members (plus one service account).")] = 50,
    days: Annotated[
        int, typer.Option(help="Days of history, ending now (PUMPVIEW_NOW, when set).")
    ] = 365,
    events_per_day: Annotated[
        float, typer.Option(help="Mean weekday events per member of average intensity.")
    ] = 12.0,
    api_key: Annotated[
        str | None, typer.Option(help="Accept this key instead of the fixed demo keys.")
    ] = None,
    old_api: Annotated[bool, typer.Option(help="Behave like the 2025 API.")] = False,
    rate_limits: Annotated[
        bool, typer.Option(help="Enforce the documented per-minute limits.")
    ] = True,
    retry_after: Annotated[bool, typer.Option(help="Send Retry-After on 429.")] = False,
    hourly_lag: Annotated[bool, typer.Option(help="Hide events of the current hour.")] = True,
    retention_days: Annotated[
        int | None, typer.Option(help="Days back the API still returns events.")
    ] = None,
    events_max_span_days: Annotated[
        int | None, typer.Option(help="Reject event ranges longer than this (400).")
    ] = None,
    error_rate: Annotated[float, typer.Option(help="Share of requests answered 5xx.")] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of requests delayed.")] = 0.0,
    slow_seconds: Annotated[float, typer.Option(help="Delay of a slow request.")] = 2.0,
    truncate_rate: Annotated[float, typer.Option(help="Share of 200s with a cut body.")] = 0.0,
    burst_429_rate: Annotated[float, typer.Option(help="Share of requests answered 429.")] = 0.0,
    live_arrivals: Annotated[int, typer.Option(help="Late events inserted while paging.")] = 0,
    prepare_ahead: Annotated[
        bool, typer.Option(help="Generate the next older day in the background (benchmarks).")
    ] = False,
    cycle_anchor_day: Annotated[
        int, typer.Option(help="Day of the month billing cycles start on (1-28).")
    ] = 1,
    cycle_anchor_time: Annotated[
        str, typer.Option(help="UTC time of day billing cycles start at, HH:MM[:SS].")
    ] = "17:23",
    anthropic_port: Annotated[
        int,
        typer.Option(
            help="Also serve Anthropic's Admin API (Claude Code of the same people) on this "
            "port; 0: not."
        ),
    ] = 8766,
    github_port: Annotated[
        int,
        typer.Option(
            help="Also serve GitHub's Copilot API (Copilot of the same people) on this port; "
            "0: not."
        ),
    ] = 8767,
    demo_cases: Annotated[
        bool,
        typer.Option(
            help="Plant the demo's cases: members near and over their spending limit, a spike, "
            "a gap with /teams/spend, idle seats, a new member; a cycle three weeks in."
        ),
    ] = False,
) -> None:
    """Serve the Cursor Admin API simulator on 127.0.0.1 and print its URL and keys."""
    import uvicorn  # noqa: PLC0415 - only this command serves HTTP
    from rich.console import Console  # noqa: PLC0415

    from pumpview.simulator import (  # noqa: PLC0415 - FastAPI is not loaded for other commands
        DEMO_KEY,
        DEMO_LEGACY_KEY,
        Faults,
        Grant,
        SimConfig,
        create_simulator,
    )
    from pumpview.simulator.scenario import with_demo_cases  # noqa: PLC0415

    _at_least("--members", members, 1)
    _at_least("--days", days, 1)
    _at_least("--events-per-day", events_per_day, 0)
    _at_least("--slow-seconds", slow_seconds, 0)
    _at_least("--live-arrivals", live_arrivals, 0)
    if not 1 <= cycle_anchor_day <= 28:  # every month has a 28th
        msg = f"--cycle-anchor-day must be between 1 and 28, got {cycle_anchor_day}"
        raise UserInputError(msg)
    anchor_time = _time_of_day(cycle_anchor_time)
    if not 1 <= port <= 65535:
        msg = f"--port must be between 1 and 65535, got {port}"
        raise UserInputError(msg)
    for name, value in (
        ("--error-rate", error_rate),
        ("--slow-rate", slow_rate),
        ("--truncate-rate", truncate_rate),
        ("--burst-429-rate", burst_429_rate),
    ):
        _share(name, value)
    for name, optional in (
        ("--retention-days", retention_days),
        ("--events-max-span-days", events_max_span_days),
    ):
        if optional is not None:
            _at_least(name, optional, 1)
    if api_key is not None:
        _check_key(api_key)
        if old_api and not api_key.startswith("key_"):
            msg = "--old-api simulates the 2025 API, whose keys start with key_ (--api-key)"
            raise UserInputError(msg)
    keys = (
        {api_key: Grant.ENTERPRISE}
        if api_key
        else {DEMO_KEY: Grant.ENTERPRISE, DEMO_LEGACY_KEY: Grant.ENTERPRISE}
    )
    config = SimConfig(
        now_ms=current(ctx).clock.fixed_ms,  # the product's present (PUMPVIEW_NOW fixes both)
        seed=seed,
        members=members,
        days=days,
        events_per_member_day=events_per_day,
        keys=keys,
        old_api=old_api,
        rate_limits=rate_limits,
        retry_after=retry_after,
        hourly_lag=hourly_lag,
        retention_days=retention_days,
        events_max_span_days=events_max_span_days,
        live_arrivals=live_arrivals,
        prepare_ahead=prepare_ahead,
        cycle_anchor_day=cycle_anchor_day,
        cycle_anchor_time=anchor_time,
        faults=Faults(
            error_rate=error_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            truncate_rate=truncate_rate,
            burst_429_rate=burst_429_rate,
        ),
    )
    if demo_cases:  # planted for the present the simulator starts at
        config = with_demo_cases(config, current(ctx).clock())
    _check_port_free(port)
    app = create_simulator(config)
    url = f"http://{HOST}:{port}"
    console = Console()
    console.print(f"Cursor Admin API simulator on [bold]{url}[/]", highlight=False)
    console.print(f"  seed {seed}, {members} members, {days} days of history", highlight=False)
    for key in keys:
        if config.old_api and not key.startswith("key_"):
            continue
        console.print(f"  Admin API key: {key}", soft_wrap=True)
    example = next(k for k in keys if not config.old_api or k.startswith("key_")) if keys else ""
    console.print(f"  Try: curl -u {example}: {url}/teams/members", soft_wrap=True, highlight=False)
    with ExitStack() as stack:
        if anthropic_port:
            stack.enter_context(_anthropic(console, anthropic_port, config))
        if github_port:
            stack.enter_context(_github(console, github_port, config))
        console.print("  Stop with Ctrl+C.")
        uvicorn.run(app, host=HOST, port=port, log_level="warning")


def _check_side_port(flag: str, port: int) -> None:
    """A port for a simulator served beside Cursor's: in range (0 is "not served", asked before
    this) and free."""
    if not 1 <= port <= 65535:
        msg = f"{flag} must be between 1 and 65535 (or 0: not served), got {port}"
        raise UserInputError(msg)
    _check_port_free(port)


@contextmanager
def _anthropic(console: Any, port: int, cursor: Any) -> Iterator[None]:
    """Anthropic's Admin API on ``port``, its organisation the Cursor team's people (the same
    seed, members, days and present): Claude Code beside Cursor."""
    from pumpview.simulator.anthropic import (  # noqa: PLC0415
        DEMO_ANTHROPIC_KEY,
        AnthropicConfig,
        create_anthropic_simulator,
    )
    from pumpview.simulator.server import serve_in_thread  # noqa: PLC0415

    _check_side_port("--anthropic-port", port)
    try:
        app = create_anthropic_simulator(AnthropicConfig(
            seed=cursor.seed, members=cursor.members, domain=cursor.domain, days=cursor.days,
            now_ms=cursor.now_ms, rate_limit_per_minute=60 if cursor.rate_limits else None,
        ))  # fmt: skip
    except ValueError as exc:  # too few people for the organisation's planted cases
        msg = f"--anthropic-port: {exc}; give more --members, or --anthropic-port 0"
        raise UserInputError(msg) from None
    with serve_in_thread(app, port) as url:
        console.print(f"Anthropic Admin API simulator (Claude Code) on [bold]{url}[/]",
                      highlight=False)  # fmt: skip
        console.print(f"  Admin API key: {DEMO_ANTHROPIC_KEY}", soft_wrap=True)
        yield


@contextmanager
def _github(console: Any, port: int, cursor: Any) -> Iterator[None]:
    """GitHub's Copilot API on ``port``, its organisation's Copilot users drawn from the Cursor
    team's people (the same seed, members, domain, days and present): Copilot beside Cursor."""
    from pumpview.simulator.github import (  # noqa: PLC0415
        DEMO_GITHUB_TOKEN,
        GitHubConfig,
        create_github_simulator,
    )
    from pumpview.simulator.server import serve_in_thread  # noqa: PLC0415

    _check_side_port("--github-port", port)
    config = GitHubConfig(seed=cursor.seed, members=cursor.members, domain=cursor.domain,
                          days=cursor.days, now_ms=cursor.now_ms)  # fmt: skip
    if not cursor.rate_limits:  # GitHub's limits are never in the way at these sizes; off: off
        config = replace(config, hourly_limit=10**9, secondary_per_minute=10**9)
    app = create_github_simulator(config)
    with serve_in_thread(app, port) as url:
        console.print(f"GitHub Copilot API simulator on [bold]{url}[/]", highlight=False)
        console.print(f"  organisation: {config.org}", highlight=False)
        console.print(f"  token: {DEMO_GITHUB_TOKEN}", soft_wrap=True)
        yield
