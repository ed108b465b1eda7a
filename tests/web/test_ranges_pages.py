"""Ranges a page can answer, a person's and a model's pages (paged, reachable, never a dead
end), and text from users shown as text."""

from __future__ import annotations

from sqlalchemy import insert, select

from pumpview.reports.person import RECENT
from pumpview.simulator import truth as gt
from pumpview.store import tables
from pumpview.timeutil import day_start_ms
from pumpview.web.app import person_path
from tests.web.conftest import VIEWER

QUIET = {"since": "2020-01-01", "until": "2020-01-07"}
"""A week long before the simulator's data."""


def on_roster(site, email: str, name: str) -> None:
    """``email`` on the synced team's roster as Cursor lists a member, with no usage."""
    with site.web.engine.begin() as conn:
        (iid,) = conn.execute(select(tables.integrations.c.id)).scalars().all()
        conn.execute(insert(tables.cursor_members).values(
            integration_id=iid, email=email, name=name, is_removed=False))  # fmt: skip


def range_error(html: str) -> str:
    """The message the range control shows."""
    nav = html.split('<nav class="range"')[1].split("</nav>", maxsplit=1)[0]
    return nav.split('id="range-error" role="alert">')[1].split("</p>")[0]


def test_a_range_of_ten_thousand_years_is_refused_at_once(site, loaded):
    """The API answers a 400 saying the limit, for a person and for a report; a page shows the
    last 30 days and says at the range control what was wrong."""
    browser, _first = loaded
    huge = {"since": "0001-01-01", "until": "9999-12-31"}
    someone = browser.get("/api/people").json()[0]["email"]
    for path in (f"/api/people/{someone}", "/api/people", "/api/models", "/api/overview"):
        answer = browser.get(path, params=huge)
        assert (answer.status_code, answer.json()["error"]) == (400, "bad_request"), path
        assert "3,652,059 days; a range is at most 3,660 days" in answer.json()["message"]
    page = browser.get(f"/people/{someone}", params=huge)
    assert page.status_code == 400
    assert "a range is at most 3,660 days" in range_error(page.text)
    assert "(30 days, to yesterday" in page.text  # the default range, shown instead


def test_from_after_to_is_said_at_the_picker_not_on_an_error_page(site, loaded):
    browser, _first = loaded
    page = browser.get("/people", params={"since": "2026-12-09", "until": "2026-12-01"})
    assert page.status_code == 400
    assert "Something is wrong" not in page.text
    assert range_error(page.text).startswith(
        "From 2026-12-09 is after To 2026-12-01: pick a From on or before the To."
    )
    typed = page.text.split('<input id="since"')[1].split(">")[0]
    assert 'value="2026-12-09"' in typed  # what they typed, kept
    assert 'aria-invalid="true"' in typed


def test_a_persons_events_come_in_pages_that_add_up_to_their_ground_truth(site, loaded):
    """Page after page, a person's events are exactly theirs, newest first, none twice."""
    browser, first = loaded
    team = site.cursor.sim.team
    every = gt.visible_events(team, day_start_ms(team.first_day), team.now)
    counts: dict[str | None, int] = {}
    for event in every:
        counts[gt.by_user(event)] = counts.get(gt.by_user(event), 0) + 1
    email = max((e for e in counts if e), key=lambda e: counts[e])
    theirs = sorted((e.timestamp for e in every if gt.by_user(e) == email), reverse=True)
    assert len(theirs) > 2 * RECENT  # three pages or more
    first_page = browser.get(f"/api/people/{email}", params={"since": first}).json()
    pages = first_page["recent_pages"]
    assert (first_page["recent_page"], pages, first_page["recent_per_page"]) == (
        1, -(-len(theirs) // RECENT), RECENT,
    )  # fmt: skip
    seen = []
    for number in range(1, pages + 2):  # and one past the last: empty
        twin = browser.get(f"/api/people/{email}", params={"since": first, "page": number}).json()
        assert twin["recent_page"] == number
        seen += [e["ts_ms"] for e in twin["recent"]]
    assert seen == theirs
    html = browser.get(f"/people/{email}", params={"since": first, "page": 2}).text
    assert f"Page 2 of {pages}" in html
    assert 'rel="next"' in html
    assert 'rel="prev"' in html
    assert browser.get(f"/api/people/{email}", params={"page": 0}).status_code == 400


def test_a_models_people_come_in_pages(site, loaded):
    browser, first = loaded
    team = site.cursor.sim.team
    truth = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_model)
    model = max(truth, key=lambda m: truth[m].events)
    users = {gt.by_user(e) for e in gt.visible_events(team, day_start_ms(team.first_day),
                                                     team.now) if e.model == model}  # fmt: skip
    twin = browser.get(f"/api/models/{model}", params={"since": first}).json()
    assert (twin["people_page"], twin["people_pages"], twin["people_per_page"]) == (1, 1, 50)
    assert {p["email"] for p in twin["people"]} == users
    beyond = browser.get(f"/api/models/{model}", params={"since": first, "page": 2}).json()
    assert (beyond["people"], beyond["total"]["users"]) == ([], len(users))


def test_a_model_over_a_range_without_it_is_an_empty_page_not_an_error(site, loaded):
    """As a person's page does: zeros and what to try; only a model never seen is a 404."""
    browser, first = loaded
    model = browser.get("/api/models", params={"since": first}).json()[0]["model"]
    page = browser.get(f"/models/{model}", params=QUIET)
    assert page.status_code == 200
    assert f"No one used <bdi>{model}</bdi> from 2020-01-01 to 2020-01-07" in page.text
    twin = browser.get(f"/api/models/{model}", params=QUIET).json()
    assert (twin["total"]["events"], twin["total"]["spend_cents"], twin["people"]) == (0, "0", [])
    assert browser.get("/api/models/no-such-model").status_code == 404
    assert browser.get("/models/no-such-model").status_code == 404


def test_a_person_whose_email_holds_a_slash_has_a_page(site, loaded):
    browser, _first = loaded
    on_roster(site, "ops/build@acme.dev", "Build Bot")
    path = person_path("ops/build@acme.dev")
    assert path == "/people/ops%2Fbuild@acme.dev"
    page = browser.get(path)
    assert page.status_code == 200
    assert "<h1>Build Bot</h1>" in page.text
    twin = browser.get(f"/api{path}").json()
    assert (twin["email"], twin["name"]) == ("ops/build@acme.dev", "Build Bot")


def test_a_right_to_left_override_in_a_name_is_shown_not_obeyed(site, loaded):
    """``U+202E`` then "exe.tset" would read "test.exe": the page shows a visible mark where the
    control is, and isolates names; the JSON keeps the name as it is."""
    browser, _first = loaded
    name = "\u202eexe.tset"
    on_roster(site, "eve@acme.dev", name)
    page = browser.get("/people/eve@acme.dev")
    assert page.status_code == 200
    assert "\u202e" not in page.text
    assert "<h1>\ufffdexe.tset</h1>" in page.text
    assert "<title>\ufffdexe.tset" in page.text
    css = browser.get("/static/app.css").text
    assert "main a, main td, main th, main h1, main strong, bdi { unicode-bidi: isolate; }" in css
    assert browser.get("/api/people/eve@acme.dev").json()["name"] == name


def test_viewers_do_not_see_the_host_and_process_that_sync(site, loaded):
    admin, _first = loaded
    (listed,) = admin.get("/api/integrations").json()
    assert " pid " in listed["run"]["owner"]  # the admin's, to find the process
    (seen,) = site.signed_in(VIEWER).get("/api/integrations").json()
    assert seen["run"]["owner"] is None
    assert {**seen["run"], "owner": listed["run"]["owner"]} == listed["run"]


def test_the_default_range_ends_yesterday_and_the_overview_says_what_it_compares(site, loaded):
    browser, _first = loaded
    page = " ".join(browser.get("/").text.split())
    assert "(30 days, to yesterday: today is not over yet)" in page
    assert "Changes compare whole UTC days:" in page
