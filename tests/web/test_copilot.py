"""GitHub Copilot in the web app: Connect on Settings → Integrations with its organisation (each
refusal at its field, the token never echoed), the backfill and the card; the GitHub logins no
one is mapped to on Settings → People, mapped with one click, after which the person's row of
``/api/people`` holds their Copilot part exactly as GitHub billed it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview.integrations import providers
from pumpview.simulator import DEMO_KEY
from pumpview.simulator.github import (
    DEMO_GITHUB_FINE_TOKEN,
    DEMO_GITHUB_TOKEN,
    GitHubConfig,
    GitHubSimulator,
    create_github_simulator,
)
from pumpview.simulator.github.truth import billing_truth, login_emails
from pumpview.simulator.server import serve_in_thread
from pumpview.web.pages.integrations import CONNECTS, NEEDS_ORG
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT
from tests.web.conftest import csrf
from tests.web.test_browser import browser, follow, open_page, shot, sign_in  # noqa: F401

PAGE = "/settings/integrations"
INVALID = "ghp_" + "x" * 36
CENTS = Decimal(100)


@dataclass
class GitHub:
    url: str
    sim: GitHubSimulator


@pytest.fixture
def github() -> Iterator[GitHub]:
    """GitHub's API for the site's organisation ``acme``: the site's present, its Cursor's
    people (the same seed, roster size and days)."""
    config = GitHubConfig(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=8)
    app = create_github_simulator(config)
    with serve_in_thread(app) as url:
        yield GitHub(url, app.state.sim)


def _connect(client, token: str, org: str = "acme", **more: str):
    page = client.get(PAGE)
    return client.post(PAGE, data={"api_key": token, "org": org, "provider": "copilot",
                                    "csrf_token": csrf(page.text), **more})  # fmt: skip


def test_the_cards_with_an_organisation_field_are_the_providers_that_need_one():
    assert set(CONNECTS) == set(providers.NAMES)
    assert {p for p in providers.NAMES if providers.provider(p).needs_org} == NEEDS_ORG


@pytest.mark.parametrize(
    ("token", "org", "field", "said"),
    [
        ("not-a-token", "acme", "api_key", "a GitHub token starts with ghp_"),
        (INVALID, "acme", "api_key", "GitHub rejected the token (Bad credentials)"),
        (
            DEMO_GITHUB_FINE_TOKEN,
            "acme",
            "api_key",
            "the token is missing the permission &#34;Administration&#34; (organisation, read)",
        ),
        (DEMO_GITHUB_TOKEN, "globex", "org", "GitHub found no organisation &#39;globex&#39;"),
        (DEMO_GITHUB_TOKEN, "", "org", "Give the GitHub organisation to read"),
        (DEMO_GITHUB_TOKEN, "no such org!", "org", "letters, digits and dashes"),
    ],
    ids=["malformed", "invalid", "no-permission", "no-such-org", "no-org", "bad-org"],
)
def test_a_refused_connect_says_why_at_its_field_and_never_echoes_the_token(
    make_site, github, token, org, field, said
):
    site = make_site(settings={"github_base_url": github.url})
    client = site.signed_in()
    refused = _connect(client, token, org)
    assert refused.status_code == 200
    text = refused.text
    error = text.split(f'id="copilot-{field}-error" role="alert">', 1)[1].split("</p>", 1)[0]
    assert said in error
    assert f'id="copilot-{field}" ' in text
    assert token not in text
    assert 'aria-invalid="true"' in text.split(f'id="copilot-{field}"', 1)[1].split(">", 1)[0]
    assert client.get("/api/integrations").json() == []


def test_connect_github_copilot_backfills_and_its_card_names_the_organisation(make_site, github):
    site = make_site(settings={"github_base_url": github.url})
    client = site.signed_in()
    page = client.get(PAGE).text
    assert "Connect GitHub Copilot" in page
    assert 'name="org"' in page
    assert 'id="copilot-name" name="name" type="text" value="copilot"' in page
    done = _connect(client, DEMO_GITHUB_TOKEN, "ACME")
    assert done.status_code == 303
    site.web.syncs.wait()
    (card,) = client.get("/api/integrations").json()
    assert (card["name"], card["provider"], card["account"], card["status"]) == (
        "copilot", "copilot", "acme", "connected")  # fmt: skip
    assert card["run"]["outcome"] == "ok"
    assert card["key"].startswith("ghp_…")
    page = client.get(PAGE).text
    assert "GitHub Copilot · acme" in page
    assert "<dt>GitHub organisation</dt><dd>acme</dd>" in page
    assert DEMO_GITHUB_TOKEN not in page
    assert 'id="copilot-name" name="name" type="text" value="copilot-2"' in page  # another
    again = _connect(client, DEMO_GITHUB_TOKEN, "acme", name="copilot-2")
    assert "already connected as the integration copilot" in again.text


def _copilot_usage(sim: GitHubSimulator, login: str, first: date, last: date) -> Decimal:
    """The login's Copilot usage value over ``[first, last]`` in cents, from GitHub's truth."""
    total = Decimal(0)
    day = first
    while day <= last:
        for (who, _model, _sku), line in billing_truth(sim.org, day).items():
            if who == login:
                total += line.gross_amount * CENTS
        day += timedelta(days=1)
    return total


def test_an_unmapped_login_is_mapped_with_one_click_and_counts_as_its_person(
    make_site,
    github,
    browser,  # noqa: F811
    db_url,
):
    """Connected through the page, a login of the roster whose seat has no public email is
    listed as unmapped with its person preselected; Map ties it, and ``/api/people`` gives the
    person one row whose Copilot part is GitHub's billed usage of that login."""
    if db_url.startswith("postgresql"):
        pytest.skip("one store is enough for a browser walk: the report runs on each elsewhere")
    site = make_site(settings={"github_base_url": github.url})
    client = site.signed_in()
    cursor = client.post(
        PAGE, data={"api_key": DEMO_KEY, "csrf_token": csrf(client.get(PAGE).text)}
    )
    assert cursor.status_code == 303  # Cursor first: its people are the directory's
    site.web.syncs.wait()
    page, problems = open_page(browser)
    sign_in(page, site)
    page.goto(f"{site.url}{PAGE}")
    card = page.locator("section.connect", has=page.get_by_role("heading", name="GitHub Copilot"))
    card.get_by_label("GitHub token").fill("not-a-token")
    card.get_by_label("GitHub organisation").fill("acme")
    follow(page, card.get_by_role("button", name="Connect GitHub Copilot"))
    assert "starts with ghp_" in page.locator("#copilot-api_key-error").inner_text()
    assert page.get_by_label("GitHub token").input_value() == ""  # the key is not echoed
    assert page.locator("#copilot-org").input_value() == "acme"  # the organisation is
    page.get_by_label("GitHub token").fill(DEMO_GITHUB_TOKEN)
    page.locator("#copilot-org").fill("globex")
    follow(page, page.get_by_role("button", name="Connect GitHub Copilot"))
    assert "no organisation 'globex'" in page.locator("#copilot-org-error").inner_text()
    page.get_by_label("GitHub token").fill(DEMO_GITHUB_TOKEN)
    page.locator("#copilot-org").fill("acme")
    follow(page, page.get_by_role("button", name="Connect GitHub Copilot"))
    site.web.syncs.wait()
    (card_json,) = [c for c in client.get("/api/integrations").json() if c["name"] == "copilot"]
    first, last = date.fromisoformat(card_json["first_day"]), site.web.clock.today()

    emails = login_emails(github.sim.org)
    listed = client.get("/api/github-logins").json()
    ids = {p["email"]: p["id"] for p in listed["people"]}
    candidates = [
        g for g in listed["logins"]
        if g["login"] in emails and Decimal(g["usage_cents"]) and g["suggested"]
    ]  # fmt: skip
    assert candidates, listed
    login = candidates[0]["login"]
    email = emails[login]
    assert candidates[0]["suggested"] == ids[email]
    page.goto(f"{site.url}/settings/people")
    row = page.locator(f'tr[data-login="{login}"]')
    assert row.is_visible()
    assert page.locator(f"#github-{login}").input_value() == str(ids[email])  # preselected
    shot(page, "people-github-logins")
    follow(page, row.get_by_role("button", name=f"Map the GitHub login {login}"))
    assert f"Mapped the GitHub login {login} to" in page.get_by_role("status").inner_text()
    assert page.locator(f'tr[data-login="{login}"]').count() == 0
    assert login not in {g["login"] for g in client.get("/api/github-logins").json()["logins"]}

    people = client.get("/api/people", params={"since": str(first), "until": str(last)}).json()
    (mine,) = [r for r in people if r["email"] == email]
    assert Decimal(mine["providers"]["copilot"]["usage_cents"]) == _copilot_usage(
        github.sim, login, first, last
    )
    assert f"github:{login}" not in {r["email"] for r in people}
    assert problems == []


def test_viewers_see_the_unmapped_logins_but_cannot_map_them(make_site, github):
    from tests.web.conftest import VIEWER  # noqa: PLC0415

    site = make_site(settings={"github_base_url": github.url})
    admin = site.signed_in()
    assert _connect(admin, DEMO_GITHUB_TOKEN).status_code == 303
    site.web.syncs.wait()
    viewer = site.signed_in(VIEWER)
    page = viewer.get("/settings/people").text
    assert "GitHub logins not mapped to a person" in page
    assert "/settings/people/github-login" not in page
    logins = viewer.get("/api/github-logins").json()["logins"]
    assert logins
    refused = viewer.post("/settings/people/github-login", data={
        "login": logins[0]["login"], "person_id": "1", "csrf_token": csrf(page)})  # fmt: skip
    assert refused.status_code == 403
    assert logins == admin.get("/api/github-logins").json()["logins"]


def test_a_map_without_a_person_says_so_at_its_field(make_site, github):
    site = make_site(settings={"github_base_url": github.url})
    admin = site.signed_in()
    assert _connect(admin, DEMO_GITHUB_TOKEN).status_code == 303
    site.web.syncs.wait()
    login = admin.get("/api/github-logins").json()["logins"][0]["login"]
    page = admin.get("/settings/people").text
    for person_id, said in (("", "Choose the person"), ("99999", "No such person")):
        answer = admin.post("/settings/people/github-login", data={
            "login": login, "person_id": person_id, "csrf_token": csrf(page)})  # fmt: skip
        assert answer.status_code == 400
        assert f'id="github-{login}-error" role="alert">{said}' in answer.text
    bad = admin.post("/settings/people/github-login", data={
        "login": "<script>", "person_id": "1", "csrf_token": csrf(page)})  # fmt: skip
    assert bad.status_code == 400
    assert "not a GitHub login" in bad.text
    assert "<script>" not in bad.text.split("<main", 1)[1]
