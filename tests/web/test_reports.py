"""The report pages' JSON twins equal the CLI's reports field for field; CSV equals JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from pumpview.cli import main
from pumpview.reports.plain import plain
from pumpview.simulator.roster import SCRIPT_NAME
from pumpview.timeutil import from_ms
from tests.cells import cell

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

KINDS = {"people": "users", "models": "models", "requests": "requests", "daily": "daily"}


def cli_json(capsys, db_url: str, *argv: str) -> list[dict[str, object]]:
    with pytest.raises(SystemExit) as done:
        main(["--db", db_url, *argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert done.value.code in (0, None), err
    return json.loads(out)


@pytest.mark.parametrize("path", sorted(KINDS))
def test_each_json_twin_is_the_cli_report(site, loaded, capsys, db_url, path, tmp_path,
                                          monkeypatch):  # fmt: skip
    browser, first = loaded
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(site.cursor.sim.team.now).isoformat())  # the site's
    last = browser.get("/api/integrations").json()[0]["last_day"]
    for since, until in ((first, last), (last, last)):
        api = browser.get(f"/api/{path}", params={"since": since, "until": until})
        assert api.status_code == 200
        cli = cli_json(capsys, db_url, "report", KINDS[path], "--since", since, "--until", until)
        assert api.json() == cli
        assert cli  # the range holds data: an empty equality would prove nothing
        download = browser.get(f"/api/{path}", params={"since": since, "until": until,
                                                       "format": "csv"})  # fmt: skip
        assert download.headers["content-type"].startswith("text/csv")
        parsed = list(csv.DictReader(io.StringIO(download.text)))
        assert [{k: r[k] for k in cli[0]} for r in parsed] == [
            {k: cell(v) for k, v in row.items()} for row in cli
        ]  # the exact fields; the page's own columns and dollars follow (test_downloads)


def test_names_are_text_on_every_page_twin_and_csv(site, loaded):
    """The member named ``<script>alert(1)</script>`` (and the one with ``<b>`` in her name)
    is shown as those characters on every page, and comes back intact in JSON and CSV."""
    browser, first = loaded
    people = browser.get("/api/people", params={"since": first}).json()
    scripted = next(p for p in people if p["name"] == SCRIPT_NAME)
    model = browser.get("/api/models", params={"since": first}).json()[0]["model"]
    for path in ("/", "/people", "/models", "/requests", f"/people/{scripted['email']}",
                 f"/models/{model}"):  # fmt: skip
        page = browser.get(path, params={"since": first})
        assert page.status_code == 200, path
        main = page.text.split("<main>")[1]
        assert "<script>alert" not in main, path  # never markup (in JSON blocks: \u003c)
        assert "<b>" not in main.replace("<b>Acme</b>", ""), path
        if path in ("/", "/people", "/requests", f"/people/{scripted['email']}"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main, path  # as text
    assert browser.get(f"/api/people/{scripted['email']}").json()["name"] == SCRIPT_NAME
    download = browser.get("/api/people", params={"since": first, "format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert SCRIPT_NAME in {row["name"] for row in rows}


def test_pages_say_the_range_and_offer_the_billing_cycle(site, loaded):
    browser, first = loaded
    page = browser.get("/people", params={"since": first})
    assert "UTC days" in page.text
    assert ">billing cycle</a>" in page.text  # offered once a sync read Cursor's cycle


def test_a_bad_range_is_a_clear_400(site, loaded):
    browser, _first = loaded
    api = browser.get("/api/people", params={"since": "2026-02-30"})
    assert (api.status_code, api.json()["error"]) == (400, "bad_request")
    assert "since/until" in api.json()["message"]
    wrong = browser.get("/api/people", params={"format": "xml"})
    assert (wrong.status_code, wrong.json()["error"]) == (400, "bad_request")
    assert "format" in wrong.json()["message"]
    assert (
        browser.get("/people", params={"since": "2026-12-09", "until": "2026-12-01"}).status_code
        == 400
    )


def test_the_overview_twin_adds_up_to_the_ground_truth(site, loaded):
    """Totals equal the simulator's; the chart's series add up to the same spend, cent for
    cent; the previous period of a range before any data is empty."""
    from decimal import Decimal, localcontext  # noqa: PLC0415

    from pumpview.simulator import truth as gt  # noqa: PLC0415
    from pumpview.store.measures import EXACT  # noqa: PLC0415
    from pumpview.timeutil import day_start_ms  # noqa: PLC0415

    browser, first = loaded
    team = site.cursor.sim.team
    truth = gt.overall(team, day_start_ms(team.first_day), team.now)
    twin = browser.get("/api/overview", params={"since": first}).json()
    assert twin["total"]["spend_cents"] == plain(truth.spend_cents)
    assert twin["total"]["events"] == truth.events
    with localcontext(EXACT):  # 20-decimal amounts: the default 28 digits could round
        drawn = sum(Decimal(v) for s in twin["series"] for v in s["spend_cents"])
    assert drawn == truth.spend_cents
    assert twin["previous"]["events"] == 0
    assert twin["change_percent"]["spend_cents"] is None  # nothing to compare with
    assert len(twin["buckets"]) == (team.now // 86_400_000 - day_start_ms(team.first_day)
                                    // 86_400_000) + 1  # fmt: skip


def test_data_pages_say_how_complete_the_data_is(site, loaded):
    """After a fresh backfill the days that ended more than 72 hours ago are final, the newer
    ones provisional; the page says both, and that Cursor's data begins where it began."""
    from datetime import timedelta  # noqa: PLC0415

    browser, first = loaded
    today = site.web.clock.today()
    text = " ".join(browser.get("/people", params={"since": first}).text.split())
    assert f"Complete through {today - timedelta(days=4)}" in text
    assert "the 4 newest days are still provisional" in text
    assert f"Cursor returned data back to {first}" in text


def test_a_persons_twin_is_their_ground_truth(site, loaded):
    """Each person's totals, and the unattributed bucket's, equal the simulator's; their model
    mix and chart add up to the same spend; an unknown person is a 404."""
    from decimal import localcontext  # noqa: PLC0415

    from pumpview.simulator import truth as gt  # noqa: PLC0415
    from pumpview.store.measures import EXACT  # noqa: PLC0415
    from pumpview.timeutil import day_start_ms  # noqa: PLC0415

    browser, first = loaded
    team = site.cursor.sim.team
    want = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_user)
    assert want  # people to check
    for email, truth in want.items():
        twin = browser.get(f"/api/people/{email or '-'}", params={"since": first}).json()
        assert twin["total"]["spend_cents"] == plain(truth.spend_cents), email
        assert twin["total"]["events"] == truth.events
        with localcontext(EXACT):
            mix = sum(Decimal(m["spend_cents"]) for m in twin["models"])
            drawn = sum(Decimal(v) for s in twin["series"] for v in s["spend_cents"])
        assert mix == drawn == truth.spend_cents
        every = gt.visible_events(team, day_start_ms(team.first_day), team.now)
        theirs = [e.timestamp for e in every if gt.by_user(e) == email]
        assert [e["ts_ms"] for e in twin["recent"]] == sorted(theirs, reverse=True)[:20]
    assert browser.get("/api/people/nobody@acme.dev").status_code == 404
    someone = next(email for email in want if email)
    quiet = browser.get(f"/people/{someone}", params={"since": "2020-01-01", "until": "2020-01-07"})
    assert quiet.status_code == 200  # on the roster, no usage in the range: zeros, exactly
    assert browser.get(f"/api/people/{someone}", params={"since": "2020-01-01",
                       "until": "2020-01-07"}).json()["total"]["spend_cents"] == "0"  # fmt: skip
