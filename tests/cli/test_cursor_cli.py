"""The CLI contract users' scripts rely on: connect, sync, list, report, disconnect."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stamina
import typer
from typer.core import TyperGroup

from pumpview.cli import app, main
from pumpview.money import format_cents
from pumpview.reports.plain import plain
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.store.measures import MEASURES
from pumpview.timeutil import day_of, day_start_ms, from_ms, to_ms
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT

README = Path(__file__).parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_RATE_LIMIT", "off")
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("PUMPVIEW_SECRET_KEY", raising=False)
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.fixture
def live(serve):
    """A simulator whose present is the CLI's (``PUMPVIEW_NOW``): a Monday just after midnight,
    the hour a wall clock once failed these tests at."""
    return serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=8)


def plain_measures(totals: gt.Totals) -> dict[str, object]:
    """Ground-truth totals as the JSON contract writes them: every measure, money as text."""
    return {name: plain(getattr(totals, name)) for name in MEASURES}


def connect(capsys, live, *extra: str) -> tuple[int, str, str]:
    return run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", live.url, "--team-name", "Acme", *extra,
    )  # fmt: skip


def test_connect_sync_and_report_users_exactly(capsys, live):
    """After connect --sync, `report users --format json` equals the ground truth to the digit."""
    code, _out, err = connect(capsys, live, "--sync")
    assert code == 0, err
    code, out, _err = run(capsys, "report", "users", "--format", "json")
    assert code == 0
    team = live.sim.team
    start = day_start_ms(team.first_day)
    want = gt.totals(team, start, team.now, gt.by_user)
    rows = {r["email"]: r for r in json.loads(out)}
    assert set(rows) == set(want)
    for email, totals in want.items():
        assert rows[email]["spend_cents"] == format_cents(totals.spend_cents)
        assert rows[email]["events"] == totals.events
        assert rows[email]["fast_requests"] == totals.fast_requests
        assert rows[email]["token_fee_cents"] == format_cents(totals.token_fee_cents)


def test_daily_report_until_is_inclusive(capsys, live):
    """`report daily --since D --until D` returns exactly day D with its exact spend."""
    connect(capsys, live, "--sync")
    team = live.sim.team
    day = day_of(team.now) - __import__("datetime").timedelta(days=1)
    code, out, _err = run(
        capsys, "report", "daily", "--since", day.isoformat(), "--until", day.isoformat(),
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    totals = gt.overall(team, day_start_ms(day), day_start_ms(day) + 86_400_000 - 1)
    assert json.loads(out) == [{"date": day.isoformat(), **plain_measures(totals)}]


def test_key_never_leaves_in_clear(capsys, live, tmp_path):
    """The key is not in the database file, the output, or the integrations listing."""
    _code, out1, err1 = connect(capsys, live, "--sync")
    _code, out2, err2 = run(capsys, "integrations", "list", "--format", "json")
    listing = json.loads(out2)
    assert listing[0]["key"] == f"crsr_…{DEMO_KEY[-4:]}"
    assert listing[0]["status"] == "connected"
    assert listing[0]["events"] > 0
    for text in (out1, err1, out2, err2):
        assert DEMO_KEY not in text
    stored = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("pumpview.db*"))
    assert DEMO_KEY.encode() not in stored
    assert DEMO_KEY[5:].encode() not in stored


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("integrations", "connect", "github", "--api-key", DEMO_KEY), "unknown integration"),
        (("integrations", "connect", "cursor", "--api-key", "sk-not-a-cursor-key"), "key_"),
        (("report", "users", "--since", "2025-13-01"), "--since"),
        (("report", "users", "--since", "20261101"), "expected YYYY-MM-DD"),
        (("report", "daily", "--since", "2025-03-02", "--until", "2025-03-01"), "after"),
        (("report", "bogus"), "bogus"),
        (("sync",), "no cursor integration"),
        (("sync", "--backfill-days", "0"), "--backfill-days"),
        (("integrations", "disconnect", "cursor"), "no cursor integration"),
    ],
)
def test_user_mistakes_get_one_line_errors(capsys, argv, message):
    """Each mistake ends with one `error:` line naming the problem and a non-zero exit."""
    code, _out, err = run(capsys, *argv)
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert "sk-not-a-cursor-key" not in err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PUMPVIEW_RATE_LIMIT", "sometimes", "PUMPVIEW_RATE_LIMIT: expected on or off"),
        ("PUMPVIEW_HOME", "", "PUMPVIEW_HOME: must name a folder"),
        ("PUMPVIEW_HOME", "~nosuchuser-pv/x", "PUMPVIEW_HOME: cannot find the home folder"),
        ("PUMPVIEW_HOME", "/dev/null", "the data folder /dev/null is a file, not a folder"),
        ("PUMPVIEW_NOW", "yesterday", "PUMPVIEW_NOW: Input should be a valid datetime"),
    ],
)
def test_bad_settings_are_one_line_naming_the_variable(
    capsys, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    code, _out, err = run(capsys, "report", "users")
    assert (code, err) == (1, f"error: {message}" + err.split(message, 1)[1])
    assert len(err.strip().splitlines()) == 1


def test_the_present_is_pumpview_nows_for_every_command(capsys, live, monkeypatch):
    """A sync, its run and the list all read the fixed present: a sync at a Monday just after
    midnight says so to the second, and the same store a day later shows that day."""
    assert connect(capsys, live, "--sync")[0] == 0
    code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["last_success"] == "2026-12-07 00:00 UTC"
    monkeypatch.setenv("PUMPVIEW_NOW", "2026-12-08T09:30:00+01:00")  # an offset is honoured
    live.sim.team.set_now(to_ms(datetime(2026, 12, 8, 8, 30, tzinfo=UTC)))
    assert run(capsys, "sync")[0] == 0
    assert (
        json.loads(run(capsys, "integrations", "list", "--format", "json")[1])[0]["last_success"]
        == "2026-12-08 08:30 UTC"
    )


def test_no_arguments_prints_help_and_no_error(capsys):
    code, out, err = run(capsys)
    assert code == 0
    assert "Usage: pumpview" in out
    assert err == ""


def test_an_empty_report_says_why(capsys):
    code, out, err = run(capsys, "report", "users")
    assert (code, out) == (0, "")
    assert err == "No Cursor usage stored yet: run pumpview sync.\n"


def test_invalid_key_is_refused_with_what_to_do(capsys, live):
    """A well-formed key Cursor does not know is refused: invalid or revoked, make a new one."""
    unknown = "crsr_" + "0" * 64
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", unknown, "--base-url", live.url
    )
    assert code == 1
    assert "invalid or has been revoked" in err
    assert unknown not in err


def test_unreachable_base_url_is_a_clear_error(capsys):
    """Connecting to a port where nothing listens fails with one line, no traceback."""
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "127.0.0.1:9" in err or "connect" in err.lower()


def test_list_shows_each_integration_whole_on_a_narrow_terminal(capsys, live, monkeypatch):
    """On screen each integration is a card, so an 80-column terminal still shows the whole
    status message; with none connected, the list says how to connect."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _err = run(capsys, "integrations", "list")
    assert (code, out.strip()) == (
        0,
        "No integrations yet: pumpview integrations connect cursor --api-key KEY",
    )
    connect(capsys, live)
    live.sim.revoke(DEMO_KEY)
    assert run(capsys, "sync")[0] == 1
    _code, out, _err = run(capsys, "integrations", "list")
    message = json.loads(run(capsys, "integrations", "list", "--format", "json")[1])[0]["message"]
    assert len(message) > 40  # longer than a squeezed column would show
    card = _card(out)
    assert (card["status"], card["message"], card["key"]) == (
        "revoked",
        message,
        "crsr_…" + DEMO_KEY[-4:],
    )


def _card(text: str) -> dict[str, str]:
    """A printed field/value card as a dict; a value wrapped over several lines is joined."""
    card: dict[str, str] = {}
    field = ""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) != 2:
            continue
        field = cells[0] or field
        card[field] = f"{card[field]} {cells[1]}" if cells[0] == "" else cells[1]
    return card


def test_list_counts_the_events_stored_and_their_days(capsys, live):
    """The listing's events and date range are those of the stored events, day by day."""
    connect(capsys, live, "--sync")
    listing = json.loads(run(capsys, "integrations", "list", "--format", "json")[1])[0]
    days = json.loads(run(capsys, "report", "daily", "--format", "json")[1])
    assert (listing["events"], listing["first_day"], listing["last_day"]) == (
        sum(d["events"] for d in days),
        days[0]["date"],
        days[-1]["date"],
    )


def test_disconnect_keeps_data_and_purge_deletes_it(capsys, live):
    """Disconnect forgets the key but keeps the data; --purge deletes the data too."""
    connect(capsys, live, "--sync")
    assert run(capsys, "integrations", "disconnect", "cursor")[0] == 0
    _code, out, _err = run(capsys, "report", "users", "--format", "json")
    assert len(json.loads(out)) > 0
    _code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    assert json.loads(out)[0]["key"] is None
    code, _out, err = run(capsys, "sync")
    assert code == 1
    assert "connect it again" in err
    assert run(capsys, "integrations", "disconnect", "cursor", "--purge")[0] == 0
    _code, out, _err = run(capsys, "report", "users", "--format", "json")
    assert json.loads(out) == []


def _commands(group: TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the CLI, walked from its own tree: a new one cannot slip past."""
    found = []
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_every_command_has_help_and_is_in_the_readme(capsys):
    """Each command prints help and is documented in the README."""
    readme = README.read_text()
    commands = _commands(typer.main.get_command(app))  # type: ignore[arg-type]
    assert ("people", "import") in commands  # the walk reaches nested groups
    for argv in commands:
        code, out, _err = run(capsys, *argv, "--help")
        assert code == 0
        assert "Usage" in out
        assert re.search(r"pumpview " + " ".join(argv), readme), argv


def test_two_cursor_teams_live_side_by_side_and_are_never_merged(capsys, serve):
    """A second team's key over the first integration is refused; as its own integration it
    syncs apart, and each report equals its own team's ground truth. The first team again
    under a new name is refused too: every report would count it twice."""
    one, two = (
        serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=10, seed=s) for s in (1, 2)
    )
    rosters = [{m.email.lower() for m in x.sim.team.members if m.email} for x in (one, two)]
    assert 0 < len(rosters[0] & rosters[1]) < 4  # two teams with a few people in common
    assert connect(capsys, one, "--sync")[0] == 0
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", two.url,
    )  # fmt: skip
    assert code == 1
    assert "different Cursor team" in err
    assert "--name" in err
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--name", "cursor-eu", "--api-key",
        DEMO_KEY, "--base-url", two.url, "--team-name", "Acme EU", "--sync",
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--name", "cursor-2", "--api-key",
        DEMO_KEY, "--base-url", one.url,
    )  # fmt: skip
    assert (code, err.strip()) == (
        1,
        "error: this key's Cursor team is already connected as the integration 'cursor'; to "
        "give it a new key: pumpview integrations connect cursor --name cursor",
    )
    for name, served in (("cursor", one), ("cursor-eu", two)):
        code, out, _err = run(capsys, "report", "users", "--integration", name, "--format", "json")
        team = served.sim.team
        want = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_user)
        assert {r["email"]: r["spend_cents"] for r in json.loads(out)} == {
            email: format_cents(t.spend_cents) for email, t in want.items()
        }
    _code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    listed = {r["name"]: r["team_name"] for r in json.loads(out)}
    assert listed == {"cursor": "Acme", "cursor-eu": "Acme EU"}


def test_reconnecting_without_a_team_name_keeps_it(capsys, live):
    connect(capsys, live)
    code, _out, _err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url", live.url
    )
    assert code == 0
    _code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    assert json.loads(out)[0]["team_name"] == "Acme"


def test_upstream_strings_reach_the_terminal_without_control_characters(capsys, live):
    """A team name with an ANSI escape and a carriage return is shown inert on screen, and a
    CSV row holding a bare \\r stays one row."""
    nasty = "Acme\x1b[31m RED\rX\x07"
    code, out, _err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url",
        live.url, "--team-name", nasty,
    )  # fmt: skip
    assert code == 0
    assert "\x1b" not in out
    assert "\r" not in out
    _code, out, _err = run(capsys, "integrations", "list")
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\r" not in out
    _code, out, _err = run(capsys, "integrations", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["team_name"] for r in rows] == [nasty]  # kept exactly, quoted, one row


def test_list_says_when_the_key_can_no_longer_be_decrypted(capsys, live, tmp_path):
    """With another secret the stored key is unreadable: list says so instead of connected."""
    connect(capsys, live)
    (tmp_path / "home" / "secret.key").write_bytes(b"Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=")
    _code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    (row,) = json.loads(out)
    assert row["status"] == "error"
    assert "cannot be decrypted" in row["message"]


def test_demo_keeps_its_data_where_home_says_else_in_dot_demo(capsys, tmp_path, monkeypatch):
    """The root --home (or PUMPVIEW_HOME) is the demo's data folder; without either, ./.demo,
    never the real ~/.pumpview."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--home", str(tmp_path / "given"), "demo", "--members", "2",
                         "--days", "2", "--no-serve")  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "given" / "pumpview.db").is_file()
    assert f"pumpview --home {tmp_path / 'given'} report daily" in out
    monkeypatch.delenv("PUMPVIEW_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    code, out, err = run(capsys, "demo", "--members", "2", "--days", "2", "--no-serve")
    assert code == 0, err
    assert (tmp_path / ".demo" / "pumpview.db").is_file()
    assert not (tmp_path / "user").exists()
