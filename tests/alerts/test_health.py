"""The integration health rule: a revoked key, and syncs failing in a row, once per incident."""

from __future__ import annotations

from pumpview.alerts.evaluate import check
from pumpview.alerts.health import FAILURES_IN_A_ROW, integration_health
from pumpview.store import integrations, runs
from tests.conftest import NOW_MS

HOUR = 3_600_000


def _integration(engine, status: str = "connected") -> int:
    with engine.begin() as conn:
        return integrations.save(conn, {
            "name": "cursor", "team_name": "Acme", "key_ciphertext": "sealed", "key_hint": "x",
            "base_url": "http://127.0.0.1", "status": status, "message": None,
            "connected_at_ms": NOW_MS - 100 * HOUR, "backfill_days": 30,
        })  # fmt: skip


def _runs(engine, integration_id: int, start: int, *outcomes: str) -> int:
    """Record finished runs, an hour apart from ``start``; the next free hour."""
    for i, outcome in enumerate(outcomes):
        at = start + i * HOUR
        with engine.begin() as conn:
            run = runs.start(conn, integration_id, "test pid 1", at)
            assert run is not None
            runs.finish(conn, run, at + 60_000, outcome, f"{outcome} #{i}")
    return start + len(outcomes) * HOUR


def test_syncs_failing_in_a_row_alert_once_per_incident(engine):
    """Two failures say nothing; the third alerts; a fourth adds nothing; after a good sync,
    a new streak alerts again."""
    integration = _integration(engine)
    at = _runs(engine, integration, NOW_MS - 50 * HOUR, "ok", "error", "error")
    assert check(engine, at, [integration_health]) == []
    at = _runs(engine, integration, at, "error")
    (alert,) = check(engine, at, [integration_health])
    assert (alert.rule, alert.scope, alert.scope_value) == ("integration", "integration", "cursor")
    assert alert.message == (
        f"The last {FAILURES_IN_A_ROW} syncs of Acme failed; the latest said: error #0"
    )
    at = _runs(engine, integration, at, "error", "interrupted", "error")
    assert check(engine, at, [integration_health]) == []
    at = _runs(engine, integration, at, "ok", "error", "error", "error")
    assert len(check(engine, at, [integration_health])) == 1


def test_a_revoked_key_alerts_once(engine):
    """The integration's status says revoked: one alert, however often it is evaluated."""
    integration = _integration(engine, status="revoked")
    at = _runs(engine, integration, NOW_MS - 10 * HOUR, "ok", "revoked", "revoked")
    (alert,) = check(engine, at, [integration_health])
    assert "Cursor no longer accepts the key of Acme" in alert.message
    assert alert.details == {"problem": "revoked", "integration": "cursor"}
    assert check(engine, at + HOUR, [integration_health]) == []
