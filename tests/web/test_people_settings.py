"""Settings → People: a mapping uploaded, previewed and applied; an admin's edits of one person,
errors at their field; what a viewer sees and may not do; the JSON twin."""

from __future__ import annotations

import html
import re

from pumpview.store import directory
from pumpview.web.pending import GONE
from tests.web.conftest import VIEWER, csrf

PAGE = "/settings/people"
MAPPING = """email,name,aliases,team,valid_from,valid_to
alex@corp.com,Alex Kim,alex;alex_corp_com,Platform,,2026-03-01
alex@corp.com,,,Data,2026-03-01,
,<b>Build Bot</b>,ci-bot,Platform,,
"""


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page, re.DOTALL)
    assert found, name
    return html.unescape(found.group(1))


def text(page: str) -> str:
    return " ".join(page.split())


def upload(browser, body: str, name: str = "people.csv"):
    token = csrf(browser.get(PAGE).text)
    return browser.post(f"{PAGE}/preview", data={"csrf_token": token},
                        files={"file": (name, body.encode())})  # fmt: skip


def apply(browser, preview: str):
    """Apply as a browser would: the preview's form posted with every field it holds."""
    (form,) = re.findall(r'<form method="post" action="/settings/people/apply".*?</form>',
                         preview, re.DOTALL)  # fmt: skip
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return browser.post(f"{PAGE}/apply", data={k: html.unescape(v) for k, v in fields.items()})


def test_upload_preview_then_apply_and_the_same_file_again_changes_nothing(site):
    browser = site.signed_in()
    preview = upload(browser, MAPPING)
    assert preview.status_code == 200
    shown = text(preview.text)
    assert "What people.csv would change" in shown
    assert "6 changes: 2 new people, 2 aliases, 2 team changes. Nothing has changed yet." in shown
    assert ("<td>Alex Kim (alex@corp.com)</td><td>team: Platform until 2026-03-01, then Data "
            "from 2026-03-01</td>") in shown  # fmt: skip
    assert "&lt;b&gt;Build Bot&lt;/b&gt;" in shown  # a name is text, never markup
    assert browser.get("/api/directory").json() == []  # a preview changes nothing
    done = apply(browser, preview.text)
    assert done.status_code == 200
    assert ("Applied 6 changes from people.csv: 2 new people, 2 aliases, 2 team changes."
            in text(done.text))  # fmt: skip
    assert browser.get("/api/directory").json() == [
        {"person": "<b>Build Bot</b>", "email": None, "aliases": ["ci-bot"], "team": "Platform",
         "memberships": [
             {"team": "Platform", "valid_from": None, "valid_to": None, "origin": "csv"}]},
        {"person": "Alex Kim", "email": "alex@corp.com",
         "aliases": ["alex", "alex@corp.com", "alex_corp_com"], "team": "Data",
         "memberships": [
             {"team": "Platform", "valid_from": None, "valid_to": "2026-03-01", "origin": "csv"},
             {"team": "Data", "valid_from": "2026-03-01", "valid_to": None, "origin": "csv"}]},
    ]  # fmt: skip
    again = upload(browser, MAPPING)
    assert "people.csv changes nothing: the people are already as it says." in text(again.text)
    assert 'action="/settings/people/apply"' not in again.text
    second = apply(browser, preview.text)  # the upload went with the first Apply
    assert second.status_code == 400
    assert f'id="file-error" role="alert">{html.escape(GONE)}</p>' in second.text
    assert len(browser.get("/api/directory").json()) == 2
    csv = browser.get("/api/directory?format=csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="people.csv"'
    assert csv.text.splitlines()[0] == "email,name,aliases,team,valid_from,valid_to"


def test_an_apply_after_the_people_changed_shows_the_new_preview_and_changes_nothing(site):
    browser = site.signed_in()
    preview = upload(browser, MAPPING)
    with site.web.engine.begin() as conn:  # a Cursor sync, meanwhile
        directory.add_person(conn, "alex@corp.com", "Alex", "cursor", site.web.clock())
    stale = apply(browser, preview.text)
    assert stale.status_code == 409
    shown = text(stale.text)
    assert "The people changed since the preview of people.csv: look at what it would" in shown
    assert "<td>Alex (alex@corp.com)</td><td>name &#39;Alex&#39; → &#39;Alex Kim&#39;</td>" in shown
    assert [p["person"] for p in browser.get("/api/directory").json()] == ["Alex"]
    done = apply(browser, stale.text)  # the new preview's Apply goes ahead
    assert "Applied 6 changes from people.csv" in text(done.text)


def test_a_bad_file_is_refused_at_its_field_and_changes_nothing(site):
    browser = site.signed_in()
    answer = upload(browser, "email,team,valid_from\na@x.io,Data,1 March\n", "team.csv")
    assert answer.status_code == 400
    assert ('id="file-error" role="alert">team.csv, line 2, column valid_from: not a date '
            "(expected YYYY-MM-DD): &#39;1 March&#39;</p>") in answer.text  # fmt: skip
    assert browser.get("/api/directory").json() == []


def test_an_admin_edits_one_person_and_each_mistake_is_said_at_its_field(site):
    browser = site.signed_in()
    apply(browser, upload(browser, MAPPING).text)
    with site.web.engine.connect() as conn:
        ids = {p.label: p.id for p in directory.load(conn).values()}
    alex, bot = ids["Alex Kim"], ids["<b>Build Bot</b>"]
    page = browser.get(f"{PAGE}?person={bot}")
    assert "Edit &lt;b&gt;Build Bot&lt;/b&gt;" in page.text
    token = csrf(page.text)

    def post(action: str, **form: object):
        return browser.post(f"{PAGE}/{action}", data={"csrf_token": token, **form})

    said = post("rename", person_id=bot, name="Build Bot")
    assert "<b>Build" not in said.text  # names are said as text
    assert "<b>Build Bot</b>: name '<b>Build Bot</b>' → 'Build Bot'" in html.unescape(said.text)
    said = post("alias", person_id=bot, alias="alex")
    assert "Build Bot: alias alex moved from Alex Kim (alex@corp.com)" in text(said.text)
    refused = post("alias", person_id=bot, alias="alex@corp.com")
    assert refused.status_code == 400
    assert ('id="alias-error" role="alert">alex@corp.com is the email of Alex Kim '
            "(alex@corp.com): it names them alone</p>") in refused.text  # fmt: skip
    refused = post("unalias", person_id=alex, alias="alex@corp.com")
    assert 'id="alias-error" role="alert">alex@corp.com is Alex Kim&#39;s email' in refused.text
    refused = post("team", person_id=alex, team="", valid_from="2026-04-01")
    assert 'id="team-error" role="alert">give a team</p>' in refused.text
    said = post("team", person_id=alex, team="Security", valid_from="2026-04-01")
    assert ("team: Platform until 2026-03-01, then Data from 2026-03-01 until 2026-04-01, then "
            "Security from 2026-04-01") in text(said.text)  # fmt: skip
    said = post("leave", person_id=alex, day="2026-05-01")
    assert "Security from 2026-04-01 until 2026-05-01" in text(said.text)
    again = post("leave", person_id=alex, day="2026-05-01")
    assert "Nothing to change: it was so already." in again.text
    refused = post("leave", person_id=alex, day="May")
    assert 'id="day-error" role="alert">not a date (expected YYYY-MM-DD): &#39;May&#39;' in (
        refused.text
    )
    (listed,) = [p for p in browser.get("/api/directory").json() if p["person"] == "Alex Kim"]
    assert listed["memberships"][-1] == {"team": "Security", "valid_from": "2026-04-01",
                                         "valid_to": "2026-05-01", "origin": "admin"}  # fmt: skip
    assert listed["aliases"] == ["alex@corp.com", "alex_corp_com"]


def test_a_viewer_sees_the_people_but_no_form_and_may_not_post(site):
    admin = site.signed_in()
    apply(admin, upload(admin, MAPPING).text)
    viewer = site.signed_in(VIEWER)
    page = viewer.get(f"{PAGE}?person=1")
    assert page.status_code == 200
    assert "Alex Kim" in page.text
    assert 'href="/settings/people"' in page.text  # in the Settings sub-navigation
    for absent in ('action="/settings/people/preview"', "Edit Alex Kim", 'action="/settings/'
                   'people/rename"'):  # fmt: skip
        assert absent not in page.text
    refused = viewer.post(f"{PAGE}/preview", data={"csrf_token": csrf(page.text)},
                          files={"file": ("p.csv", b"email\nz@x.io\n")})  # fmt: skip
    assert refused.status_code == 403
    assert len(viewer.get("/api/directory").json()) == 2


def test_a_mapping_over_1_mb_is_previewed_then_applied_and_everyone_is_in(site):
    """2,100 people with long names in 1.1 MB, past a form field's 1 MB: the preview keeps
    the file on the server and its form carries an id, so the Apply goes through; the
    directory then holds every person of the file, with their team; the kept file is gone."""
    people = 2100
    title = "of the Larger Engineering Organisation " * 11  # a name of ~440 characters
    rows = [
        f"person{i:05d}@corp.com,Person {i:05d} {title.strip()},"
        f"p{i:05d};person{i:05d}_corp_com,Team {i % 40:02d},,"
        for i in range(people)
    ]
    body = "email,name,aliases,team,valid_from,valid_to\n" + "\n".join(rows) + "\n"
    assert len(body.encode()) > 1 << 20
    browser = site.signed_in()
    preview = upload(browser, body, "everyone.csv")
    assert preview.status_code == 200
    assert "What everyone.csv would change" in preview.text
    (form,) = re.findall(r'action="/settings/people/apply".*?</form>', preview.text, re.DOTALL)
    assert len(form) < 1000  # the file is not in the form
    kept = site.web.settings.home_dir / "pending" / "people"
    assert len(list(kept.iterdir())) == 1
    done = apply(browser, preview.text)
    assert done.status_code == 200, text(done.text)[:300]
    assert re.search(r"Applied \d+ changes from everyone\.csv: 2,?100 new people", text(done.text))
    listed = browser.get("/api/directory").json()
    assert sorted((p["email"], p["team"]) for p in listed) == sorted(
        (f"person{i:05d}@corp.com", f"Team {i % 40:02d}") for i in range(people)
    )
    assert list(kept.iterdir()) == []
