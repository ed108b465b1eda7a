"""Versioned writes of the facts: exact money, every event kept, and only committed versions left
after garbage collection."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from pumpview.store import rollup
from pumpview.store.clickhouse import write
from pumpview.store.clickhouse.write import (
    DAILY_COLUMNS,
    collect_garbage,
    drop_integration,
    exact,
    write_daily,
    write_events,
)
from pumpview.store.measures import MEASURES

pytestmark = pytest.mark.clickhouse

DAY = date(2026, 12, 1)
DAYS = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
TWENTY = Decimal("12.34567890123456789012")
"""An amount with 20 decimals, as Cursor sends."""


def event(integration_id=1, day=DAY, email="ana@acme.dev", ts_ms=0, cost=TWENTY, **fields):
    """An event record (``rollup.EVENT_COLUMNS`` order): every type a record holds."""
    values = {
        "integration_id": integration_id,
        "ts_ms": ts_ms or (day - date(1970, 1, 1)).days * 86_400_000 + 3_600_000,
        "day": day,
        "email": email,
        "model": "claude-4.5-sonnet",
        "kind": "Usage-based",
        "max_mode": True,
        "token_based": True,
        "chargeable": True,
        "headless": None,
        "input_tokens": 5155,
        "output_tokens": 372,
        "cache_write_tokens": 0,
        "cache_read_tokens": 1755,
        "model_cost_cents": Decimal("40.16699999999999"),
        "discount_percent": Decimal(10),
        "token_fee_cents": Decimal("0.00000000000000000001"),
        "charged_cents": None,
        "cost_cents": cost,
        "requests_costs": Decimal("1.4"),
        "service_account_id": None,
        "conversation_id": "7e1b0468-c913-4578-8f1a-e1f0796f5c3c",
        "extra": '{"cloudAgentId": "bc-1"}',
        **fields,
    }
    return tuple(values[name] for name in rollup.EVENT_COLUMNS)


def stored_events(client, integration_id=1):
    """The integration's event records as stored, with version and seq, in write order."""
    columns = ", ".join(write.EVENT_COLUMNS)
    return client.query(
        f"SELECT {columns} FROM usage_events WHERE integration_id = {{i:UInt32}}"  # noqa: S608
        " ORDER BY version, seq",
        parameters={"i": integration_id},
    ).result_rows


def versions(client, table, integration_id=1):
    """(day, version) -> rows of that version, for the integration."""
    rows = client.query(
        f"SELECT day, version, count() FROM {table} WHERE integration_id = {{i:UInt32}}"  # noqa: S608
        " GROUP BY day, version ORDER BY day, version",
        parameters={"i": integration_id},
    ).result_rows
    return {(day, version): count for day, version, count in rows}


def window(client, version, days=DAYS, integration_id=1, per_day=2):
    """Write one window's events and rollup under ``version``, as a sync would."""
    records = [
        event(integration_id, day, f"p{i}@acme.dev", cost=Decimal(version))
        for day in days
        for i in range(per_day)
    ]
    write_events(client, integration_id, version, [records])
    write_daily(client, integration_id, version, rollup.fold({}, records))


def test_events_come_back_exactly_as_written_with_version_and_seq(facts):
    """20-decimal amounts, NULLs, booleans and unicode: equal values, Decimals all of them."""
    records = [
        event(cost=TWENTY, headless=True, email="zoë@acme.dev"),
        event(cost=Decimal("-0.00000000000000000001"), headless=False, charged_cents=TWENTY),
        event(cost=Decimal("99999999999999.99999999999999999999"), kind="Errored, Not Charged"),
    ]
    assert write_events(facts, 1, 7, [records[:2], records[2:]]) == 3
    stored = stored_events(facts)
    assert stored == [(*record, 7, seq) for seq, record in enumerate(records)]
    cost_at = rollup.AT["cost_cents"]
    assert [type(row[cost_at]) for row in stored] == [Decimal] * 3
    assert stored[0][cost_at].normalize() == TWENTY


def test_two_identical_events_are_both_kept(facts):
    twin = event()
    write_events(facts, 1, 1, [[twin, twin]])
    assert [row[:-1] for row in stored_events(facts)] == [(*twin, 1), (*twin, 1)]


def test_seq_numbers_the_whole_window_across_pages_and_batches(facts, monkeypatch):
    monkeypatch.setattr(write, "BATCH_ROWS", 2)
    pages = [[event(ts_ms=t) for t in range(1, 4)], [], [event(ts_ms=t) for t in range(4, 9)]]
    assert write_events(facts, 1, 3, pages) == 8
    ts_at = rollup.AT["ts_ms"]
    assert [(row[ts_at], row[-1]) for row in stored_events(facts)] == [
        (t, t - 1) for t in range(1, 9)
    ]


def test_an_event_of_another_integration_is_refused(facts):
    with pytest.raises(ValueError, match="an event of integration 2 in a write of 1"):
        write_events(facts, 1, 1, [[event(1), event(2)]])
    assert stored_events(facts) == []


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (Decimal("0.0000000000000000000000001"), ValueError),  # 25 decimals
        (Decimal("100000000000000"), ValueError),  # 1e14: 15 digits before the point
        (Decimal("-100000000000000.000000000000000000000001"), ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        (12.5, TypeError),
    ],
)
def test_money_that_decimal_38_24_cannot_hold_exactly_is_refused(facts, amount, error):
    with pytest.raises(error):
        write_events(facts, 1, 1, [[event(cost=amount)]])
    assert stored_events(facts) == []


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("1.5000000000000000000000000000"),  # zeros past the 24th decimal
        Decimal("0E-30"),
        Decimal("0E+20"),
        Decimal("9E+13"),
        Decimal("-99999999999999.999999999999999999999999"),  # the least Decimal(38, 24)
    ],
)
def test_money_written_with_more_digits_than_it_has_is_stored_exactly(facts, amount):
    assert exact(amount) is amount
    write_events(facts, 1, 1, [[event(cost=amount)]])
    assert stored_events(facts)[0][rollup.AT["cost_cents"]] == amount


def test_the_rollup_comes_back_exactly(facts):
    records = [
        event(email="ana@acme.dev", cost=TWENTY),
        event(email="ana@acme.dev", cost=TWENTY, chargeable=False),
        event(email="bo@acme.dev", day=DAYS[1], cost=Decimal("0.00000000000000000001")),
    ]
    acc = rollup.fold({}, records)
    assert write_daily(facts, 1, 5, acc) == 2
    columns = ", ".join(DAILY_COLUMNS)
    rows = facts.query(f"SELECT {columns} FROM usage_daily ORDER BY day, email").result_rows  # noqa: S608
    assert rows == [(1, 5, *key, *sums) for key, sums in sorted(acc.items())]
    spend = MEASURES.index("spend_cents")
    assert acc[(DAY, "ana@acme.dev", "claude-4.5-sonnet", "Usage-based")][spend] == TWENTY * 2


def test_summing_stored_money_in_clickhouse_is_exact(facts):
    """ClickHouse sums Decimal(38, 24) exactly: no float, no rounding, at 20 decimals."""
    amounts = [TWENTY, Decimal("0.00000000000000000001"), Decimal("-3.99999999999999999999")]
    write_events(facts, 1, 1, [[event(cost=amount) for amount in amounts]])
    (total,) = facts.query("SELECT sum(cost_cents) FROM usage_events").result_rows[0]
    assert total == sum(amounts)


def test_garbage_collection_keeps_exactly_the_committed_version_of_each_day(facts):
    for version in (1, 2, 3):
        window(facts, version)
    keep = {DAYS[0]: 2, DAYS[1]: 3}  # DAYS[2] absent: none of its rows is visible
    deleted = collect_garbage(facts, 1, DAYS[0], DAYS[2], keep)
    assert deleted == (18 - 4) * 2  # of 18 events and 18 rollup rows each table keeps 4
    assert versions(facts, "usage_events") == {(DAYS[0], 2): 2, (DAYS[1], 3): 2}
    assert versions(facts, "usage_daily") == {(DAYS[0], 2): 2, (DAYS[1], 3): 2}


def test_an_uncommitted_versions_rows_are_removed(facts):
    """A crash after writing version 2 and before committing it: version 1 stays."""
    window(facts, 1)
    window(facts, 2)  # never committed
    committed = dict.fromkeys(DAYS, 1)
    collect_garbage(facts, 1, DAYS[0], DAYS[-1], committed)
    assert versions(facts, "usage_events") == {(day, 1): 2 for day in DAYS}
    assert versions(facts, "usage_daily") == {(day, 1): 2 for day in DAYS}


def test_garbage_collection_leaves_other_days_and_integrations_alone(facts):
    window(facts, 1)
    window(facts, 1, integration_id=2)
    collect_garbage(facts, 1, DAYS[1], DAYS[1], {})
    assert versions(facts, "usage_events") == {(DAYS[0], 1): 2, (DAYS[2], 1): 2}
    assert versions(facts, "usage_events", integration_id=2) == {(day, 1): 2 for day in DAYS}


def test_garbage_collection_with_nothing_to_delete_queues_no_mutation(facts):
    """A lightweight DELETE is a mutation over every part it covers, even if it matches nothing."""
    window(facts, 1)
    assert collect_garbage(facts, 1, DAYS[0], DAYS[-1], dict.fromkeys(DAYS, 1)) == 0
    (mutations,) = facts.query(  # but the schema's own (step 5)
        "SELECT count() FROM system.mutations WHERE database = currentDatabase()"
        " AND command NOT LIKE '%MATERIALIZE PROJECTION%'"
    ).result_rows[0]
    assert mutations == 0


def test_dropping_an_integration_deletes_its_facts_and_no_others(facts):
    window(facts, 1)
    window(facts, 4, integration_id=2)
    assert drop_integration(facts, 1) == 3 * 2 + 3 * 2
    assert versions(facts, "usage_events") == {}
    assert versions(facts, "usage_daily") == {}
    assert versions(facts, "usage_daily", integration_id=2) == {(day, 4): 2 for day in DAYS}


def test_garbage_collection_without_waiting_queues_the_deletes_that_then_run(facts):
    """No read sees a superseded version, so a sync need not wait for its rows to go."""
    window(facts, 1)
    window(facts, 2)
    assert collect_garbage(facts, 1, DAYS[0], DAYS[-1], dict.fromkeys(DAYS, 2), wait=False) == 12
    mutations = (
        "SELECT table, is_done FROM system.mutations WHERE database = currentDatabase()"
        " AND command NOT LIKE '%MATERIALIZE PROJECTION%'"  # the schema's own (step 5)
    )
    assert sorted(table for table, _ in facts.query(mutations).result_rows) == [
        "usage_daily",
        "usage_events",
    ]
    deadline = time.monotonic() + 60
    while not all(done for _, done in facts.query(mutations).result_rows):
        assert time.monotonic() < deadline, "the queued deletes never ran"
        time.sleep(0.1)
    assert versions(facts, "usage_events") == {(day, 2): 2 for day in DAYS}
    assert versions(facts, "usage_daily") == {(day, 2): 2 for day in DAYS}
