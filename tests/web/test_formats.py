"""How figures read on the pages: cloud amounts with their currency, unit costs by one rule, a
team with no dates as the team alone; /docs groups the API by the page it is the twin of."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal

from pumpview.timeutil import day_of
from pumpview.web.app import cell
from tests.web.test_spend_pages import billed  # noqa: F401 - the fixture


def test_unit_costs_are_dollars_to_a_hundredth_of_a_cent_whatever_their_size():
    """182.13 cents per 1M tokens is $1.8213 (not $1.82) as 97.35 is $0.9735; half to even."""
    assert cell("182.13", "cents_per_million_tokens") == "$1.8213"
    assert cell("97.35", "cents_per_million_tokens") == "$0.9735"
    assert cell("123456.785", "cents_per_million_tokens") == "$1,234.5678"
    assert cell("5.5", "cents_per_request") == "$0.0550"


def test_a_cloud_amount_carries_its_currency():
    """US dollars with the dollar sign, as Cursor's cents are; other currencies stay theirs."""
    assert cell("1522.555", "effective_cost", "USD") == "$1,522.56"
    assert cell("-3.2", "billed_cost", "USD") == "-$3.20"
    assert cell("1522.545", "untagged_cloud_cost", "EUR") == "1,522.54 EUR"


def cells(page: str, column: str) -> dict[str, str]:
    """A report table's cells of ``column`` (its position in the header), by the row's first
    two cells' text."""
    page = page.split('id="report-table"')[1]
    heads = [html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
             for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", page)]  # fmt: skip
    at = heads.index(column)
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page.split("<tbody>")[1], re.DOTALL):
        texts = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]  # fmt: skip
        found[" / ".join(texts[:2])] = texts[at]
    return found


def test_cloud_amounts_on_cloud_teams_and_a_person_have_the_dollar_sign(site, billed):  # noqa: F811
    """Each service's effective cost on Cloud and on its owner's page is the bill's own sum,
    to the cent, with its sign; every team's cloud cost is in dollars too."""
    browser, team, rows = billed
    last = day_of(team.now)
    span = {"since": str(last - timedelta(days=2)), "until": str(last)}
    owner = next(m for m in team.members if m.index % 4 == 0 and m.index % 7 and not m.is_removed)
    total: dict[str, Decimal] = {}
    theirs: dict[str, Decimal] = {}
    for row in rows:
        if date.fromisoformat(row["ChargePeriodStart"][:10]) < last - timedelta(days=2):
            continue
        service, cost = row["ServiceName"], Decimal(row["EffectiveCost"])
        total[service] = total.get(service, Decimal(0)) + cost
        if (json.loads(row["Tags"]) if row["Tags"] else {}).get("owner") == owner.email:
            theirs[service] = theirs.get(service, Decimal(0)) + cost
    assert theirs  # they own something in the range: an empty check would prove nothing

    def dollars(value: Decimal) -> str:
        return f"${value.quantize(Decimal('0.01')):,}"

    shown = cells(browser.get("/cloud", params=span).text, "Effective cost")
    assert {k: v for k, v in shown.items() if k.startswith("AWS")} == {
        f"AWS / {service}": dollars(v) for service, v in total.items()
    }
    person = browser.get(f"/people/{owner.email}", params=span).text
    for service, value in theirs.items():
        assert f'<td>{service}</td><td class="num">{dollars(value)}</td>' in person
    teams = cells(browser.get("/teams", params=span).text, "Cloud (effective)")
    assert len(teams) > 2
    assert all(v.startswith("$") for v in teams.values()), teams


def test_the_api_reference_groups_routes_by_their_page(site, loaded):
    """Every /api route has one tag, its page's, and the tags come in the menu's order."""
    browser, _first = loaded
    schema = browser.get("/openapi.json").json()
    tags = {path: [t for op in ops.values() for t in op["tags"]]
            for path, ops in schema["paths"].items()}  # fmt: skip
    assert tags["/api/people"] == tags["/api/people/{email}"] == ["People"]
    assert tags["/api/spend/people"] == ["People"]
    assert tags["/api/models"] == tags["/api/models/{name}"] == ["Models"]
    assert tags["/api/spend/teams"] == ["Teams"]
    assert tags["/api/spend/providers"] == ["Cloud"]
    assert tags["/api/overview"] == ["Overview"]
    assert tags["/api/directory"] == ["Settings · People"]
    assert tags["/api/export/focus"] == tags["/api/data-sources"] == ["Settings · Data sources"]
    named = [t["name"] for t in schema["tags"]]
    assert named[:7] == ["Overview", "People", "Models", "Requests", "Daily", "Teams", "Cloud"]
    assert all(len(set(t)) == 1 and t[0] in named for t in tags.values()), tags  # each method


def test_a_team_with_no_dates_reads_as_the_team(site, loaded):
    """Settings → People: a person in a Cursor billing group since no particular day has the
    group's name as their history, never "since always"."""
    browser, _first = loaded
    page = browser.get("/settings/people").text
    histories = re.findall(r'<td data-label="Team today">([^<]*)</td><td class="history" '
                           r'data-label="History">([^<]*)</td>', page)  # fmt: skip
    teamed = [(today, history) for today, history in histories if today != "—"]
    assert teamed  # some have a team: an empty check would prove nothing
    assert all(history == today for today, history in teamed), teamed
