"""CSV cells for people: what a spreadsheet would run is shown as text, and reads back as it was."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pumpview.reports.plain import csv_text
from pumpview.spreadsheet import defuse, restore

# OWASP's examples and the probe's (issue 19): each starts with a character a spreadsheet runs.
FORMULAS = ["=cmd|' /C calc'!A0", "=1+cmd|' /C calc'!A0", "@SUM(1)", "+cmd|calc", "-2+3+cmd|calc",
            "\t=1+1", "\r=1+1"]  # fmt: skip


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_gets_a_leading_quote(text):
    assert defuse(text) == "'" + text


@pytest.mark.parametrize("text", ["-12.5", "-3", "0", "42", "Alex Kim", "alex@corp.com", "", "'"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert defuse(text) == text


@given(st.text())
def test_every_text_reads_back_as_it_was_written(text):
    assert restore(defuse(text)) == text


def test_a_text_that_looks_defused_reads_back_too():
    assert defuse("'=x") == "''=x"
    assert restore("''=x") == "'=x"


def test_csv_text_defuses_text_cells_and_leaves_numbers():
    rows = [{"name": "=cmd|' /C calc'!A0", "spend_cents": "-12.5", "events": -3, "team": "+x"}]
    text = csv_text(rows, ["name", "spend_cents", "events", "team"])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "spend_cents", "events", "team"],
        ["'=cmd|' /C calc'!A0", "-12.5", "-3", "'+x"],
    ]
