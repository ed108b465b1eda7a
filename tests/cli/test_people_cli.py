"""``pumpview people import|list``: a preview, then applied on --yes or a terminal's yes; never
without being asked; the directory listed as JSON, and as a mapping that imports back."""

from __future__ import annotations

import io
import json

import pytest

from pumpview.timeutil import from_ms
from tests.cli.invoke import run
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT

MAPPING = """\ufeffEmail,Name,Aliases,Team,Valid_From,Valid_To
alex@corp.com,Alex Kim,alex;alex_corp_com,Platform,,2026-03-01
alex@corp.com,,,Data,2026-03-01,
,Build Bot,ci-bot,Platform,,
"""
PREVIEW = [
    "people.csv would make 6 changes:",
    "  line 2  Alex Kim (alex@corp.com): new person",
    "  line 2  Alex Kim (alex@corp.com): alias alex added",
    "  line 2  Alex Kim (alex@corp.com): team: Platform until 2026-03-01, then Data from "
    "2026-03-01",
    "  line 4  Build Bot: new person",
    "  line 4  Build Bot: alias ci-bot added",
    "  line 4  Build Bot: team: Platform",
]


class Terminal(io.StringIO):
    """Typed answers, on what says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
    # "people list" shows the team of today: a fixed present (2026-12-07), not the wall clock's
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def listed(capsys) -> list[dict[str, object]]:
    code, out, err = run(capsys, "people", "list", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_without_a_terminal_or_yes_it_shows_the_preview_and_applies_nothing(capsys, mapping):
    code, out, err = run(capsys, "people", "import", str(mapping))
    assert code == 1
    assert out.splitlines() == PREVIEW
    assert err == "error: nothing applied: add --yes to apply these 6 changes\n"
    assert listed(capsys) == []


def test_yes_applies_and_the_same_file_again_changes_nothing(capsys, mapping):
    code, out, err = run(capsys, "people", "import", str(mapping), "--yes")
    assert (code, err) == (0, "")
    assert out.splitlines() == [*PREVIEW, "Applied 6 changes: 2 new people, 2 aliases, 2 team "
                                "changes."]  # fmt: skip
    code, out, _err = run(capsys, "people", "import", str(mapping), "--yes")
    assert (code, out) == (0, "people.csv: nothing to change; the people are already as it says.\n")


@pytest.mark.parametrize(("answer", "applied"), [("y\n", True), ("\n", False), ("n\n", False)])
def test_on_a_terminal_it_asks_and_no_is_the_default(capsys, mapping, monkeypatch, answer, applied):
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    code, out, _err = run(capsys, "people", "import", str(mapping))
    assert code == 0
    assert "Apply 6 changes? [y/N]: " in out
    assert out.endswith("Applied 6 changes: 2 new people, 2 aliases, 2 team changes.\n"
                        if applied else "Nothing applied.\n")  # fmt: skip
    assert len(listed(capsys)) == (2 if applied else 0)


def test_list_as_json_and_as_a_mapping_that_imports_back_unchanged(
    capsys, mapping, tmp_path, monkeypatch
):
    run(capsys, "people", "import", str(mapping), "--yes")
    assert listed(capsys) == [
        {"person": "Alex Kim", "email": "alex@corp.com",
         "aliases": ["alex", "alex@corp.com", "alex_corp_com"], "team": "Data",
         "memberships": [
             {"team": "Platform", "valid_from": None, "valid_to": "2026-03-01", "origin": "csv"},
             {"team": "Data", "valid_from": "2026-03-01", "valid_to": None, "origin": "csv"}]},
        {"person": "Build Bot", "email": None, "aliases": ["ci-bot"], "team": "Platform",
         "memberships": [
             {"team": "Platform", "valid_from": None, "valid_to": None, "origin": "csv"}]},
    ]  # fmt: skip
    code, out, _err = run(capsys, "people", "list", "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "email,name,aliases,team,valid_from,valid_to",
        "alex@corp.com,Alex Kim,alex,Platform,,2026-03-01",
        "alex@corp.com,,,Data,2026-03-01,",
        ",Build Bot,ci-bot,Platform,,",
    ]
    again = tmp_path / "again.csv"
    again.write_text(out, encoding="utf-8")
    code, out, _err = run(capsys, "people", "import", str(again))
    assert (code, out) == (0, "again.csv: nothing to change; the people are already as it says.\n")
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: the table's rows on one line each
    code, out, _err = run(capsys, "people", "list")
    assert code == 0
    assert "Platform until 2026-03-01, then Data from 2026-03-01" in " ".join(out.split())


@pytest.mark.parametrize(
    ("present", "team"),
    [("2026-02-28T23:59:59Z", "Platform"), ("2026-03-01T00:00:00Z", "Data")],
)
def test_list_shows_the_team_of_the_present_day(capsys, mapping, monkeypatch, present, team):
    """Alex moves from Platform to Data on 2026-03-01: the listed team is the present's
    (``PUMPVIEW_NOW``), on either side of the move, whatever the wall clock says."""
    monkeypatch.setenv("PUMPVIEW_NOW", present)
    run(capsys, "people", "import", str(mapping), "--yes")
    assert [(p["email"], p["team"]) for p in listed(capsys)] == [
        ("alex@corp.com", team),
        (None, "Platform"),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("email,team,valid_from\na@x.io,Data,1 March\n",
         "error: people.csv, line 2, column valid_from: not a date (expected YYYY-MM-DD): "
         "'1 March'"),
        ("email,aliases\na@x.io,shared\nb@x.io,shared\n",
         "error: people.csv, line 3, column aliases: alias 'shared' was given to a@x.io on "
         "line 2"),
        (None, "error: No such file or directory: {path}"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_error_line_and_changes_nothing(capsys, tmp_path, text, error):
    path = tmp_path / "people.csv"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "people", "import", str(path), "--yes")
    assert (code, out, err) == (1, "", error.format(path=path) + "\n")
    assert listed(capsys) == []


def test_the_csv_shows_formulas_as_text_and_imports_back_unchanged(capsys, tmp_path):
    """A name or team a spreadsheet would run (``=cmd|...``, ``+cmd|calc``) is written with a
    leading quote (OWASP's CSV injection guidance), and the file still imports back as it is."""
    path = tmp_path / "people.csv"
    path.write_text("email,name,team\nbob@corp.com,\"=cmd|' /C calc'!A0\",+cmd|calc\n",
                    encoding="utf-8")  # fmt: skip
    run(capsys, "people", "import", str(path), "--yes")
    assert [(p["person"], p["team"]) for p in listed(capsys)] == [
        ("=cmd|' /C calc'!A0", "+cmd|calc")
    ]
    code, out, _err = run(capsys, "people", "list", "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == "bob@corp.com,'=cmd|' /C calc'!A0,,'+cmd|calc,,"
    again = tmp_path / "again.csv"
    again.write_text(out, encoding="utf-8")
    code, out, _err = run(capsys, "people", "import", str(again))
    assert (code, out) == (0, "again.csv: nothing to change; the people are already as it says.\n")
