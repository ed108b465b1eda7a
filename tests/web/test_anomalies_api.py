"""``GET /api/anomalies``: the anomalies of ``pumpview report anomalies --format json``, for a
viewer, over the range asked; a bad parameter is a JSON error."""

from __future__ import annotations

import csv
import io

from pumpview.reports import anomalies
from tests.reports.spikes import FINAL_MS, FIRST, LAST, SPIKE, plant
from tests.web.conftest import VIEWER

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


def test_a_viewer_reads_the_planted_spike_with_its_drivers(site):
    """alice's planted $400 day, hers and Platform's, with the defaults; the same rows as the
    report's JSON, and as CSV without the drivers."""
    plant(site.web.engine, FINAL_MS)
    viewer = site.signed_in(VIEWER)
    span = {"since": str(FIRST), "until": str(LAST)}
    answer = viewer.get("/api/anomalies", params=span)
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    assert [(r["scope"], r["scope_value"], r["day"], r["value_cents"]) for r in rows] == [
        ("team", "Platform", str(SPIKE), "40364"), ("person", "alice@acme.dev", str(SPIKE), "40154")
    ]  # fmt: skip
    assert rows[1]["drivers"][0]["model"] == "claude-4-opus"
    assert rows[1]["drivers"][0]["change_cents"] == "40000"
    assert rows == anomalies.to_json(anomalies.run(site.web.engine, FIRST, LAST))
    download = viewer.get("/api/anomalies", params={**span, "format": "csv"})
    parsed = list(csv.DictReader(io.StringIO(download.text, newline="")))
    assert [dict(r) for r in parsed] == [{c: str(r[c]) for c in anomalies.COLUMNS} for r in rows]


def test_an_unknown_integration_is_a_json_error(site):
    viewer = site.signed_in(VIEWER)
    answer = viewer.get("/api/anomalies", params={"integration": "nope"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert "no integration named nope" in answer.json()["message"]
