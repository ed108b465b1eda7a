"""`pumpview simulator`: every user mistake is one `error:` line on stderr and a non-zero exit."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime

import pytest

from pumpview.cli import main


def run(capsys, *args):
    """Run the CLI with ``args`` (Anthropic's and GitHub's APIs not served unless they say a
    port for them); return its exit code and captured (stdout, stderr)."""
    for flag in ("--anthropic-port", "--github-port"):
        if flag not in args and "--help" not in args:
            args = (*args, flag, "0")
    with pytest.raises(SystemExit) as done:
        main(["simulator", *args])
    out, err = capsys.readouterr()
    return done.value.code, out, err


def assert_one_error_line(code, err):
    assert code not in (0, None)
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_unknown_flag_is_one_error_line(capsys):
    """An option the command does not have is reported in one line, not a traceback."""
    code, _out, err = run(capsys, "--no-such-flag")
    assert_one_error_line(code, err)
    assert "--no-such-flag" in err


def test_non_number_is_one_error_line(capsys):
    """A word where a number is expected is reported in one line."""
    code, _out, err = run(capsys, "--members", "many")
    assert_one_error_line(code, err)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--members", "-1"], "--members"),
        (["--days", "0"], "--days"),
        (["--error-rate", "2"], "--error-rate"),
        (["--port", "70000"], "--port"),
        (["--api-key", "crsr_tooshort"], "--api-key"),
        (["--api-key", "sk_" + "a" * 64], "--api-key"),
        (["--old-api", "--api-key", "crsr_" + "a" * 64], "--old-api"),
        (["--cycle-anchor-day", "29"], "--cycle-anchor-day"),
        (["--cycle-anchor-time", "25:00"], "--cycle-anchor-time"),
        (["--cycle-anchor-time", "5pm"], "--cycle-anchor-time"),
    ],
    ids=[
        "members-negative",
        "days-zero",
        "error-rate-2",
        "port-70000",
        "key-short",
        "key-prefix",
        "old-api-new-key",
        "anchor-day-29",
        "anchor-time-25h",
        "anchor-time-words",
    ],
)
def test_bad_value_is_one_error_line_naming_the_flag(capsys, args, flag):
    """An out-of-range or malformed value is one error line that names the option."""
    code, out, err = run(capsys, *args)
    assert_one_error_line(code, err)
    assert flag in err
    assert out == ""


def test_busy_port_is_one_error_line_naming_the_port(capsys):
    """A port already taken on 127.0.0.1 is reported in one line that names it; nothing starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "--port", str(port), "--days", "1", "--members", "1")
    assert_one_error_line(code, err)
    assert str(port) in err
    assert out == ""


def test_help_exits_zero_and_lists_the_options(capsys):
    """--help prints the command's options and exits 0."""
    code, out, err = run(capsys, "--help")
    assert code in (0, None)
    assert "--members" in out
    assert "--error-rate" in out
    assert err == ""


def test_its_present_is_the_products_when_pumpview_now_fixes_it(capsys, monkeypatch):
    """With ``PUMPVIEW_NOW`` the product's present is fixed; the simulator it syncs from ends
    its history at the same instant, not at the wall clock's (the server itself is not run:
    ``uvicorn.run`` is the HTTP boundary)."""
    import uvicorn  # noqa: PLC0415

    from pumpview.timeutil import from_ms  # noqa: PLC0415
    from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT  # noqa: PLC0415

    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_kw: served.append(app))
    code, _out, err = run(capsys, "--members", "2", "--days", "2", "--port", str(_free_port()))
    assert (code, err) == (0, "")
    assert served[0].state.sim.team.now == MONDAY_JUST_AFTER_MIDNIGHT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_cycle_anchor_and_demo_cases_reach_the_simulator(capsys, monkeypatch):
    """--cycle-anchor-day/--cycle-anchor-time set when cycles start; --demo-cases plants the
    demo's cases (a spike among them) for the present it starts at."""
    import uvicorn  # noqa: PLC0415

    from pumpview.simulator import truth  # noqa: PLC0415
    from pumpview.timeutil import from_ms, to_ms  # noqa: PLC0415
    from tests.conftest import NOW_MS  # noqa: PLC0415

    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(NOW_MS).isoformat())
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_kw: served.append(app))
    args = ["--members", "3", "--days", "3", "--port", str(_free_port())]
    code, _out, err = run(capsys, *args, "--cycle-anchor-day", "24",
                          "--cycle-anchor-time", "09:05:30")  # fmt: skip
    assert (code, err) == (0, "")
    team = served[0].state.sim.team
    assert truth.cycle_start(team) == to_ms(datetime(2025, 11, 24, 9, 5, 30, tzinfo=UTC))

    code, _out, err = run(capsys, "--members", "30", "--days", "10", "--port",
                          str(_free_port()), "--demo-cases")  # fmt: skip
    assert (code, err) == (0, "")
    spike = truth.spike(served[1].state.sim.team)
    assert spike is not None
    assert spike.day == date(2025, 11, 20)


def test_anthropics_api_is_served_beside_with_the_same_people(capsys, monkeypatch):
    """``--anthropic-port`` serves Claude Code's organisation of the Cursor team's people while
    the Cursor simulator runs (``uvicorn.run`` stands in for it, asking the Anthropic one)."""
    import httpx  # noqa: PLC0415
    import uvicorn  # noqa: PLC0415

    from pumpview.simulator.anthropic import DEMO_ANTHROPIC_KEY  # noqa: PLC0415

    port = _free_port()
    answers = []

    def cursor_runs(app, **_kw):
        answers.append(httpx.get(f"http://127.0.0.1:{port}/v1/organizations/users",
                                 headers={"x-api-key": DEMO_ANTHROPIC_KEY,
                                          "anthropic-version": "2023-06-01"}))  # fmt: skip
        answers.append(app.state.sim.team.members)

    monkeypatch.setattr(uvicorn, "run", cursor_runs)
    code, out, err = run(capsys, "--members", "12", "--days", "2", "--port", str(_free_port()),
                         "--anthropic-port", str(port))  # fmt: skip
    assert (code, err) == (0, "")
    users, members = answers
    assert users.status_code == 200
    cursor_emails = {m.email for m in members}
    assert {u["email"] for u in users.json()["data"]} & cursor_emails
    assert f"Admin API key: {DEMO_ANTHROPIC_KEY}" in out.replace("\n", "")


def test_githubs_copilot_api_is_served_beside_with_the_same_people(capsys, monkeypatch):
    """``--github-port`` serves a Copilot organisation of the Cursor team's people while the
    Cursor simulator runs, and prints its organisation and token (``uvicorn.run`` stands in
    for the Cursor simulator, asking the GitHub one)."""
    import httpx  # noqa: PLC0415
    import uvicorn  # noqa: PLC0415

    from pumpview.simulator.github import DEMO_GITHUB_TOKEN  # noqa: PLC0415

    port = _free_port()
    answers = []

    def cursor_runs(app, **_kw):
        answers.append(httpx.get(f"http://127.0.0.1:{port}/orgs/acme/copilot/billing/seats",
                                 params={"per_page": 100},
                                 headers={"authorization": f"Bearer {DEMO_GITHUB_TOKEN}",
                                          "x-github-api-version": "2022-11-28"}))  # fmt: skip
        answers.append(app.state.sim.team.members)

    monkeypatch.setattr(uvicorn, "run", cursor_runs)
    code, out, err = run(capsys, "--members", "12", "--days", "2", "--port", str(_free_port()),
                         "--github-port", str(port))  # fmt: skip
    assert (code, err) == (0, "")
    seats, members = answers
    assert seats.status_code == 200
    public = {s["assignee"].get("email") for s in seats.json()["seats"] if s.get("assignee")}
    assert public & {m.email for m in members}  # a few public profile emails are work emails
    flat = out.replace("\n", "")
    assert "organisation: acme" in flat
    assert f"token: {DEMO_GITHUB_TOKEN}" in flat


def test_a_bad_github_port_is_one_error_line_naming_the_flag(capsys):
    """A GitHub port out of range is one error line that names ``--github-port``."""
    code, _out, err = run(capsys, "--members", "2", "--days", "1", "--port", str(_free_port()),
                          "--github-port", "70000")  # fmt: skip
    assert_one_error_line(code, err)
    assert "--github-port" in err
