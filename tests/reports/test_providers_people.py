"""People across providers: Cursor and Claude Code synced into one store from simulators that
share their people; ``report users --provider`` and its twin ``/api/people?provider=`` give each
person's amounts per provider, exactly, the estimated ones said to be."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet

from pumpview.cli import main
from pumpview.integrations import runner
from pumpview.integrations.claude_code import connection
from pumpview.reports import bill, spend
from pumpview.reports.billing import Billing
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.anthropic.truth import claude_code_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.simulator.truth import by_user, totals
from pumpview.store.engine import snapshot
from pumpview.timeutil import day_of, day_start_ms, from_ms
from pumpview.vault import Vault
from tests.conftest import sync_served

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z
DAYS = 8
MEMBERS = 12


@pytest.fixture
def both(engine, serve, monkeypatch, tmp_path):
    """Cursor and Claude Code of one organisation synced over the same days; the truth of each
    per person."""
    cursor = serve(now_ms=NOW, days=DAYS, members=MEMBERS)
    sync_served(engine, cursor, days=DAYS, now_ms=NOW)
    app = create_anthropic_simulator(
        AnthropicConfig(now_ms=NOW, days=DAYS, members=MEMBERS, rate_limit_per_minute=None)
    )
    vault = Vault(Fernet.generate_key())
    with serve_in_thread(app) as url, stamina.set_testing(True, attempts=100, cap=True):
        connection.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=url, team_name=None,
                           now_ms=NOW, pacing=False)  # fmt: skip
        runner.run_sync(engine, vault, "claude-code", pacing=False, backfill_days=DAYS,
                        clock=lambda: NOW)  # fmt: skip
    first = day_of(NOW) - timedelta(days=DAYS - 1)
    per_user = totals(cursor.sim.team, day_start_ms(first), NOW, by_user)
    cursor_truth = {(email or "").lower(): t.spend_cents for email, t in per_user.items()}
    on_demand = sum((t.on_demand_cents for t in per_user.values()), Decimal(0))
    claude: dict[str, Decimal] = defaultdict(Decimal)
    for offset in range(DAYS):
        for (who, model), t in claude_code_truth(
            app.state.sim.org, first + timedelta(offset)
        ).items():
            if model is not None:
                claude[who] += t.estimated_cents
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(NOW).isoformat())
    return first, cursor_truth, {k: v for k, v in claude.items() if v}, on_demand


def _report(capsys, db_url: str, first: date, provider: str) -> list[dict]:
    with pytest.raises(SystemExit) as done:
        main(["--db", db_url, "report", "users", "--since", str(first), "--until",
              str(day_of(NOW)), "--provider", provider, "--format", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert done.value.code in (0, None), err
    return json.loads(out)


def test_each_persons_amounts_per_provider_are_each_providers_truth(both, capsys, db_url):
    first, cursor_truth, claude_truth, _on_demand = both
    rows = _report(capsys, db_url, first, "all")
    paying = {r["email"] or "" for r in rows if Decimal(r["usage_cents"])}
    assert paying == {e for e, v in cursor_truth.items() if v} | set(claude_truth)
    overlap = 0
    for row in rows:
        who = row["email"] or ""
        shares = row["providers"]
        assert row["provider"] == "all"
        if who in claude_truth:
            part = shares["claude-code"]
            assert Decimal(part["usage_cents"]) == claude_truth[who]
            assert part["billed_cents"] == part["usage_cents"]
            assert part["estimated"] is True
            assert row["estimated"] is True
        if cursor_truth.get(who):
            assert Decimal(shares["cursor"]["usage_cents"]) == cursor_truth[who]
            assert shares["cursor"]["estimated"] is False
        overlap += len(shares) == 2
        total = sum(Decimal(p["usage_cents"]) for p in shares.values())
        assert Decimal(row["usage_cents"]) == total == Decimal(row["spend_cents"])
    assert overlap >= 3  # people who use both tools are one row, not two


def test_one_provider_narrows_the_report_to_it(both, capsys, db_url):
    first, cursor_truth, claude_truth, _on_demand = both
    claude = _report(capsys, db_url, first, "claude-code")
    assert {r["email"]: Decimal(r["usage_cents"]) for r in claude} == claude_truth
    assert all(r["provider"] == "claude-code" and r["estimated"] for r in claude)
    assert all(r["providers"] is None for r in claude)
    cursor = _report(capsys, db_url, first, "cursor")
    paid = {(r["email"] or ""): Decimal(r["usage_cents"]) for r in cursor}
    assert {e: v for e, v in paid.items() if v} == {e: v for e, v in cursor_truth.items() if v}
    assert not any(r["estimated"] for r in cursor)


def test_an_unknown_provider_is_one_clear_line(both, capsys, db_url):
    with pytest.raises(SystemExit) as done:
        main(["--db", db_url, "report", "users", "--provider", "gemini"])
    _out, err = capsys.readouterr()
    assert done.value.code == 1
    assert err.strip().splitlines() == [
        "error: unknown provider 'gemini'; available: cursor, claude-code, copilot, all"
    ]


def test_cursors_bill_and_billed_amount_are_cursors_alone(both, engine):
    """Claude Code beside Cursor changes neither Cursor's bill (its teams only) nor its billed
    amount in the providers report (its on-demand only, the truth's)."""
    first, _cursor_truth, _claude, on_demand = both
    with snapshot(engine) as conn:
        bills = bill.currents(conn, None, NOW, Billing())
    assert [b.name for b in bills.bills] == ["cursor"]
    rows = spend.run(engine, "providers", first, day_of(NOW))
    (cursor,) = [r for r in rows if r.provider == "Cursor"]
    assert cursor.billed_cost == on_demand / 100
