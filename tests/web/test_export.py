"""``GET /api/export/focus``: the CLI's file as a download, for admins and viewers alike; a bad
parameter is a 400 in JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pumpview.cli import main
from pumpview.simulator import DEMO_KEY
from tests.exports.focus.test_export import HEADERS, person, rows_of, sums, truth
from tests.web.conftest import VIEWER, csrf

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EXPORT = "/api/export/focus"


def synced(site):
    """The site after Connect and its backfill, with an admin's browser."""
    browser = site.signed_in()
    page = browser.get("/settings/integrations")
    answer = browser.post("/settings/integrations/connect",
                          data={"csrf_token": csrf(page.text), "api_key": DEMO_KEY})  # fmt: skip
    assert answer.status_code == 303, answer.text
    site.web.syncs.wait()
    return browser


def cli_export(site, tmp_path, monkeypatch, capsys, *argv: str) -> bytes:
    """What ``pumpview export focus`` writes on the site's store, with the site's secret."""
    settings = site.web.settings
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("PUMPVIEW_SECRET_KEY", settings.secret_key.get_secret_value())
    out = tmp_path / "cli" / argv[0]
    out.parent.mkdir(exist_ok=True)
    with pytest.raises(SystemExit) as done:
        main(["export", "focus", "--out", str(out), *argv[1:]])
    assert done.value.code in (0, None), capsys.readouterr().err
    return out.read_bytes()


@pytest.mark.parametrize(
    ("name", "query", "argv"),
    [
        ("a.csv", {}, ()),
        ("b.parquet", {"focus_version": "1.4", "format": "parquet", "hash_emails": "true"},
         ("--focus-version", "1.4", "--hash-emails")),
    ],
)  # fmt: skip
def test_the_download_is_the_clis_file(site, tmp_path, monkeypatch, capsys, name, query, argv):
    """Byte for byte the file the CLI writes for the same range, options and secret."""
    browser = synced(site)
    until = site.web.clock.today()
    since = until - timedelta(days=3)
    answer = browser.get(EXPORT, params={"since": str(since), "until": str(until), **query})
    assert answer.status_code == 200, answer.text
    ext = name.rsplit(".", 1)[1]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="ai-tools-focus-{query.get("focus_version", "1.2")}-{since}-{until}'
        f'.{ext}"'
    )
    cli = cli_export(site, tmp_path, monkeypatch, capsys, name, "--since", str(since),
                     "--until", str(until), *argv)  # fmt: skip
    assert answer.content == cli
    (tmp_path / name).write_bytes(answer.content)
    rows = rows_of(tmp_path / name)
    assert sums(rows) == truth(site.cursor.sim.team, since, until)
    assert list(rows[0]) == HEADERS[query.get("focus_version", "1.2")]
    if query.get("hash_emails"):
        assert all(p is None or p.startswith("hmac-sha256:") for p in map(person, rows))


def test_a_viewer_downloads_too_and_the_metadata_comes_alongside(site, tmp_path):
    synced(site)
    viewer = site.signed_in(VIEWER)
    answer = viewer.get(EXPORT)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    (tmp_path / "v.csv").write_bytes(answer.content)
    until = site.web.clock.today() - timedelta(days=1)
    since = until - timedelta(days=29)  # the default range: the last 30 days, to yesterday
    assert sums(rows_of(tmp_path / "v.csv")) == truth(site.cursor.sim.team, since, until)
    meta = viewer.get(EXPORT, params={"part": "metadata", "focus_version": "1.3"})
    assert meta.headers["content-type"] == "application/json"
    data = json.loads(meta.content)
    assert data["Schema"]["FocusVersion"] == "1.3"
    assert data["x_PumpView"]["Range"]["Since"] == str(since)


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"focus_version": "1.5"}, "focus_version"),
        ({"format": "xlsx"}, "format"),
        ({"hash_emails": "perhaps"}, "hash_emails"),
        ({"part": "everything"}, "part"),
        ({"since": "2025-13-01"}, "since/until: not a date"),
        ({"since": "2025-11-20", "until": "2025-11-01"}, "is after To"),
        ({"integration": "nope"}, "no integration named nope"),
        ({"team": "nope"}, "no integration named nope"),
    ],
)
def test_a_bad_parameter_is_a_400_in_json(site, params, said):
    answer = site.signed_in(VIEWER).get(EXPORT, params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "bad_request"
    assert said in body["message"]


def test_signed_out_is_a_401(site):
    answer = site.browser().get(EXPORT)
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized")


def test_the_data_sources_page_has_the_export_form_for_everyone(site):
    """The form carries the page's range and teams in a plain GET, admin or viewer."""
    for who in (None, VIEWER):
        browser = site.signed_in(who) if who else site.signed_in()
        range_ = {"since": "2025-11-01", "until": "2025-11-20", "integration": "x"}
        page = browser.get("/settings/data-sources", params=range_)
        assert page.status_code == 200
        text = page.text
        assert "Export AI tool costs as FOCUS" in text
        assert 'action="/api/export/focus"' in text
        assert 'name="since" type="text" class="day" value="2025-11-01"' in text
        assert '<input type="hidden" name="integration" value="x">' in text
