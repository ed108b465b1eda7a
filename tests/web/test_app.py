"""The web app's contract: sign-in, CSRF, roles, headers, and Connect → backfill → data."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote

import pytest

from pumpview import accounts
from pumpview.money import format_dollars
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.timeutil import day_start_ms
from pumpview.web.security import CSP
from tests.web.conftest import ADMIN, PASSWORD, VIEWER, csrf

CONNECT = "/settings/integrations"


def leaks(text: str) -> bool:
    """Whether ``text`` holds the Cursor key in any encoding we know of."""
    forms = (DEMO_KEY, quote(DEMO_KEY), base64.b64encode(f"{DEMO_KEY}:".encode()).decode())
    return any(form in text for form in forms)


def connect(browser, **form: str):
    page = browser.get("/settings/integrations")
    return browser.post(CONNECT, data={"csrf_token": csrf(page.text), **form})


PUBLIC = {"/sign-in", "/sign-out", "/setup/{token}"}


def routes(site, method: str) -> list[str]:
    """Every path of the app for ``method`` (parameters filled in), from its own route table,
    so a new page cannot slip past these tests; the reference pages are not in the schema."""
    found = [
        path.replace("{email}", "someone@acme.dev").replace("{name}", "cursor")
        for path, ops in site.app.openapi()["paths"].items()
        if method in ops and path not in PUBLIC
    ]
    return found + (["/docs", "/openapi.json"] if method == "get" else [])


def test_health_needs_no_sign_in_and_everything_else_does(site):
    browser = site.browser()
    assert browser.get("/healthz").json() == {"status": "ok"}
    paths = routes(site, "get")
    assert {"/", "/people", "/models/cursor", "/api/overview", "/docs"} <= set(paths)
    for path in paths:
        answer = browser.get(path)
        if path.startswith("/api/"):
            assert answer.status_code == 401, path
            assert answer.json()["error"] == "unauthorized", path
        else:
            assert (answer.status_code, answer.headers["location"]) == (
                303,
                f"/sign-in?next={path}",
            )


def test_every_response_carries_the_security_headers(site):
    browser = site.signed_in()
    for path in ("/sign-in", "/settings/integrations", "/api/integrations", "/healthz", "/nope"):
        headers = browser.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert "script-src 'self'" in CSP
        assert "frame-ancestors 'none'" in CSP
        assert (headers["x-content-type-options"], headers["referrer-policy"]) == (
            "nosniff",
            "same-origin",
        )


def test_the_session_cookie_is_signed_httponly_and_samesite(site):
    browser = site.browser()
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in", data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf(page.text)}
    )
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("pv_session"))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    session = browser.cookies["pv_session"]
    browser.cookies.set("pv_session", session[:-2] + ("AA" if session[-2:] != "AA" else "BB"))
    assert browser.get("/settings/integrations").status_code == 303  # a forged cookie: sign in


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(site):
    browser = site.signed_in()
    for data in ({}, {"csrf_token": "forged"}):
        answer = browser.post(CONNECT, data={"api_key": DEMO_KEY, **data})
        assert answer.status_code == 403
        assert "security token" in answer.text
    assert browser.get("/api/integrations").json() == []
    assert list(site.cursor.sim.calls) == []  # nothing was even verified


def test_wrong_passwords_say_nothing_of_the_account_and_are_throttled(site):
    browser = site.browser()
    token = csrf(browser.get("/sign-in").text)
    answers = [
        browser.post("/sign-in", data={"email": email, "password": "wrong password",
                                       "csrf_token": token})
        for email in [ADMIN] * 10 + ["nobody@acme.dev"]
    ]  # fmt: skip
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert "do not match an account" in answers[0].text
    assert answers[10].status_code == 429  # the same address, another account
    assert "Too many sign-in attempts" in answers[10].text
    late = browser.post(
        "/sign-in", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    assert late.status_code == 429  # even the right password waits out the minute


def test_a_viewer_sees_the_status_but_no_form_and_is_refused_every_action(site):
    browser = site.signed_in(VIEWER)
    page = browser.get("/settings/integrations")
    assert page.status_code == 200
    assert 'action="/settings/integrations"' not in page.text
    assert "Nothing is connected yet: an admin connects Cursor" in " ".join(page.text.split())
    token = csrf(page.text)
    actions = routes(site, "post")
    assert len(actions) >= 8  # connect, sync, disconnect, four of users, the API's sync
    for path in actions:
        answer = browser.post(path, data={"csrf_token": token, "api_key": DEMO_KEY,
                                          "email": VIEWER, "role": "admin"})  # fmt: skip
        assert answer.status_code == 403, path
        said = answer.json()["message"] if path.startswith("/api/") else answer.text
        assert "Only an admin" in said, path
    assert browser.get("/api/integrations").json() == []  # nothing was connected
    assert list(site.cursor.sim.calls) == []  # nor even verified


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("sk-not-a-cursor-key", "key_"),
        ("crsr_0000000000000000000000000000000000000000000000000000000000000000",
         "invalid or has been revoked"),
    ],
)  # fmt: skip
def test_a_bad_key_is_refused_next_to_its_field_saying_what_to_do(site, key, message):
    browser = site.signed_in()
    answer = connect(browser, api_key=key, team_name="Acme")
    assert answer.status_code == 200  # a form to correct, not a failed request
    assert 'id="api_key-error"' in answer.text
    error = answer.text.split('id="api_key-error" role="alert">')[1].split("</p>")[0]
    assert message in error
    assert browser.get("/api/integrations").json() == []


def test_a_team_connected_twice_is_refused_at_the_key_in_a_web_users_words(site):
    """The same Cursor team connected again under another name is refused next to the key,
    naming the integration that holds it, with no CLI command in the page."""
    browser = site.signed_in()
    connect(browser, api_key=DEMO_KEY, team_name="Acme")
    site.web.syncs.wait()
    page = browser.get("/settings/integrations")
    assert 'name="name" type="text" value="cursor-2"' in page.text  # another team, by default
    answer = connect(browser, api_key=DEMO_KEY, team_name="Again", name="cursor-2")
    assert answer.status_code == 200
    error = answer.text.split('id="api_key-error" role="alert">')[1].split("</p>")[0]
    assert error == (
        "This key&#39;s Cursor team is already connected as the integration cursor. To give "
        "that integration this key, connect again with the integration name cursor."
    )
    assert "pumpview " not in answer.text.split("<main>")[1]
    assert [i["name"] for i in browser.get("/api/integrations").json()] == ["cursor"]


def test_connect_backfills_and_the_overview_shows_the_exact_spend(site):
    """The flow a manager follows: Connect, the backfill runs in the background, the card says
    connected with its masked key, and the Overview's spend is the ground truth's."""
    browser = site.signed_in()
    answer = connect(browser, api_key=DEMO_KEY, team_name="<b>Acme</b>")
    assert (answer.status_code, answer.headers["location"]) == (303, "/settings/integrations")
    site.web.syncs.wait()
    (listed,) = browser.get("/api/integrations").json()
    team = site.cursor.sim.team
    truth = gt.overall(team, day_start_ms(team.first_day), team.now)
    assert (listed["status"], listed["key"], listed["events"]) == (
        "connected",
        "crsr_…" + DEMO_KEY[-4:],
        truth.events,
    )
    assert listed["run"]["outcome"] == "ok"
    page = browser.get("/settings/integrations")
    assert "&lt;b&gt;Acme&lt;/b&gt;" in page.text  # the team name as text, never as markup
    overview = browser.get("/", params={"since": str(team.first_day)})  # to today: every event
    assert overview.status_code == 200
    assert format_dollars(truth.spend_cents) in overview.text
    for text in (answer.text, page.text, overview.text, json.dumps(listed)):
        assert not leaks(text)


def test_a_setup_link_creates_the_first_admin_once(site):
    for email in (ADMIN, VIEWER):  # no user yet, as when serve prints the link
        accounts.remove_user(site.web.engine, email)
    link = accounts.new_setup_link(site.web.engine, site.web.clock())
    browser = site.browser()
    page = browser.get(f"/setup/{link}")
    form = {"email": "first@acme.dev", "password": PASSWORD, "again": PASSWORD,
            "csrf_token": csrf(page.text)}  # fmt: skip
    made = browser.post(f"/setup/{link}", data=form)
    assert (made.status_code, made.headers["location"]) == (303, "/settings/integrations")
    assert browser.get("/settings/integrations").status_code == 200  # signed in as the admin
    again = site.browser()
    page = again.get(f"/setup/{link}")
    assert page.status_code == 404
    assert "used already" in page.text
    assert accounts.sign_in(site.web.engine, "first@acme.dev", PASSWORD).role == "admin"


def test_an_api_token_reads_the_api_with_its_users_role_until_revoked(site):
    token = accounts.new_token(site.web.engine, VIEWER, "script", site.web.clock())
    with site.browser() as script:
        script.headers["Authorization"] = f"Bearer {token}"
        assert script.get("/api/integrations").status_code == 200
        refused = script.post(CONNECT, data={"api_key": DEMO_KEY})  # no CSRF needed: no cookie
        assert refused.status_code == 403
        assert "Only an admin" in refused.text
        script.headers["Authorization"] = f"Bearer {token}x"
        assert script.get("/api/integrations").status_code == 401


def test_an_admin_manages_users_and_tokens_in_settings(site):
    """Add a viewer, who can then sign in; make a token, shown once and listed by its start;
    revoke it; remove the viewer. A viewer cannot open the page."""
    browser = site.signed_in()
    page = browser.get("/settings/users")
    assert page.status_code == 200
    token = csrf(page.text)
    form = {"csrf_token": token, "email": "new@acme.dev", "role": "viewer", "password": PASSWORD}
    added = browser.post("/settings/users/add", data=form)
    assert added.status_code == 303
    assert accounts.sign_in(site.web.engine, "new@acme.dev", PASSWORD).role == "viewer"
    made = browser.post("/settings/users/token", data={"csrf_token": token, "email": "new@acme.dev",
                                                        "name": "export"})  # fmt: skip
    secret = made.text.split('<code class="token">')[1].split("</code>")[0]
    assert accounts.token_user(site.web.engine, secret, site.web.clock()).email == "new@acme.dev"
    listing = browser.get("/settings/users").text
    assert secret not in listing
    assert secret[:8] in listing
    token_id = listing.split('name="token_id" value="')[1].split('"')[0]
    browser.post("/settings/users/revoke", data={"csrf_token": token, "token_id": token_id})
    assert accounts.token_user(site.web.engine, secret, site.web.clock()) is None
    browser.post("/settings/users/remove", data={"csrf_token": token, "email": "new@acme.dev"})
    assert accounts.sign_in(site.web.engine, "new@acme.dev", PASSWORD) is None
    short = browser.post("/settings/users/add", data={**form, "password": "short"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    assert site.signed_in(VIEWER).get("/settings/users").status_code == 403


def test_scripts_start_a_sync_with_an_admin_token_and_a_viewer_gets_403_json(site):
    admin, viewer = (
        accounts.new_token(site.web.engine, who, "ci", site.web.clock()) for who in (ADMIN, VIEWER)
    )
    browser = site.signed_in()
    connect(browser, api_key=DEMO_KEY)
    site.web.syncs.wait()
    with site.browser() as script:
        script.headers["Authorization"] = f"Bearer {viewer}"
        refused = script.post("/api/integrations/cursor/sync")
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
        script.headers["Authorization"] = f"Bearer {admin}"
        started = script.post("/api/integrations/cursor/sync")
        assert (started.status_code, started.json()) == (
            202,
            {"integration": "cursor", "started": True},
        )
        assert script.post("/api/integrations/nope/sync").status_code == 404
    site.web.syncs.wait()
    (listed,) = browser.get("/api/integrations").json()
    assert listed["run"]["outcome"] == "ok"


def test_the_key_is_in_no_log_line_of_a_whole_connect_and_sync(site, caplog, capfd):
    """Neither the server's log records nor anything its sync processes write (they log to
    its stderr, at its level: here every debug line of httpx too) hold the key."""
    import logging  # noqa: PLC0415

    with caplog.at_level(logging.DEBUG):
        browser = site.signed_in()
        connect(browser, api_key=DEMO_KEY, team_name="Acme")
        site.web.syncs.wait()
        token = csrf(browser.get("/settings/integrations").text)
        browser.post("/settings/integrations/cursor/sync", data={"csrf_token": token})
        site.web.syncs.wait()
    assert caplog.records  # something was logged, or the check proves nothing
    assert not leaks("\n".join(r.getMessage() for r in caplog.records))
    out, err = capfd.readouterr()
    assert "sync cursor: httpx INFO HTTP Request: POST" in err  # the sync processes' lines
    assert not leaks(out + err)


def test_an_admin_imports_a_focus_file_and_everyone_sees_it(site):
    """Settings → Data sources: the upload, imported in the background, says what it read; a
    file that is not FOCUS is refused at the field and stores nothing; a viewer sees the
    list, not the form."""
    from tests.integrations.focus.test_reader import OFFICIAL  # noqa: PLC0415

    browser = site.signed_in()
    page = browser.get("/settings/data-sources")
    token = csrf(page.text)
    notes = ("notes.csv", b"Date,Amount\n2026-03-01,12\n")
    answer = browser.post("/settings/data-sources/import", data={"csrf_token": token},
                          files={"file": notes})  # fmt: skip
    assert (answer.status_code, answer.headers["location"]) == (303, "/settings/data-sources")
    site.web.imports.wait()
    wrong = browser.get("/settings/data-sources")
    assert 'id="file-error" role="alert">notes.csv, line 1: no BilledCost' in wrong.text
    assert "No cloud costs yet." in wrong.text
    answer = browser.post("/settings/data-sources/import", data={"csrf_token": token},
                          files={"file": ("focus_sample.csv", OFFICIAL.read_bytes())})  # fmt: skip
    assert answer.status_code == 303
    site.web.imports.wait()
    done = browser.get("/settings/data-sources")
    assert 'id="file-error"' not in done.text
    text = " ".join(done.text.split())
    assert "1,000 rows of FOCUS 1.0 into source <strong>aws</strong>" in text
    assert "billing periods 2024-09, 2024-10" in text
    viewer = site.signed_in(VIEWER).get("/settings/data-sources")
    assert "focus_sample.csv" in viewer.text
    (listed,) = browser.get("/api/data-sources").json()
    assert {k: listed[k] for k in ("source", "file_name", "focus_version", "rows",
                                   "first_period", "last_period")} == {
        "source": "aws", "file_name": "focus_sample.csv", "focus_version": "1.0", "rows": 1000,
        "first_period": "2024-09-01", "last_period": "2024-10-01"}  # fmt: skip
    assert 'action="/settings/data-sources/import"' not in viewer.text


def test_a_setup_link_creates_no_admin_once_a_user_exists(site):
    """``serve`` printed a link while no user existed; ``users add`` made one since (the site's
    admin and viewer): the link is refused, and no account is made."""
    link = accounts.new_setup_link(site.web.engine, site.web.clock())
    browser = site.browser()
    page = browser.get(f"/setup/{link}")
    assert page.status_code == 404
    form = {"email": "late-admin@acme.dev", "password": PASSWORD, "again": PASSWORD,
            "csrf_token": csrf(browser.get("/sign-in").text)}  # fmt: skip
    refused = browser.post(f"/setup/{link}", data=form)
    assert refused.status_code == 404
    assert "an account exists already" in refused.text
    assert accounts.sign_in(site.web.engine, "late-admin@acme.dev", PASSWORD) is None


def test_sync_now_of_an_integration_that_is_not_there_is_a_404_and_starts_nothing(site):
    """As the API's sync answers: no sync process is spawned for a name no integration has."""
    browser = site.signed_in()
    token = csrf(browser.get("/settings/integrations").text)
    answer = browser.post("/settings/integrations/nope/sync", data={"csrf_token": token})
    assert answer.status_code == 404
    assert "no integration named nope" in answer.text
    assert "nope" not in site.web.syncs._processes  # no sync process was spawned


def test_signing_in_from_a_shared_link_lands_on_it_with_its_range(site):
    """A link a colleague shared (a page and its range, an ``&`` in it) comes back whole after
    the sign-in it sends the browser to."""
    shared = "/people?since=2026-11-02&until=2026-11-08&integration=cursor"
    browser = site.browser()
    sent = browser.get(shared)
    assert sent.status_code == 303
    page = browser.get(sent.headers["location"])
    (next_,) = re.findall(r'name="next" value="([^"]*)"', page.text)
    signed = browser.post("/sign-in", data={"email": ADMIN, "password": PASSWORD,
                                            "next": html.unescape(next_),
                                            "csrf_token": csrf(page.text)})  # fmt: skip
    assert (signed.status_code, signed.headers["location"]) == (303, shared)


def test_a_wrong_token_on_a_page_that_is_not_there_is_a_404_not_a_500(site):
    """The error page asks who is signed in: a token that names no one is no one, not a fault."""
    with site.browser() as script:
        script.headers["Authorization"] = "Bearer pv_wrong"
        for method, path, status in (("GET", "/nope", 404), ("DELETE", "/sign-in", 405)):
            answer = script.request(method, path)
            assert answer.status_code == status, path
            assert answer.headers["content-security-policy"] == CSP
