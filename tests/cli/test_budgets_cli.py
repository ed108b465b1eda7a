"""``pumpview budgets add|list|remove``: a budget added with its amount in dollars, listed as
the API lists it, removed; every mistake one ``error:`` line, nothing saved."""

from __future__ import annotations

import json

import pytest

from pumpview.timeutil import from_ms
from tests.cli.invoke import run
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())


def listed(capsys) -> list[dict[str, object]]:
    code, out, err = run(capsys, "budgets", "list", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_a_budget_is_added_listed_and_removed(capsys):
    """Nothing stored yet: actual 0, ok, the calendar month (no Cursor cycle known)."""
    argv = ["add", "AI", "--amount", "1,250.50", "--period", "month", "--thresholds", "80, 50"]
    code, out, err = run(capsys, "budgets", *argv)
    assert (code, err) == (0, "")
    assert out == "Added budget 1 (AI): 0.0 % used, on track.\n"
    (row,) = listed(capsys)
    assert {k: row[k] for k in ("id", "amount_cents", "thresholds", "actual_cents", "state",
                                "period_start", "period_end", "days_left")} == {
        "id": 1, "amount_cents": "125050", "thresholds": [50, 80], "actual_cents": "0",
        "state": "ok", "period_start": "2026-12-01", "period_end": "2026-12-31", "days_left": 25,
    }  # fmt: skip
    assert run(capsys, "budgets", "remove", "1")[:2] == (0, "Removed budget 1.\n")
    assert listed(capsys) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--amount", "-5"], "error: --amount is a number of US dollars above zero"),
        (["--amount", "lots"], "error: --amount is a number of US dollars above zero"),
        (["--amount", "5", "--scope", "team", "--value", "Nobody"], "error: no team named Nobody"),
        (["--amount", "5", "--measure", "tokens"], "error: measure must be one of bill, "),
    ],
)
def test_a_mistake_is_one_error_line_and_saves_nothing(capsys, argv, message):
    code, _out, err = run(capsys, "budgets", "add", "AI", *argv)
    assert code != 0
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert listed(capsys) == []


def test_removing_an_unknown_budget_says_so(capsys):
    code, _out, err = run(capsys, "budgets", "remove", "7")
    assert (code, err) == (1, "error: no budget with id 7; pumpview budgets list shows them\n")
