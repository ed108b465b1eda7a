"""Each crossing is one alert, and each delivery is sent by one sender: two evaluations at once
on one database (each with its own engine, as two servers have), and a restart between
evaluations, create it once and send it once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import Engine

from pumpview.alerts import channels
from pumpview.alerts.delivery import deliver
from pumpview.alerts.evaluate import check
from pumpview.alerts.rule import Candidate, Context
from pumpview.store import alerts as store
from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from pumpview.vault import Vault
from tests.alerts.conftest import VAULT_KEY, Receiver
from tests.alerts.test_delivery import BASE, SECRET
from tests.conftest import NOW_MS

PROCESSES = 4
SRC = Path(__file__).parents[2] / "src"


def test_evaluations_at_once_create_one_alert_and_send_it_once(db_url, vault, receiver):
    """``PROCESSES`` evaluations (threads, each with its own engine) find the same crossing at
    the same moment (a barrier inside the rule); one alert, one delivery, one request."""
    engines = [open_store(db_url) for _ in range(PROCESSES)]
    with httpx.Client(timeout=5.0) as http:
        fields = {"kind": "webhook", "name": "hook", "url": receiver.url, "secret": SECRET}
        channels.add(engines[0], vault, fields, NOW_MS, http, base_url=BASE)
    together = threading.Barrier(PROCESSES, timeout=30)

    def crossing(_conn: object, _context: Context) -> Iterator[Candidate]:
        together.wait()  # every evaluation has read the store, none has written
        yield Candidate(key="budget:1:2025-11-01:100", rule="budget", scope="organization",
                        threshold=100, message="The budget is used up.")  # fmt: skip

    created: list[int] = []
    sent: list[str] = []

    def evaluate(engine: Engine) -> None:
        created.extend(a.id for a in check(engine, NOW_MS, [crossing]))
        together.wait()  # every evaluation has created what it could: now all deliver at once
        with httpx.Client(timeout=5.0) as http:
            sent.extend(d.status for d in deliver(engine, vault, NOW_MS, http, base_url=BASE))

    threads = [threading.Thread(target=evaluate, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(created) == 1
    assert sent == ["sent"]
    receiver.wait_for(2)  # the channel's test, and the alert
    assert len(receiver.requests) == 2
    with engines[0].connect() as conn:
        (alert,) = store.listing(conn)
    assert [(d.channel, d.status, d.attempts) for d in alert.deliveries] == [("hook", "sent", 1)]
    for engine in engines:
        engine.dispose()


def test_claims_at_once_give_a_delivery_to_one_sender(db_url, vault):
    """The conditional UPDATE: of senders claiming one due delivery at once, one wins."""
    engines = [open_store(db_url) for _ in range(PROCESSES)]
    with engines[0].begin() as conn:
        from pumpview.store import channels as stored  # noqa: PLC0415

        stored.add(conn, "webhook", "hook", {}, Vault.seal(vault, "{}"), NOW_MS)
        alert_id = store.create(conn, {"key": "k", "rule": "budget", "scope": "organization",
                                       "message": "m"}, NOW_MS)  # fmt: skip
    assert alert_id is not None
    with engines[0].connect() as conn:
        (delivery_id,) = store.due(conn, NOW_MS)
    together = threading.Barrier(PROCESSES, timeout=30)
    won: list[object] = []

    def claim(engine: Engine) -> None:
        together.wait()
        with engine.begin() as conn:
            held = store.claim(conn, delivery_id, NOW_MS)
        if held is not None:
            won.append(held)

    threads = [threading.Thread(target=claim, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(won) == 1
    with engines[1].begin() as conn:  # a claim expired (its sender died) is taken over
        assert store.claim(conn, delivery_id, NOW_MS + store.CLAIM_MS - 1) is None
        assert store.claim(conn, delivery_id, NOW_MS + store.CLAIM_MS + 1) is not None
    for engine in engines:
        engine.dispose()


def test_a_restart_between_evaluations_creates_and_sends_nothing_again(
    db_url, vault, receiver: Receiver
):
    """An evaluation on a new engine (a restarted server) finds the crossing stored."""
    first = open_store(db_url)

    def crossing(_conn: object, _context: Context) -> Iterator[Candidate]:
        yield Candidate(key="anomaly:person:a@acme.dev:2025-11-23", rule="anomaly",
                        scope="person", scope_value="a@acme.dev", message="Odd day.")  # fmt: skip

    with httpx.Client(timeout=5.0) as http:
        channels.add(first, vault, {"kind": "slack", "name": "s", "url": receiver.url},
                     NOW_MS, http, base_url=BASE)  # fmt: skip
        assert len(check(first, NOW_MS, [crossing])) == 1
        assert len(deliver(first, vault, NOW_MS, http, base_url=BASE)) == 1
        first.dispose()
        again = open_store(db_url)
        assert check(again, NOW_MS + 3_600_000, [crossing]) == []
        assert deliver(again, vault, NOW_MS + 3_600_000, http, base_url=BASE) == []
        again.dispose()
    assert len(receiver.requests) == 2


def test_processes_checking_at_once_create_one_alert_and_send_it_once(db_url, vault, receiver):
    """``pumpview alerts check`` in three processes started together on one database: one of
    them creates the alert and one sends it; the others print nothing new."""
    engine = open_store(db_url)
    with httpx.Client(timeout=5.0) as http:
        fields = {"kind": "webhook", "name": "hook", "url": receiver.url, "secret": SECRET}
        channels.add(engine, vault, fields, NOW_MS, http, base_url=BASE)
    from tests.alerts.test_health import _integration, _runs  # noqa: PLC0415

    _runs(engine, _integration(engine), NOW_MS - 10 * 3_600_000, "error", "error", "error")
    engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(SRC), "PUMPVIEW_DATABASE_URL": db_url,
           "PUMPVIEW_SECRET_KEY": VAULT_KEY.decode(), "PUMPVIEW_NOW": from_ms(NOW_MS).isoformat(),
           "PUMPVIEW_HOME": str(SRC.parent / ".no-home")}  # fmt: skip
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "pumpview", "alerts", "check", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    printed = [p.communicate(timeout=120) for p in started]
    assert [p.returncode for p in started] == [0, 0, 0], printed
    created = [a for out, _err in printed for a in json.loads(out)]
    assert [a["rule"] for a in created] == ["integration"]
    receiver.wait_for(2)
    assert len(receiver.requests) == 2
