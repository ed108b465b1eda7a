"""Billing usage (premium requests, AI credits): echo rules, exact amounts, the monthly allowance
consumed in time order, the org aggregate, and the switch to AI credits on its date."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview import money
from pumpview.simulator.github import truth
from tests.simulator.github.conftest import TODAY

ORG = "/organizations/acme/settings/billing"
CREDITS = f"{ORG}/ai_credit/usage"
PREMIUM = f"{ORG}/premium_request/usage"
DOCS = "https://docs.github.com/rest/billing/usage"
FIELDS = (
    "gross_quantity",
    "gross_amount",
    "discount_quantity",
    "discount_amount",
    "net_quantity",
    "net_amount",
)
SWITCH = date(2026, 6, 1)


def usage(client, path, **params):
    response = client.get(path, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    return money.loads(response.text)


def as_lines(items):
    """Usage items as {(model, sku): Line}."""
    return {
        (i["model"], i["sku"]): truth.Line(
            unit_type=i["unitType"],
            price_per_unit=i["pricePerUnit"],
            gross_quantity=i["grossQuantity"],
            gross_amount=i["grossAmount"],
            discount_quantity=i["discountQuantity"],
            discount_amount=i["discountAmount"],
            net_quantity=i["netQuantity"],
            net_amount=i["netAmount"],
        )
        for i in items
    }


def path_for(day):
    return PREMIUM if day < SWITCH else CREDITS


def summed(lines):
    """Lines summed per (model, sku): the aggregate of a set of users or days."""
    sums = {}
    for (_login, model, sku), line in lines:
        found = sums.get((model, sku))
        if found is None:
            sums[model, sku] = line
            continue
        sums[model, sku] = truth.Line(
            line.unit_type,
            line.price_per_unit,
            *(getattr(found, f) + getattr(line, f) for f in FIELDS),
        )
    return sums


@pytest.mark.parametrize(
    "day", [date(2026, 5, 12), date(2026, 5, 29), date(2026, 11, 3), date(2026, 12, 4)]
)
def test_each_users_day_equals_the_truth_exactly(shared, day):
    """Per user per day, every usage item equals the ground truth's line, field for field."""
    org = shared.sim.org
    expected = truth.billing_truth(org, day)
    assert expected
    with shared.client() as client:
        for user in org.users:
            body = usage(
                client, path_for(day), year=day.year, month=day.month, day=day.day, user=user.login
            )
            mine = {
                (m, s): line
                for (login, m, s), line in expected.items()
                if login == user.login.lower()
            }
            assert as_lines(body["usageItems"]) == mine


@pytest.mark.parametrize("day", [date(2026, 5, 12), date(2026, 11, 3)])
def test_org_aggregate_of_a_day_is_the_sum_over_users(shared, day):
    """Without ``user`` the answer is per model, the sum of every user's line."""
    with shared.client() as client:
        body = usage(client, path_for(day), year=day.year, month=day.month, day=day.day)
    assert "user" not in body
    assert as_lines(body["usageItems"]) == summed(truth.billing_truth(shared.sim.org, day).items())


def test_org_aggregate_of_a_month_is_the_sum_over_its_days(shared):
    """A month's aggregate is the sum of its days' lines (to the present's day)."""
    org = shared.sim.org
    lines = []
    day = date(2026, 11, 1)
    while day.month == 11:
        lines.extend(truth.billing_truth(org, day).items())
        day += timedelta(days=1)
    with shared.client() as client:
        body = usage(client, CREDITS, year=2026, month=11)
    assert as_lines(body["usageItems"]) == summed(lines)


def heavy_user(org, first):
    """A login whose usage in ``first``'s month exceeds the monthly allowance."""
    gross = defaultdict(Decimal)
    day = first
    while day.month == first.month and day <= TODAY:
        for (login, _m, _s), line in truth.billing_truth(org, day).items():
            gross[login] += line.gross_quantity
        day += timedelta(days=1)
    allowance = Decimal(300 if first < SWITCH else 1900)
    over = sorted(login for login, total in gross.items() if total > allowance)
    assert over, "the seed plants no user over the allowance"
    return over[0], allowance


@pytest.mark.parametrize("first", [date(2026, 5, 1), date(2026, 11, 1)])
def test_allowance_absorbs_usage_in_time_order_then_net_is_billed(shared, first):
    """For a user over the allowance, day by day: the cumulative discount is the cumulative
    gross capped at the allowance, and net is positive only once the allowance is spent."""
    login, allowance = heavy_user(shared.sim.org, first)
    cumulative_gross = cumulative_discount = Decimal(0)
    with shared.client() as client:
        day = first
        while day.month == first.month:
            items = usage(
                client, path_for(day), year=day.year, month=day.month, day=day.day, user=login
            )["usageItems"]
            spent_before = cumulative_gross >= allowance
            for item in items:
                cumulative_gross += item["grossQuantity"]
                cumulative_discount += item["discountQuantity"]
                if spent_before:
                    assert item["discountQuantity"] == 0
            assert cumulative_discount == min(cumulative_gross, allowance)
            if sum(i["netQuantity"] for i in items) > 0:
                assert cumulative_gross > allowance
            day += timedelta(days=1)
        month = usage(client, path_for(first), year=first.year, month=first.month, user=login)
    assert cumulative_discount == allowance
    assert sum(i["discountQuantity"] for i in month["usageItems"]) == allowance
    assert sum(i["netAmount"] for i in month["usageItems"]) > 0


def test_amounts_are_quantity_times_price_and_exact_in_decimal(shared):
    """net = gross - discount, amount = quantity x price; numbers have at most 4 decimals."""
    with shared.client() as client:
        texts = [
            client.get(PREMIUM, params={"year": 2026, "month": 5}).text,
            client.get(CREDITS, params={"year": 2026, "month": 11}).text,
        ]
    for text in texts:
        assert not re.search(r"\d\.\d{5,}", text)
        for item in money.loads(text)["usageItems"]:
            price = item["pricePerUnit"]
            assert item["netQuantity"] == item["grossQuantity"] - item["discountQuantity"]
            for kind in ("gross", "discount", "net"):
                assert item[f"{kind}Amount"] == item[f"{kind}Quantity"] * price


def test_premium_requests_are_fractional_through_multipliers(shared):
    """Premium quantities are requests times the model multiplier: some are fractional."""
    with shared.client() as client:
        items = usage(client, PREMIUM, year=2026, month=5)["usageItems"]
    assert {i["unitType"] for i in items} == {"requests"}
    assert {i["pricePerUnit"] for i in items} == {Decimal("0.04")}
    assert {i["sku"] for i in items} == {"Copilot Premium Request"}
    assert any(Decimal(i["grossQuantity"]) % 1 for i in items)


def test_the_switch_to_ai_credits_on_its_date(shared):
    """Until May 31 usage is premium requests; from June 1 AI credits ($0.01 a credit); each
    endpoint is empty on the other side of the switch."""
    with shared.client() as client:
        may_premium = usage(client, PREMIUM, year=2026, month=5, day=31)["usageItems"]
        may_credits = usage(client, CREDITS, year=2026, month=5, day=31)["usageItems"]
        june_premium = usage(client, PREMIUM, year=2026, month=6, day=1)["usageItems"]
        june_credits = usage(client, CREDITS, year=2026, month=6, day=1)["usageItems"]
        year_premium = usage(client, PREMIUM, year=2026)["usageItems"]
    assert may_premium
    assert june_credits
    assert may_credits == june_premium == []
    assert {(i["product"], i["sku"], i["unitType"], i["pricePerUnit"]) for i in june_credits} == {
        ("Copilot", "Copilot AI Credits", "credits", Decimal("0.01"))
    }
    april_may = []
    for month in (4, 5):
        day = date(2026, month, 1)
        while day.month == month:
            april_may.extend(truth.billing_truth(shared.sim.org, day).items())
            day += timedelta(days=1)
    assert as_lines(year_premium) == summed(april_may)


@pytest.mark.parametrize(
    ("params", "period"),
    [
        ({}, {"year": 2026}),
        ({"year": "2026"}, {"year": 2026}),
        ({"year": "2026", "month": "11"}, {"year": 2026, "month": 11}),
        ({"year": "2026", "month": "11", "day": "3"}, {"year": 2026, "month": 11, "day": 3}),
        ({"day": "3"}, {"year": 2026, "day": 3}),
    ],
)
def test_time_period_echoes_what_was_sent(shared, params, period):
    """``timePeriod`` holds the year (sent or the current one) and only the month and day sent."""
    with shared.client() as client:
        body = usage(client, CREDITS, **params)
    assert body["timePeriod"] == period
    assert body["organization"] == "acme"


def test_day_without_month_is_that_day_of_the_current_month(shared):
    """``day=3`` alone means the 3rd of the present's month."""
    with shared.client() as client:
        alone = usage(client, CREDITS, day=3)["usageItems"]
        full = usage(client, CREDITS, year=2026, month=12, day=3)["usageItems"]
    assert alone == full


def test_user_is_case_insensitive_and_echoed_as_sent(shared):
    """``user`` matches whatever its case and is echoed exactly as sent."""
    login = shared.sim.org.users[0].login
    with shared.client() as client:
        upper = usage(client, CREDITS, year=2026, month=11, user=login.upper())
        lower = usage(client, CREDITS, year=2026, month=11, user=login.lower())
    assert upper["user"] == login.upper()
    assert upper["usageItems"] == lower["usageItems"] != []


def test_model_and_product_filters_are_case_insensitive_and_echoed(shared):
    """``model`` narrows to one model and ``product`` to one product, any case; both echoed."""
    with shared.client() as client:
        body = usage(client, CREDITS, year=2026, month=11, model="gpt-5", product="COPILOT")
        other = usage(client, CREDITS, year=2026, month=11, product="Actions")
    assert [i["model"] for i in body["usageItems"]] == ["GPT-5"]
    assert (body["model"], body["product"]) == ("gpt-5", "COPILOT")
    assert other["usageItems"] == []


def test_unknown_user_and_future_day_have_no_items(shared):
    """A login with no seat, and a day after the present, answer 200 with no usage items."""
    with shared.client() as client:
        nobody = usage(client, CREDITS, year=2026, month=11, user="nobody-at-all")
        future = usage(client, CREDITS, year=2026, month=12, day=8)
    assert nobody["usageItems"] == future["usageItems"] == []


def test_a_period_older_than_24_months_is_400(shared):
    """Only the past 24 months are available: an older month is 400."""
    with shared.client() as client:
        response = client.get(CREDITS, params={"year": 2024, "month": 11})
    assert response.status_code == 400
    assert money.loads(response.text) == {
        "message": "Usage data is only available for the past 24 months.",
        "documentation_url": DOCS,
        "status": "400",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"month": "13"},
        {"day": "0"},
        {"year": "twenty"},
        {"year": "2026", "month": "2", "day": "30"},
    ],
)
def test_invalid_period_is_400(shared, params):
    """A month, day or year that is not a valid calendar value is 400."""
    with shared.client() as client:
        assert client.get(CREDITS, params=params).status_code == 400


def test_enterprise_owned_org_refuses_the_user_filter(serve):
    """Enterprise-owned: ``user=`` is 403 with the observed message; the aggregate works."""
    served = serve(members=6, days=20, enterprise_owned=True)
    with served.client() as client:
        refused = client.get(CREDITS, params={"year": 2026, "month": 12, "user": "x"})
        aggregate = client.get(CREDITS, params={"year": 2026, "month": 12})
    assert refused.status_code == 403
    assert money.loads(refused.text)["message"] == (
        "Organization admins for enterprise owned organizations cannot filter usage by user"
    )
    assert aggregate.status_code == 200


def test_user_sku_style_spells_credits_the_other_documented_way(serve):
    """``sku_style="user"``: product "Copilot AI Credits", sku "AI Credit", "ai-credits"."""
    served = serve(members=6, days=20, sku_style="user")
    with served.client() as client:
        items = usage(client, CREDITS, year=2026, month=12)["usageItems"]
    assert items
    assert {(i["product"], i["sku"], i["unitType"]) for i in items} == {
        ("Copilot AI Credits", "AI Credit", "ai-credits")
    }
    assert {sku for _l, _m, sku in truth.billing_truth(served.sim.org, date(2026, 12, 1))} <= {
        "AI Credit"
    }


def test_enterprise_plan_has_the_larger_allowance(serve):
    """On the enterprise plan 3,900 credits a month are included: less is billed net."""
    business = serve(members=20, days=20)
    enterprise = serve(members=20, days=20, plan="enterprise")
    nets = []
    for served in (business, enterprise):
        with served.client() as client:
            items = usage(client, CREDITS, year=2026, month=12)["usageItems"]
        nets.append(sum(i["netQuantity"] for i in items))
        gross = sum(i["grossQuantity"] for i in items)
    assert nets[1] <= nets[0]
    assert gross > 0
