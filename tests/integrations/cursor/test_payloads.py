"""The pure Cursor mappings on captured-shape payloads (``tests/payloads/``), checked against
figures worked by hand from the payloads' numbers; the arithmetic is beside each figure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pumpview import money
from pumpview.integrations.cursor import groups, members, spend, usage_events
from pumpview.store import rollup
from pumpview.store.measures import MEASURES, MONEY, Measures
from pumpview.store.rollup import AT, EVENT_COLUMNS
from pumpview.store.tables import UNATTRIBUTED

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"
INTEGRATION = 7
LISTED_AT = 1_751_000_000_000
JUNE_26 = date(2025, 6, 26)
"""Every event's day: 2025-06-26 starts at 1750896000000 (20265 days x 86400000 ms; 2025-01-01 is
day 20089 = 55 x 365 + 14 leap days, and June 26 is 176 days later), and the newest event,
1750979225854, is 83225854 ms (23:07 UTC) into it."""


def load(name: str) -> Any:
    """A payload file parsed as the client parses Cursor's answers: fractions as Decimal."""
    return money.loads((PAYLOADS / name).read_bytes())


def event_rows(name: str) -> list[dict[str, Any]]:
    """The page's events mapped to store records, each as a dict by ``EVENT_COLUMNS`` name."""
    records = usage_events.to_records(load(name)["usageEvents"], INTEGRATION)
    return [dict(zip(EVENT_COLUMNS, record, strict=True)) for record in records]


def picked(row: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``row`` that ``expected`` names, so a mismatch shows as a dict diff."""
    return {name: row[name] for name in expected}


def folded(name: str) -> dict[tuple[Any, ...], Measures]:
    """The page's events folded into the day x person x model x kind rollup, as ``Measures``."""
    return folded_records(usage_events.to_records(load(name)["usageEvents"], INTEGRATION))


def folded_records(records: list[rollup.Record]) -> dict[tuple[Any, ...], Measures]:
    """Event records folded into the rollup, as ``Measures``."""
    acc = rollup.fold({}, records)
    return {key: Measures(**dict(zip(MEASURES, sums, strict=True))) for key, sums in acc.items()}


# -- POST /teams/filtered-usage-events, 2026 shape ----------------------------------------------


def test_documented_2026_event_fills_every_column() -> None:
    """The docs' first example event maps onto every stored column."""
    assert event_rows("usage_events_2026.json")[0] == {
        "integration_id": INTEGRATION,
        "ts_ms": 1750979225854,
        "day": JUNE_26,
        "email": "developer@company.com",
        "model": "claude-4.5-sonnet",
        "kind": "Usage-based",
        "max_mode": True,
        "token_based": True,
        "chargeable": True,
        "headless": False,
        "input_tokens": 126,
        "output_tokens": 450,
        "cache_write_tokens": 6112,
        "cache_read_tokens": 11964,
        "model_cost_cents": Decimal("20.18232"),
        "discount_percent": None,
        "token_fee_cents": Decimal("1.18"),
        "charged_cents": Decimal("21.36232"),
        "cost_cents": Decimal("21.36232"),  # as sent; the docs' own check: 20.18232 + 1.18
        "requests_costs": Decimal("5"),
        "service_account_id": None,
        "conversation_id": "8f2e4a1b-6c3d-4e5f-9a7b-2d1c8e6f4a3b",
        "extra": None,
    }


def test_charged_cents_is_the_cost_as_sent_not_recomputed() -> None:
    """A discounted 2026 event costs its ``chargedCents`` (37.33), not the formula's 37.3303."""
    expected = {
        "model_cost_cents": Decimal("40.167"),
        "discount_percent": Decimal(10),
        "token_fee_cents": Decimal("1.18"),
        "charged_cents": Decimal("37.33"),
        # as sent; the formula would give 40.167 x (1 - 10/100) + 1.18 = 36.1503 + 1.18 = 37.3303
        "cost_cents": Decimal("37.33"),
        "requests_costs": Decimal(10),
        "conversation_id": None,  # the docs' second example has none
    }
    assert picked(event_rows("usage_events_2026.json")[1], expected) == expected


def test_included_event_is_not_chargeable_and_keeps_its_charged_cents() -> None:
    """``isChargeable: false`` with ``chargedCents: 8`` is an included event costing 8 cents."""
    expected = {
        "kind": "Included in Business",
        "token_based": False,
        "chargeable": False,
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_write_tokens": 0,
        "cache_read_tokens": 0,
        "model_cost_cents": Decimal(0),  # no tokenUsage at all
        "discount_percent": None,
        "token_fee_cents": None,
        "charged_cents": Decimal(8),
        "cost_cents": Decimal(8),
        "requests_costs": Decimal("1.4"),
    }
    assert picked(event_rows("usage_events_2026.json")[2], expected) == expected


def test_service_account_event_keeps_its_account_and_undocumented_columns_as_extra() -> None:
    """A service account's event carries its id; its name and cloud agent go to ``extra``."""
    assert event_rows("usage_events_2026.json")[3] == {
        "integration_id": INTEGRATION,
        "ts_ms": 1750975012345,
        "day": JUNE_26,
        "email": "agent-runner@company.com",
        "model": "gpt-5",
        "kind": "Usage-based",
        "max_mode": False,
        "token_based": True,
        "chargeable": True,
        "headless": True,
        "input_tokens": 2048,
        "output_tokens": 512,
        "cache_write_tokens": 0,
        "cache_read_tokens": 8192,
        # 2048 x 125/1e6 + 512 x 1000/1e6 + 8192 x 12.5/1e6 = 0.256 + 0.512 + 0.1024 = 0.8704
        "model_cost_cents": Decimal("0.8704"),
        "discount_percent": None,
        # (2048 + 512 + 0 + 8192) x 25/1e6 = 10752 x 0.000025 = 0.2688
        "token_fee_cents": Decimal("0.2688"),
        "charged_cents": Decimal("1.1392"),
        "cost_cents": Decimal("1.1392"),  # 0.8704 + 0.2688
        "requests_costs": Decimal(1),
        "service_account_id": "sa_abc123",
        "conversation_id": "1c9d7e3a-2b4f-4a6e-8d5c-7f3e9b1a2c4d",
        "extra": '{"serviceAccountName":"Agent Runner","cloudAgentId":"bc-5e1f0a9c3b72"}',
    }


def test_event_without_user_email_is_unattributed() -> None:
    """An event with no ``userEmail`` (a removed user) lands in the explicit unattributed bucket."""
    row = event_rows("usage_events_2026.json")[4]
    assert UNATTRIBUTED == ""
    expected = {
        "email": "",
        "cost_cents": Decimal("1.28"),  # 1.2 + 0.08
        "service_account_id": None,
        "extra": None,
    }
    assert picked(row, expected) == expected


def test_errored_event_is_free_and_not_charged() -> None:
    """ "Errored, Not Charged" without ``requestsCosts`` costs 0 and is classed ``not_charged``."""
    row = event_rows("usage_events_2026.json")[5]
    expected = {
        "kind": "Errored, Not Charged",
        "chargeable": False,
        "token_based": False,
        "model_cost_cents": Decimal(0),
        "token_fee_cents": None,
        "charged_cents": Decimal(0),
        "cost_cents": Decimal(0),
        "requests_costs": None,
    }
    assert picked(row, expected) == expected
    assert rollup.request_class(row["kind"], row["requests_costs"], row["cost_cents"]) == (
        "not_charged"
    )


def test_event_email_is_matched_case_insensitively() -> None:
    """``Developer@Company.com`` is stored as the roster's ``developer@company.com``."""
    assert event_rows("usage_events_2026.json")[6]["email"] == "developer@company.com"


def test_unknown_fields_are_kept_as_json_in_the_order_sent() -> None:
    """Fields we do not model survive in ``extra`` in Cursor's order, strings and objects intact."""
    extra = json.loads(event_rows("usage_events_2026.json")[6]["extra"])
    assert list(extra) == ["modelProvider", "routing", "cacheSavingsCents"]
    assert extra["modelProvider"] == "anthropic"
    assert extra["routing"] == {"region": "us-east-1", "attempt": 2}


def test_unknown_fractional_field_stays_a_json_number() -> None:
    """An unknown money field comes back from ``extra`` as the number Cursor sent."""
    extra = money.loads(event_rows("usage_events_2026.json")[6]["extra"])
    assert extra == {
        "modelProvider": "anthropic",
        "routing": {"region": "us-east-1", "attempt": 2},
        "cacheSavingsCents": Decimal("0.135"),
    }


def test_amounts_with_20_decimals_and_exponents_are_exact() -> None:
    """19 and 20 decimals and exponent notation (``1.175...e-3``, ``5e-05``) keep every digit."""
    expected = {
        "model_cost_cents": Decimal("0.0011250000000000001"),  # 19 decimals, as sent
        "token_fee_cents": Decimal("0.00005"),  # 5e-05
        "charged_cents": Decimal("0.00117500000000000001"),  # 1.17500000000000001e-3: 20 decimals
        "cost_cents": Decimal("0.00117500000000000001"),
    }
    assert picked(event_rows("usage_events_2026.json")[7], expected) == expected


def test_every_money_column_is_a_decimal() -> None:
    """Money columns hold ``Decimal`` (never float or int) or ``None``, on both payload shapes."""
    money_columns = (
        "model_cost_cents",
        "discount_percent",
        "token_fee_cents",
        "charged_cents",
        "cost_cents",
        "requests_costs",
    )
    rows = event_rows("usage_events_2026.json") + event_rows("usage_events_2025.json")
    kinds = {type(row[c]).__name__ for row in rows for c in money_columns}
    assert kinds == {"Decimal", "NoneType"}
    assert {type(row["cost_cents"]) for row in rows} == {Decimal}


def test_request_class_of_each_2026_event() -> None:
    """Fast when request units or cost are positive, slow when neither, errored apart."""
    records = usage_events.to_records(load("usage_events_2026.json")["usageEvents"], INTEGRATION)
    classes = [
        rollup.request_class(r[AT["kind"]], r[AT["requests_costs"]], r[AT["cost_cents"]])
        for r in records
    ]
    assert classes == [
        "fast",  # 5 units, 21.36232 cents
        "fast",  # 10 units
        "fast",  # 1.4 units, 8 cents
        "fast",  # service account, 1 unit
        "fast",  # unattributed, 1 unit
        "not_charged",  # Errored, Not Charged
        "fast",  # 1 unit
        "fast",  # 1 unit, 0.00117500000000000001 cents
        "slow",  # 0 units, 0 cents, included
    ]


def test_2026_page_rolls_up_per_day_person_model_and_kind() -> None:
    """``fold`` sums the page into six keys with hand-added measures."""
    assert folded("usage_events_2026.json") == {
        (JUNE_26, "developer@company.com", "claude-4.5-sonnet", "Usage-based"): Measures(
            events=3,  # the two documented events and the mixed-case one
            spend_cents=Decimal("59.19732"),  # 21.36232 + 37.33 + 0.505
            on_demand_cents=Decimal("59.19732"),  # all three chargeable
            included_cents=Decimal(0),
            model_cost_cents=Decimal("60.81432"),  # 20.18232 + 40.167 + 0.465
            token_fee_cents=Decimal("2.40"),  # 1.18 + 1.18 + 0.04
            input_tokens=6931,  # 126 + 5805 + 1000
            output_tokens=861,  # 450 + 311 + 100
            cache_write_tokens=18076,  # 6112 + 11964 + 0
            cache_read_tokens=12464,  # 11964 + 0 + 500
            fast_requests=3,
            max_mode_events=2,  # the two documented events; the mixed-case one is not
            list_cents=Decimal("63.21432"),  # token-based: model cost + fee, 60.81432 + 2.40
        ),
        (JUNE_26, "admin@company.com", "claude-4-sonnet-thinking", "Included in Business"): (
            Measures(
                events=2,
                spend_cents=Decimal(8),  # 8 + 0
                included_cents=Decimal(8),  # neither is chargeable
                fast_requests=1,  # 1.4 units
                slow_requests=1,  # 0 units, 0 cents
                max_mode_events=1,  # the documented one; the slow one is not
                list_cents=Decimal(8),  # request-based: what Cursor charged, 8 + 0
            )
        ),
        (JUNE_26, "agent-runner@company.com", "gpt-5", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("1.1392"),
            on_demand_cents=Decimal("1.1392"),
            model_cost_cents=Decimal("0.8704"),
            token_fee_cents=Decimal("0.2688"),
            input_tokens=2048,
            output_tokens=512,
            cache_read_tokens=8192,
            fast_requests=1,
            list_cents=Decimal("1.1392"),  # 0.8704 + 0.2688
        ),
        (JUNE_26, "", "claude-4.5-sonnet", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("1.28"),
            on_demand_cents=Decimal("1.28"),
            model_cost_cents=Decimal("1.2"),  # 3000 x 300/1e6 + 200 x 1500/1e6 = 0.9 + 0.3
            token_fee_cents=Decimal("0.08"),  # 3200 x 25/1e6
            input_tokens=3000,
            output_tokens=200,
            fast_requests=1,
            list_cents=Decimal("1.28"),  # 1.2 + 0.08
        ),
        (JUNE_26, "admin@company.com", "gpt-5", "Errored, Not Charged"): Measures(
            events=1,
            not_charged_requests=1,  # Not Charged: no list price either
        ),
        (JUNE_26, "developer@company.com", "gpt-5", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("0.00117500000000000001"),
            on_demand_cents=Decimal("0.00117500000000000001"),
            model_cost_cents=Decimal("0.0011250000000000001"),
            token_fee_cents=Decimal("0.00005"),
            input_tokens=1,
            output_tokens=1,
            fast_requests=1,
            list_cents=Decimal("0.0011750000000000001"),  # 0.0011250000000000001 + 0.00005
        ),
    }


def test_2026_page_totals_match_the_hand_sums() -> None:
    """Across its six keys the page adds up to 9 events and the hand-summed spend."""
    totals = folded("usage_events_2026.json").values()
    assert sum(m.events for m in totals) == 9
    # 59.19732 + 8 = 67.19732; + 1.1392 = 68.33652; + 1.28 = 69.61652; + 0 (errored)
    #   + 0.00117500000000000001 = 69.61769500000000000001
    assert sum((m.spend_cents for m in totals), Decimal(0)) == Decimal("69.61769500000000000001")
    # the same less the 8 included cents: 69.617695... - 8
    assert sum((m.on_demand_cents for m in totals), Decimal(0)) == Decimal(
        "61.61769500000000000001"
    )
    assert sum(m.fast_requests + m.slow_requests + m.not_charged_requests for m in totals) == 9
    assert sum(m.max_mode_events for m in totals) == 3  # the docs' three examples


# -- POST /teams/filtered-usage-events, old (2025) shape ----------------------------------------


def test_old_event_costs_discounted_total_plus_fee() -> None:
    """Without ``chargedCents``: 40.16699999999999 x (1 - 10/100) + 1.18, chargeable by its kind."""
    assert event_rows("usage_events_2025.json")[0] == {
        "integration_id": INTEGRATION,
        "ts_ms": 1750979173824,
        "day": JUNE_26,
        "email": "developer@company.com",
        "model": "claude-4-opus",
        "kind": "Usage-based",
        "max_mode": True,
        "token_based": True,
        "chargeable": True,  # kind "Usage-based"; there is no isChargeable
        "headless": None,  # no isHeadless before 2026
        "input_tokens": 5805,
        "output_tokens": 311,
        "cache_write_tokens": 11964,
        "cache_read_tokens": 0,
        "model_cost_cents": Decimal("40.16699999999999"),
        "discount_percent": Decimal(10),
        "token_fee_cents": Decimal("1.18"),
        "charged_cents": None,
        # 40.16699999999999 x 9 = 361.50299999999991; / 10 = 36.150299999999991; + 1.18
        "cost_cents": Decimal("37.330299999999991"),
        "requests_costs": Decimal(10),
        "service_account_id": None,
        "conversation_id": None,
        "extra": '{"isFreeBugbot":false}',
    }


def test_old_request_based_included_event_costs_only_its_zero_fee() -> None:
    """An old non-token included event (``cursorTokenFee: 0``, no tokenUsage) costs 0."""
    expected = {
        "chargeable": False,  # "Included in Business" is not "Usage-based"
        "model_cost_cents": Decimal(0),
        "token_fee_cents": Decimal(0),
        "charged_cents": None,
        "cost_cents": Decimal(0),  # 0 + 0
        "requests_costs": Decimal("1.4"),
    }
    assert picked(event_rows("usage_events_2025.json")[1], expected) == expected


def test_old_event_without_fee_costs_its_discounted_total() -> None:
    """A first-party model has no ``cursorTokenFee``: 0.6625 x (1 - 15/100) = 0.563125."""
    expected = {
        "model": "composer-1",
        "chargeable": True,
        # 2000 x 125/1e6 + 400 x 1000/1e6 + 1000 x 12.5/1e6 = 0.25 + 0.4 + 0.0125
        "model_cost_cents": Decimal("0.6625"),
        "discount_percent": Decimal(15),
        "token_fee_cents": None,
        "cost_cents": Decimal("0.563125"),  # 0.6625 x 85 = 56.3125; / 100
    }
    assert picked(event_rows("usage_events_2025.json")[2], expected) == expected


def test_old_event_with_20_decimals_and_an_exponent_fee_is_exact() -> None:
    """0.00250000000000000012 x (1 - 20/100) + 1.5e-4 keeps all 21 decimals of the result."""
    expected = {
        "model_cost_cents": Decimal("0.00250000000000000012"),
        "discount_percent": Decimal(20),
        "token_fee_cents": Decimal("0.00015"),  # 1.5e-4 = 6 tokens x 25/1e6
        # 0.0025 x 0.8 = 0.002 and 0.00000000000000000012 x 0.8 = 0.000000000000000000096,
        # so 0.002000000000000000096 + 0.00015
        "cost_cents": Decimal("0.002150000000000000096"),
    }
    assert picked(event_rows("usage_events_2025.json")[3], expected) == expected


def test_old_events_are_chargeable_by_kind_with_no_charged_cents() -> None:
    """Old events: chargeable iff kind is "Usage-based"; no ``charged_cents``, no ``headless``."""
    rows = event_rows("usage_events_2025.json")
    assert [r["chargeable"] for r in rows] == [True, False, True, True]
    assert {r["charged_cents"] for r in rows} == {None}
    assert {r["headless"] for r in rows} == {None}


def test_old_page_rolls_up_on_demand_and_included_apart() -> None:
    """``fold`` on the old page: one key per event, on-demand only where kind is "Usage-based"."""
    assert folded("usage_events_2025.json") == {
        (JUNE_26, "developer@company.com", "claude-4-opus", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("37.330299999999991"),
            on_demand_cents=Decimal("37.330299999999991"),
            model_cost_cents=Decimal("40.16699999999999"),
            token_fee_cents=Decimal("1.18"),
            input_tokens=5805,
            output_tokens=311,
            cache_write_tokens=11964,
            fast_requests=1,
            max_mode_events=1,
            list_cents=Decimal(
                "41.34699999999999"
            ),  # before the discount: 40.16699999999999 + 1.18
        ),
        (JUNE_26, "admin@company.com", "claude-4-sonnet-thinking", "Included in Business"): (
            # 1.4 request units, 0 cents; no chargedCents: list at the legacy $0.04 a unit
            Measures(events=1, fast_requests=1, max_mode_events=1, list_cents=Decimal("5.6"))
        ),
        (JUNE_26, "admin@company.com", "composer-1", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("0.563125"),
            on_demand_cents=Decimal("0.563125"),
            model_cost_cents=Decimal("0.6625"),
            input_tokens=2000,
            output_tokens=400,
            cache_read_tokens=1000,
            fast_requests=1,
            list_cents=Decimal("0.6625"),  # before the discount, no fee
        ),
        (JUNE_26, "developer@company.com", "gpt-5", "Usage-based"): Measures(
            events=1,
            spend_cents=Decimal("0.002150000000000000096"),
            on_demand_cents=Decimal("0.002150000000000000096"),
            model_cost_cents=Decimal("0.00250000000000000012"),
            token_fee_cents=Decimal("0.00015"),
            input_tokens=4,
            output_tokens=2,
            fast_requests=1,
            list_cents=Decimal("0.00265000000000000012"),  # 0.00250000000000000012 + 0.00015
        ),
    }


def test_an_event_without_max_mode_is_not_max_mode() -> None:
    """An event that lacks ``maxMode`` (an older payload may) is stored and counted as not Max
    mode; ``false`` and ``true`` are taken as sent."""
    sent = load("usage_events_2025.json")["usageEvents"][:2]  # maxMode true, true
    without = {k: v for k, v in sent[0].items() if k != "maxMode"}
    off = {**sent[1], "maxMode": False}
    records = usage_events.to_records([without, off, sent[0]], INTEGRATION)
    assert [r[AT["max_mode"]] for r in records] == [False, False, True]
    counts = {key[2]: m.max_mode_events for key, m in folded_records(records).items()}
    assert counts == {"claude-4-opus": 1, "claude-4-sonnet-thinking": 0}  # 0 + 1; 0


def test_rollup_money_is_decimal() -> None:
    """Every money measure of both rollups is a ``Decimal``."""
    for name in ("usage_events_2026.json", "usage_events_2025.json"):
        for measures in folded(name).values():
            assert {type(getattr(measures, m)) for m in MONEY} == {Decimal}


# -- GET /teams/members ------------------------------------------------------------------------


def test_members_2026_rows() -> None:
    """The documented roster plus a removed member, a mixed-case email and a snake_case extra."""
    base = {"integration_id": INTEGRATION, "service_account_id": None, "listed_at_ms": LISTED_AT,
            "first_listed_at_ms": LISTED_AT}  # fmt: skip
    assert members.to_rows(load("members_2026.json"), INTEGRATION, LISTED_AT) == [
        {
            **base,
            "email": "developer@company.com",
            "name": "Alex",
            "role": "member",
            "user_id": "user_PDSPmvukpYgZEDXsoNirw3CFhy",
            "is_removed": False,
        },
        {
            **base,
            "email": "admin@company.com",
            "name": "Sam",
            "role": "owner",
            "user_id": "user_kljUvI0ASZORvSEXf9hV0ydcso",
            "is_removed": False,
        },
        {
            **base,
            "email": "priya.singh@company.com",
            "name": "Priya Singh",
            "role": "free-owner",
            "user_id": "user_q8ZtN3xLw0RbVcY7HsKfJ2mDpE",  # id, not the internal user_id 48213
            "is_removed": False,
        },
        {
            **base,
            "email": "jonas.berg@company.com",
            "name": "Jonas Berg",
            "role": "member",
            "user_id": "user_Xh4kP9sWv2LmTq6RnYb0CzJdAe",
            "is_removed": True,
        },
    ]


def test_members_numeric_ids_become_strings() -> None:
    """Numeric ids (an earlier 2026 revision of Cursor's docs) are stored as text."""
    rows = members.to_rows(load("members_2026a.json"), INTEGRATION, LISTED_AT)
    assert [(r["email"], r["user_id"]) for r in rows] == [
        ("developer@company.com", "12345"),
        ("admin@company.com", "12346"),
    ]


def test_members_first_release_bare_list() -> None:
    """The first release's bare array, without id or isRemoved: no id, not removed."""
    rows = members.to_rows(load("members_2025.json"), INTEGRATION, LISTED_AT)
    assert [(r["email"], r["name"], r["role"], r["user_id"], r["is_removed"]) for r in rows] == [
        ("developer@company.com", "Alex", "member", None, False),
        ("admin@company.com", "Sam", "owner", None, False),
    ]


# -- POST /teams/spend -------------------------------------------------------------------------


def test_spend_2026_rows() -> None:
    """The documented spend answer, its cycle start 1708992000000 read as 2024-02-27."""
    # 1708992000000 / 86400000 = 19780 days; 2024-01-01 is day 19723 (54 x 365 + 13 leap days),
    # and 57 days later is February 27
    base = {
        "integration_id": INTEGRATION,
        "taken_at_ms": LISTED_AT,
        "cycle_start": date(2024, 2, 27),
        "cycle_start_ms": 1708992000000,  # the instant, as sent
    }
    assert spend.to_rows(load("spend_2026.json"), INTEGRATION, LISTED_AT) == [
        {
            **base,
            "email": "developer@company.com",
            "user_id": "user_PDSPmvukpYgZEDXsoNirw3CFhy",
            "spend_cents": Decimal("2450.125487"),
            "overall_spend_cents": Decimal("2450.125487"),
            "fast_premium_requests": 1250,
            "hard_limit_dollars": Decimal(100),
            "monthly_limit_dollars": Decimal(200),
            "effective_limit_dollars": Decimal(100),
        },
        {
            **base,
            "email": "admin@company.com",
            "user_id": "user_kljUvI0ASZORvSEXf9hV0ydcso",
            "spend_cents": Decimal("1875.500123"),
            "overall_spend_cents": Decimal("3200.750456"),
            "fast_premium_requests": 980,
            "hard_limit_dollars": Decimal(0),  # 0 = no override, kept as sent
            "monthly_limit_dollars": None,
            "effective_limit_dollars": Decimal(50),
        },
    ]
    assert spend.total_pages(load("spend_2026.json")) == 1


def test_spend_2025_rows_without_the_2026_fields() -> None:
    """The 2025 shape (no userId, overall spend or limits beyond the hard one) maps to None."""
    # 1748736000000 / 86400000 = 20240 days = 2025-01-01 (day 20089) + 151 days: June 1
    base = {
        "integration_id": INTEGRATION,
        "taken_at_ms": LISTED_AT,
        "cycle_start": date(2025, 6, 1),
        "cycle_start_ms": 1748736000000,
    }
    none = {"user_id": None, "overall_spend_cents": None}
    limits = {"monthly_limit_dollars": None, "effective_limit_dollars": None}
    assert spend.to_rows(load("spend_2025.json"), INTEGRATION, LISTED_AT) == [
        {
            **base,
            **none,
            **limits,
            "email": "developer@company.com",
            "spend_cents": Decimal(2450),
            "fast_premium_requests": 1250,
            "hard_limit_dollars": Decimal(100),
        },
        {
            **base,
            **none,
            **limits,
            "email": "admin@company.com",  # sent as Admin@Company.com
            "spend_cents": Decimal(3200),
            "fast_premium_requests": 980,
            "hard_limit_dollars": Decimal(0),
        },
    ]
    rows = spend.to_rows(load("spend_2025.json"), INTEGRATION, LISTED_AT)
    assert {type(r["spend_cents"]) for r in rows} == {Decimal}


# -- GET /teams/groups -------------------------------------------------------------------------


def test_groups_rows_and_current_members() -> None:
    """Each billing group and only its current members; former and unassigned people in none."""
    group_rows, member_rows = groups.to_rows(load("groups_2026.json"), INTEGRATION)
    assert group_rows == [
        {"integration_id": INTEGRATION, "group_id": "group_9f3kQ2mZ7xLw", "name": "Engineering"},
        {"integration_id": INTEGRATION, "group_id": "group_4tHn8vBc1yRe", "name": "Data Science"},
        {"integration_id": INTEGRATION, "group_id": "group_0pWx5sDf6gHj", "name": "Design"},
    ]
    assert member_rows == [
        {
            "integration_id": INTEGRATION,
            "group_id": "group_9f3kQ2mZ7xLw",
            "email": "developer@company.com",
            "joined_at_ms": _ms(datetime(2026, 1, 15, 9, 30, tzinfo=UTC)),
        },
        {
            "integration_id": INTEGRATION,
            "group_id": "group_9f3kQ2mZ7xLw",
            "email": "priya.singh@company.com",
            "joined_at_ms": _ms(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        },
        {
            "integration_id": INTEGRATION,
            "group_id": "group_4tHn8vBc1yRe",
            "email": "admin@company.com",
            "joined_at_ms": _ms(datetime(2026, 2, 1, 12, 0, tzinfo=UTC)),
        },
    ]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000


def test_a_members_join_instant_that_is_not_one_is_none() -> None:
    """``joinedAt`` absent or not an instant is no join instant, never a failed sync."""
    payload = {"groups": [{"id": "g", "name": "G", "currentMembers": [
        {"email": "a@x.dev"}, {"email": "b@x.dev", "joinedAt": "last spring"},
        {"email": "c@x.dev", "joinedAt": 1700000000}]}]}  # fmt: skip
    _, member_rows = groups.to_rows(payload, INTEGRATION)
    assert [r["joined_at_ms"] for r in member_rows] == [None, None, None]


def test_an_old_event_with_a_fractional_discount_costs_exactly() -> None:
    """The old-payload formula is evaluated exactly, not in Python's default 28 digits."""
    event = {
        "timestamp": "1750979225854",
        "userEmail": "dev@company.com",
        "model": "claude-4-opus",
        "kind": "Usage-based",
        "tokenUsage": {
            "totalCents": Decimal("40.16699999999999"),
            "discountPercentOff": Decimal("33.33333333333333"),
        },
    }
    record = usage_events.to_record(event, 1)
    # 40.16699999999999 x 66.66666666666667 / 100, worked with fractions: 33 significant digits
    assert record[AT["cost_cents"]] == Decimal("26.777999999999994672233333333333")
