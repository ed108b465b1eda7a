"""The ``pumpview`` command as a whole: its help, the README's list of commands, settings
mistakes and the demo. None of these reads the store ``PUMPVIEW_DATABASE_URL`` names, so they
run once, on the default SQLite file under ``PUMPVIEW_HOME``; the contract that does is
``test_cursor_cli.py``, on both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import stamina
import typer
from typer.core import TyperGroup

from pumpview.cli import app
from pumpview.timeutil import from_ms
from tests.cli.invoke import run
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


def test_no_arguments_prints_help_and_no_error(capsys):
    code, out, err = run(capsys)
    assert code == 0
    assert "Usage: pumpview" in out
    assert err == ""


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


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PUMPVIEW_RATE_LIMIT", "sometimes", "PUMPVIEW_RATE_LIMIT: expected on or off"),
        ("PUMPVIEW_HOME", "", "PUMPVIEW_HOME: must name a folder"),
        ("PUMPVIEW_HOME", "~nosuchuser-pv/x", "PUMPVIEW_HOME: cannot find the home folder"),
        ("PUMPVIEW_HOME", "/dev/null", "the data folder /dev/null is a file, not a folder"),
        ("PUMPVIEW_NOW", "yesterday", "PUMPVIEW_NOW: Input should be a valid datetime"),
        ("PUMPVIEW_BASE_URL", "pumpview.acme.dev", "PUMPVIEW_BASE_URL: expected the web app's"),
        ("PUMPVIEW_BASE_URL", "https://me:pw@acme.dev", "PUMPVIEW_BASE_URL: expected the web"),
    ],
)
def test_bad_settings_are_one_line_naming_the_variable(
    capsys, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    code, _out, err = run(capsys, "report", "users")
    assert (code, err) == (1, f"error: {message}" + err.split(message, 1)[1])
    assert len(err.strip().splitlines()) == 1


def test_demo_keeps_its_data_where_home_says_else_in_dot_demo(capsys, tmp_path, monkeypatch):
    """The root --home (or PUMPVIEW_HOME) is the demo's data folder; without either, ./.demo,
    never the real ~/.pumpview. (The demo's store is always that SQLite file, whatever
    PUMPVIEW_DATABASE_URL says: a demo never writes into a real database.)"""
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
