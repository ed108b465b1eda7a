"""Budgets through the JSON API and the page's form: added, listed with their status, changed
and removed by admins; bad input refused at its field or as a JSON error, nothing saved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pumpview import accounts
from pumpview.simulator import truth as gt
from pumpview.store import budgets as store
from pumpview.timeutil import day_of, day_start_ms
from tests.web.conftest import ADMIN, VIEWER, csrf

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

GOOD = {"name": "AI this month", "scope": "organization", "scope_value": None,
        "provider": "cursor", "period": "month", "measure": "on_demand",
        "amount_cents": "50000"}  # fmt: skip


def _script(site, who: str = ADMIN):
    client = site.browser()
    token = accounts.new_token(site.web.engine, who, "ci", site.web.clock())
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _count(site) -> int:
    with site.web.engine.connect() as conn:
        return len(store.listing(conn))


def test_an_admin_adds_a_budget_and_everyone_reads_its_status(site, loaded):
    """201 and the row, its actual the month's on-demand to the cent; a viewer lists it and
    may not add one; PATCH changes it; DELETE removes it (then 404)."""
    script = _script(site)
    added = script.post("/api/budgets", json={**GOOD, "thresholds": [80, 50]})
    assert added.status_code == 201, added.text
    row = added.json()
    team = site.cursor.sim.team
    month = day_start_ms(day_of(team.now).replace(day=1))
    truth = gt.overall(team, month, team.now).on_demand_cents
    assert Decimal(row["actual_cents"]) == truth
    assert {k: row[k] for k in ("name", "scope", "scope_value", "provider", "period", "measure",
                                "amount_cents", "thresholds")} == {
        **GOOD, "thresholds": [50, 80]}  # fmt: skip
    assert row["state"] in ("ok", "warning", "forecast_over", "over")
    assert Decimal(row["forecast_cents"]) >= truth
    viewer = _script(site, VIEWER)
    assert viewer.get("/api/budgets").json() == [row]
    refused = viewer.post("/api/budgets", json=GOOD)
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    changed = script.patch(f"/api/budgets/{row['id']}", json={"amount_cents": 12345.5})
    assert (changed.status_code, changed.json()["amount_cents"]) == (200, "12345.5")
    assert script.delete(f"/api/budgets/{row['id']}").status_code == 204
    assert script.delete(f"/api/budgets/{row['id']}").status_code == 404
    assert script.get("/api/budgets").json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_cents": "-5"}, "amount_cents"),
        ({"amount_cents": "0"}, "amount_cents"),
        ({"amount_cents": "fifty"}, "amount_cents"),
        ({"amount_cents": None}, "amount_cents"),
        ({"scope": "team", "scope_value": "Nobody"}, "scope_value"),
        ({"scope": "person", "scope_value": "ghost@acme.dev"}, "scope_value"),
        ({"scope": "integration", "scope_value": "nope"}, "scope_value"),
        ({"scope": "galaxy"}, "scope"),
        ({"measure": "tokens"}, "measure"),
        ({"period": "week"}, "period"),
        ({"provider": "aws"}, "provider"),
        ({"thresholds": [50, "lots"]}, "thresholds"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_json_error_naming_its_field_and_saves_nothing(site, change, field):
    script = _script(site)
    answer = script.post("/api/budgets", json={**GOOD, **change})
    assert answer.status_code == 400
    body = answer.json()
    assert (body["error"], body["field"]) == ("bad_request", field)
    assert body["message"]
    assert "Traceback" not in body["message"]
    assert _count(site) == 0


def test_a_body_that_is_not_a_json_object_is_a_400(site):
    script = _script(site)
    answer = script.post(
        "/api/budgets", content=b"[1, 2", headers={"content-type": "application/json"}
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_request")


def test_the_form_shows_an_error_at_its_field_and_keeps_what_was_typed(site):
    browser = site.signed_in()
    page = browser.get("/budgets")
    form = {"csrf_token": csrf(page.text), "name": "Platform", "scope": "team",
            "scope_value": "Nobody", "measure": "bill", "provider": "all", "period": "cycle",
            "amount": "1,500", "thresholds": "50, 80, 100"}  # fmt: skip
    answer = browser.post("/budgets", data=form)
    assert answer.status_code == 200
    assert 'id="scope_value-error"' in answer.text
    assert "no team named Nobody" in answer.text
    assert 'value="1,500"' in answer.text
    bad_amount = browser.post("/budgets", data={**form, "scope": "organization", "amount": "-3"})
    assert 'id="amount-error"' in bad_amount.text
    assert _count(site) == 0
    added = browser.post("/budgets", data={**form, "scope": "organization", "scope_value": ""})
    assert added.status_code == 303
    with site.web.engine.connect() as conn:
        (budget,) = store.listing(conn)
    assert (budget.amount_cents, budget.scope_value, budget.thresholds) == (
        150000,
        None,
        (50, 80, 100),
    )
    shown = browser.get("/budgets").text
    assert 'class="budget-bar"' in shown
    assert "Platform" in shown
    edit = browser.get(f"/budgets?edit={budget.id}").text
    assert 'value="1500"' in edit
    assert f'action="/budgets/{budget.id}"' in edit
    cheaper = {**form, "scope": "organization", "scope_value": "", "amount": "99.5"}
    changed = browser.post(f"/budgets/{budget.id}", data=cheaper)
    assert changed.status_code == 303
    with site.web.engine.connect() as conn:
        assert store.get(conn, budget.id).amount_cents == 9950
    assert site.signed_in(VIEWER).post("/budgets", data=form).status_code == 403
    removed = browser.post(f"/budgets/{budget.id}/remove", data={"csrf_token": form["csrf_token"]})
    assert removed.status_code == 303
    assert _count(site) == 0


def test_an_id_no_key_can_hold_is_a_400_and_a_405_names_every_method_of_the_path(site):
    """(Schemathesis found both: a 500 from the database, and ``Allow: GET`` on a path that
    takes POST too.)"""
    script = _script(site)
    huge = script.delete("/api/budgets/99999999999999999999")
    assert (huge.status_code, huge.json()["error"]) == (400, "bad_request")
    for path, allowed in (("/api/budgets", "GET, POST"),
                          ("/api/budgets/1", "DELETE, GET, PATCH, PUT")):  # fmt: skip
        answer = script.options(path)
        assert (answer.status_code, answer.headers["allow"]) == (405, allowed)
