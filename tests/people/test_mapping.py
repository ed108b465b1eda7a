"""The people mapping CSV: read as a manager writes it, every bad cell named by line and column."""

from __future__ import annotations

from datetime import date

import pytest

from pumpview.errors import UserInputError
from pumpview.people.mapping import COLUMNS, Row, csv_rows, history, parse
from pumpview.people.membership import Membership
from pumpview.people.person import Person

HEADER = "email,name,aliases,team,valid_from,valid_to\n"


def test_a_bom_any_case_spaced_headings_and_semicolon_aliases_read_as_meant():
    text = (
        "\ufeffEMAIL, Name ,Aliases,Team,Valid From,valid-to\r\n"
        "Alex@Corp.com,Alex Kim, alex ; ALEX_corp_com;;alex ,Platform,,2026-03-01\r\n"
        "\r\n"
        "alex@corp.com,,,Data,2026-03-01,\r\n"
        ',"Build Bot, CI",ci-bot,Platform\r\n'
    )
    read = parse(text.encode("utf-8"), "people.csv")
    assert read.name == "people.csv"
    assert read.rows == (
        Row(2, "alex@corp.com", "Alex Kim", ("alex", "alex_corp_com"), "Platform", None,
            date(2026, 3, 1)),
        Row(4, "alex@corp.com", None, (), "Data", date(2026, 3, 1)),
        Row(5, None, "Build Bot, CI", ("ci-bot",), "Platform"),
    )  # fmt: skip


def test_a_quoted_cell_across_lines_keeps_the_next_rows_line_numbers_true():
    text = HEADER + '"a@x.io","Ann\nLee",,,,\nb@x.io,,,,2026-13-01,\n'
    with pytest.raises(UserInputError) as bad:
        parse(text, "p.csv")
    assert str(bad.value) == (
        "p.csv, line 4, column valid_from: not a date (expected YYYY-MM-DD): '2026-13-01'"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not-an-email,,,,,\n", "line 2, column email: not an email address: 'not-an-email'"),
        ("a@x.io,,,Data,2026-03-01,2026-03-01\n",
         "line 2, column valid_to: 2026-03-01 is not after valid_from 2026-03-01 (valid_to is "
         "the first day out of the team)"),
        ("a@x.io,,,,2026-03-01,\n", "line 2, column team: the row has dates but no team"),
        (",,,Data,,\n", "line 2, column email: the row names nobody: give an email, a name or "
         "an alias"),
        ("a@x.io,,,Data,20260301,\n",
         "line 2, column valid_from: not a date (expected YYYY-MM-DD): '20260301'"),
        ("a@x.io,,,Data,,,extra\n", "line 2: 7 fields where the header has 6"),
        ("a@x.io,,,Data,,\nb@x.io,,," + "T" * 201 + ",,\n",
         "line 3, column team: longer than 200 characters"),
        # PostgreSQL's text holds no NUL: applied, the row failed with a database error.
        ("a@x.io,,alex;al\x00ex,Data,,\n",
         "line 2, column aliases: 'al\\x00ex' holds a control character, which an alias "
         "cannot"),
    ],
)  # fmt: skip
def test_a_bad_cell_is_one_error_naming_the_file_line_and_column(body, message):
    with pytest.raises(UserInputError) as bad:
        parse(HEADER + body, "people.csv")
    assert str(bad.value) == f"people.csv, {message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "people.csv: the file is empty; its first line must name the columns"),
        (HEADER, "people.csv: no people after the header"),
        ("alex@corp.com,Alex\n", "people.csv, line 1: unknown column 'alex@corp.com'; the first "
         "line must name the columns, of email, name, aliases, team, valid_from, valid_to"),
        ("email;name;team\n", "people.csv, line 1: the columns must be separated by commas, "
         "not semicolons"),
        ("email,Email\n", "people.csv, line 1: the column email appears twice"),
        ("team,valid_from\n", "people.csv, line 1: no email, name or aliases column to say "
         "who each row is"),
    ],
)  # fmt: skip
def test_a_file_without_a_usable_header_says_so(text, message):
    with pytest.raises(UserInputError) as bad:
        parse(text, "people.csv")
    assert str(bad.value) == message


def test_a_file_that_is_not_utf8_says_how_to_save_it():
    with pytest.raises(UserInputError) as bad:
        parse(HEADER.encode() + "zoë@x.io,Zoë,,,,\n".encode("latin-1"), "people.csv")
    assert str(bad.value) == "people.csv: not UTF-8 text; save it as CSV UTF-8"


def test_the_directory_written_as_a_mapping_reads_back_as_the_same_rows():
    """``people list --format csv``: a row per membership, the first with the name and the
    aliases an email does not bring; someone without email is named by their aliases."""
    people = [
        Person(1, "alex@corp.com", "Alex Kim", ["alex@corp.com", "alex_corp_com", "alex"], [
            Membership("Data", date(2026, 3, 1), None, "csv"),
            Membership("Platform", None, date(2026, 3, 1), "cursor")]),
        Person(2, None, "Build Bot", ["ci-bot"], []),
        Person(3, None, None, [], []),  # nothing left to name them by
    ]  # fmt: skip
    rows = csv_rows(people)
    assert rows == [
        {"email": "alex@corp.com", "name": "Alex Kim", "aliases": "alex", "team": "Platform",
         "valid_from": None, "valid_to": "2026-03-01"},
        {"email": "alex@corp.com", "name": None, "aliases": None, "team": "Data",
         "valid_from": "2026-03-01", "valid_to": None},
        {"email": None, "name": "Build Bot", "aliases": "ci-bot", "team": None,
         "valid_from": None, "valid_to": None},
    ]  # fmt: skip
    text = "".join(",".join(r[c] or "" for c in COLUMNS) + "\n" for r in rows)
    assert parse(HEADER + text, "again.csv").rows == (
        Row(2, "alex@corp.com", "Alex Kim", ("alex",), "Platform", None, date(2026, 3, 1)),
        Row(3, "alex@corp.com", None, (), "Data", date(2026, 3, 1)),
        Row(4, None, "Build Bot", ("ci-bot",)),
    )


def test_a_history_reads_in_order_of_start():
    assert history([Membership("Data", date(2026, 3, 1)),
                    Membership("Platform", None, date(2026, 3, 1))]) == (
        "Platform until 2026-03-01, then Data from 2026-03-01"
    )  # fmt: skip
    assert history([Membership("Data", date(2026, 3, 1), date(2026, 4, 1))]) == (
        "Data from 2026-03-01 until 2026-04-01"
    )
    assert history([Membership("Data")]) == "Data"
