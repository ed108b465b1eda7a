"""A report page's Download CSV is its table: the JSON's exact fields, then the page's own
columns, then each money column in dollars rounded to the cent; the Overview's percentages are
rounded to a hundredth of a percent. Figures from the simulator's ground truth."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest

from pumpview.simulator import truth as gt
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.cells import cell
from tests.conftest import NOW_MS
from tests.reports.test_usage import _sync

CENT, TEN_THOUSANDTH = Decimal("0.01"), Decimal("0.0001")


def _dollars(cents: Decimal, step: Decimal = CENT) -> str:
    """By hand: cents / 100, rounded half to even."""
    with localcontext(prec=200):
        return str((cents / 100).quantize(step, rounding=ROUND_HALF_EVEN))


@pytest.fixture
def synced(site, serve):
    served = serve(days=12, members=6)
    _sync(site.web.engine, served)
    team = served.sim.team
    first, last = team.first_day, day_of(NOW_MS)
    return site.signed_in(), team, {"since": str(first), "until": str(last)}


def _csv(browser, path: str, params: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
    answer = browser.get(path, params={**params, "format": "csv"})
    assert answer.status_code == 200
    reader = csv.DictReader(io.StringIO(answer.text))
    return list(reader.fieldnames or []), list(reader)


def test_peoples_csv_is_the_table_with_dollars_beside_the_exact_cents(synced):
    """Every JSON field first and unchanged, then most-used model, last active day, Cursor's
    premium count, service account and tools, then ``spend_usd`` and the other dollars to the
    cent."""
    browser, team, span = synced
    twin = browser.get("/api/people", params=span).json()
    header, rows = _csv(browser, "/api/people", span)
    money = [c for c in twin[0] if c.endswith("_cents")]
    dollars = [c.removesuffix("_cents") + "_usd" for c in money]
    assert header == [*twin[0], "top_model", "last_active", "cursor_fast_premium_requests",
                      "service_account", "tools", *dollars]  # fmt: skip
    assert "spend_usd" in header
    assert [{k: r[k] for k in twin[0]} for r in rows] == [
        {k: cell(v) for k, v in row.items()} for row in twin
    ]
    start, end = day_start_ms(team.first_day), team.now
    truth = gt.totals(team, start, end, gt.by_user)
    events = gt.visible_events(team, start, end)
    pairs = gt.group(events, lambda e: (gt.by_user(e), gt.by_model(e)), old_api=False)
    premium = {r["email"]: r["cursor_fast_premium_requests"]
               for r in browser.get("/api/requests", params=span).json()}  # fmt: skip
    assert len(rows) == len(truth)
    for row in rows:
        email = row["email"] or None
        assert Decimal(row["spend_cents"]) == truth[email].spend_cents
        assert row["spend_usd"] == _dollars(truth[email].spend_cents)
        assert row["on_demand_usd"] == _dollars(truth[email].on_demand_cents)
        mine = {m: t for (who, m), t in pairs.items() if who == email}
        assert row["top_model"] == min(mine, key=lambda m: (-mine[m].events,
                                                           -mine[m].spend_cents, m))  # fmt: skip
        assert row["last_active"] == str(
            max(day_of(e.timestamp) for e in events if gt.by_user(e) == email)
        )
        want = premium[email] if email else None
        assert row["cursor_fast_premium_requests"] == ("" if want is None else str(want))


def test_models_csv_adds_unit_costs_and_shares_rounded_and_dollars(synced):
    """Per model: cost per request in dollars to 4 decimals, the on-demand share to 4, and
    spend in dollars to the cent, each by hand from ground truth; the exact cents unchanged."""
    browser, team, span = synced
    header, rows = _csv(browser, "/api/models", span)
    assert header[-7:] == ["spend_usd", "on_demand_usd", "included_usd", "model_cost_usd",
                           "token_fee_usd", "list_usd", "estimated_usd"]  # fmt: skip
    truth = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_model)
    assert {r["model"] for r in rows} == set(truth)
    for row in rows:
        want = truth[row["model"]]
        assert Decimal(row["spend_cents"]) == want.spend_cents
        assert row["spend_usd"] == _dollars(want.spend_cents)
        assert row["usd_per_request"] == _dollars(want.spend_cents / want.events, TEN_THOUSANDTH)
        assert row["on_demand_share"] == str(
            (want.on_demand_cents / want.spend_cents).quantize(TEN_THOUSANDTH, ROUND_HALF_EVEN)
        )


def test_daily_and_requests_csv_follow_the_same_rule(synced):
    """Daily adds each money column in dollars to the cent; Requests, with no money and no
    column the page adds, is its JSON."""
    browser, team, span = synced
    header, rows = _csv(browser, "/api/daily", span)
    assert "spend_usd" in header
    by_day = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_day)
    assert {r["date"]: r["spend_usd"] for r in rows} == {
        str(d): _dollars(t.spend_cents) for d, t in by_day.items()
    }
    header, rows = _csv(browser, "/api/requests", span)
    assert header == list(browser.get("/api/requests", params=span).json()[0])


def test_the_overviews_change_in_percent_is_rounded_to_a_hundredth(synced):
    """The last 3 days against the 3 before them, by hand from ground truth, to 2 decimals."""
    browser, team, _span = synced
    last = day_of(NOW_MS)
    since = last - timedelta(days=2)
    now = gt.overall(team, day_start_ms(since), team.now).spend_cents
    before = gt.overall(team, day_start_ms(since) - 3 * MS_PER_DAY, day_start_ms(since) - 1)
    twin = browser.get("/api/overview", params={"since": str(since), "until": str(last)}).json()
    with localcontext(prec=200):
        exact = (now - before.spend_cents) * 100 / before.spend_cents
        want = exact.quantize(CENT, ROUND_HALF_EVEN)
    assert before.spend_cents  # a change to tell
    assert Decimal(twin["change_percent"]["spend_cents"]) == want
