"""``pumpview report anomalies``: the planted spike as JSON with its drivers, as a table, and
in one line when there is none; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os

import pytest

from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from tests.cli.invoke import run
from tests.reports.spikes import FINAL_MS, SPIKE, plant

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(FINAL_MS).isoformat())
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", db_url)
    engine = open_store(db_url, os.environ.get("PUMPVIEW_CLICKHOUSE_URL"))
    plant(engine, FINAL_MS)
    engine.dispose()


def test_the_report_gives_the_spike_and_its_drivers_as_json(capsys):
    """With no range, the last 30 complete days: the spike's day among them."""
    code, out, err = run(capsys, "report", "anomalies", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["scope"], r["scope_value"], r["day"]) for r in rows] == [
        ("team", "Platform", str(SPIKE)), ("person", "alice@acme.dev", str(SPIKE))
    ]  # fmt: skip
    assert rows[1]["excess_cents"] == "40002"
    assert rows[1]["drivers"][0]["model"] == "claude-4-opus"


def test_the_table_shows_the_message_and_an_empty_range_says_so(capsys, monkeypatch):
    """On screen, each anomaly's line; a range without one says so in a sentence."""
    monkeypatch.setenv("COLUMNS", "300")  # Rich's width: the message on one line
    code, out, err = run(capsys, "report", "anomalies", "--since", str(SPIKE))
    assert code == 0, err
    assert "alice@acme.dev spent $401.54 on 2026-12-05" in out
    code, out, err = run(capsys, "report", "anomalies", "--until", "2026-12-01")
    assert (code, out) == (0, "")
    assert err.strip() == "No anomaly on the complete days from the start to 2026-12-01."


def test_an_unknown_integration_is_one_line(capsys):
    code, _out, err = run(capsys, "report", "anomalies", "--integration", "nope")
    assert code != 0
    assert err.startswith("error: no integration named nope")
