"""``pumpview alerts check`` and ``alerts list``: the rules evaluated now, each alert once, its
deliveries listed; no secret printed."""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.fernet import Fernet

from pumpview.alerts import channels
from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from pumpview.vault import Vault
from tests.alerts.conftest import receiver  # noqa: F401 - the fixture
from tests.alerts.test_delivery import SECRET, verify
from tests.cli.invoke import run
from tests.conftest import NOW_MS
from tests.web.test_alerts import PATH

KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", db_url)
    monkeypatch.setenv("PUMPVIEW_SECRET_KEY", KEY)
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(NOW_MS).isoformat())
    monkeypatch.setenv("PUMPVIEW_BASE_URL", "https://pumpview.acme.dev/")
    monkeypatch.setenv("COLUMNS", "250")  # a wide terminal: a table row on one line


def test_check_creates_each_alert_once_and_list_shows_its_deliveries(
    capsys,
    db_url,
    receiver,  # noqa: F811
):
    """Three failed syncs: ``check`` prints the alert and its delivery, a second ``check``
    finds nothing new; ``list --format json`` has the API's rows."""
    engine = open_store(db_url)
    with httpx.Client(timeout=5) as http:
        channels.add(engine, Vault(KEY.encode()), {"kind": "webhook", "name": "hook",
                     "url": receiver.url + PATH, "secret": SECRET}, NOW_MS, http,
                     base_url="https://x")  # fmt: skip
    from tests.alerts.test_health import _integration, _runs  # noqa: PLC0415

    _runs(engine, _integration(engine), NOW_MS - 10 * 3_600_000, "error", "error", "error")
    engine.dispose()
    code, out, err = run(capsys, "alerts", "check", "--format", "json")
    assert (code, err) == (0, "")
    (alert,) = json.loads(out)
    assert alert["rule"] == "integration"
    assert alert["deliveries"] == [{"channel": "hook", "status": "sent", "attempts": 1}]
    _test, delivered = receiver.wait_for(2)
    assert verify(delivered)["alert"]["id"] == alert["id"]
    code, out, _ = run(capsys, "alerts", "check")
    assert (code, out) == (0, "No new alerts.\n")
    code, out, _ = run(capsys, "alerts", "list", "--format", "json")
    assert json.loads(out) == [alert]
    code, table, _ = run(capsys, "alerts", "list")
    assert "hook: sent (1)" in table
    code, csv, _ = run(capsys, "alerts", "list", "--format", "csv")
    assert csv.startswith("id,created_at,rule,scope,scope_value,period,threshold,day,message,")
    for text in (out, table, csv):
        for secret in (SECRET, SECRET.removeprefix("whsec_"), PATH):
            assert secret not in text
