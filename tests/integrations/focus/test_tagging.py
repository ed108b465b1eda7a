"""Owner and team tags in every provider's spelling, and the exact daily sums the reports read."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from pumpview.integrations.focus import importer
from pumpview.integrations.focus.tagging import DEFAULT_KEYS, TagKeys, normal_key
from pumpview.people.aliases import label_form
from pumpview.reports import cloud
from pumpview.store.engine import snapshot
from tests.integrations.focus.test_reader import OFFICIAL

ON_CLICKHOUSE = True
NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    "key",
    ["owner", "Owner", " OWNER ", "user:owner", "resourceTags/user:owner", "userAttribute/owner"],
)
def test_an_owner_key_in_any_providers_spelling(key):
    assert normal_key(key) == "owner"
    assert DEFAULT_KEYS.attribute({key: " Alex@Corp.com "}) == ("alex@corp.com", None)


@pytest.mark.parametrize(
    "key", ["cost-center", "CostCenter", "cost_center", "costCategory/Cost Center"]
)
def test_a_cost_centre_key_in_any_spelling_names_the_team(key):
    assert DEFAULT_KEYS.attribute({key: "1234"}) == (None, "1234")


def test_the_first_configured_key_wins_and_empty_values_do_not_count():
    keys = TagKeys.of(["owner", "email"], ["team", "cost-center"])
    tags = {"email": "b@corp.com", "owner": "", "CostCenter": "cc-9", "Team": "Platform"}
    assert keys.attribute(tags) == ("b@corp.com", "Platform")
    assert keys.attribute({"env": "prod", "owner": None, "team": True}) == (None, None)


def test_an_email_as_a_google_label():
    assert label_form("Alex.Doe@Corp.com") == "alex_doe_corp_com"


def daily_sums(engine) -> dict[tuple[date, str, str | None], Decimal]:
    """(period, provider, team) -> Σ EffectiveCost, as the cloud report sums the daily rows
    (in SQL from their limbs, or in ClickHouse)."""
    with snapshot(engine) as conn:
        rows = cloud.sums(conn, date(1900, 1, 1), date(2299, 12, 31),
                          ("billing_period_start", "provider", "team"))  # fmt: skip
    return {key: costs.effective_cost for key, costs in rows}


def test_the_daily_sums_equal_the_files_own_cells_per_period_provider_and_cost_centre(engine):
    """The official sample tags some rows ``CostCenter``: the sums per (period, provider, team)
    are exact against the cells, summed here with Decimal."""
    want: dict[tuple[date, str, str | None], Decimal] = defaultdict(Decimal)
    with OFFICIAL.open(encoding="utf-8-sig", newline="") as raw:
        for cell in csv.DictReader(raw):
            tags = {} if cell["Tags"] == "NULL" else json.loads(cell["Tags"])
            team = tags.get("CostCenter") or None
            period = date.fromisoformat(cell["BillingPeriodStart"][:10])
            want[(period, cell["ProviderName"], team)] += Decimal(cell["EffectiveCost"])
    importer.import_file(engine, OFFICIAL, source=None, now_ms=NOW)
    got = daily_sums(engine)
    assert got == dict(want)
    assert any(team for _p, _provider, team in got)
