"""Settings → Data sources imports an upload in the background, with progress on the page and in
its JSON twin, then the exact summary; a bad file, an error at the field; a shutdown, nothing."""

from __future__ import annotations

import csv
import decimal
import html
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from markupsafe import escape

from pumpview import accounts
from pumpview.settings import load_settings
from pumpview.simulator.server import serve_in_thread
from pumpview.store.engine import open_store
from pumpview.timeutil import from_ms
from pumpview.web.app import create_app
from pumpview.web.imports import STOPPED, VANISHED
from tests.conftest import NOW_MS
from tests.integrations.focus.test_reader import HEADER, MALFORMED, OFFICIAL, write_malformed
from tests.web.conftest import ADMIN, PASSWORD, VIEWER, csrf

PAGE = "/settings/data-sources"
STATUS = "/api/data-sources/import"
ON_CLICKHOUSE = True
ROWS = 60_000
"""Enough rows for the import to take a few seconds (about 20,000 a second on SQLite)."""


@dataclass
class Truth:
    """What a generated file holds, summed as it was written."""

    rows: int = 0
    billed: dict[str, Decimal] = field(default_factory=dict)
    effective: dict[str, Decimal] = field(default_factory=dict)


def generate(path: Path, rows: int, *, broken_at: int | None = None) -> Truth:
    """A FOCUS file of two billing periods and two currencies, every amount different; with
    ``broken_at``, that data row's BilledCost is not a number."""
    rng = random.Random(12)
    truth = Truth()
    lines = [HEADER]
    with decimal.localcontext() as exact:
        exact.prec = 60
        for i in range(rows):
            period = ("2026-01", "2026-02")[i % 2]
            start, end = f"{period}-01T00:00:00Z", f"{period}-28T00:00:00Z"
            currency = "USD" if i % 3 else "EUR"
            billed = Decimal(rng.randrange(1, 10**9)).scaleb(-rng.choice((2, 6, 10)))
            effective = Decimal(rng.randrange(1, 10**9)).scaleb(-6)
            truth.rows += 1
            truth.billed[currency] = truth.billed.get(currency, Decimal(0)) + billed
            truth.effective[currency] = truth.effective.get(currency, Decimal(0)) + effective
            cost = "lots" if i + 1 == broken_at else f"{billed:f}"
            lines.append(f"{cost},{effective:f},,{currency},{start},{end},{start},{end},"
                         f"{'Google' if i % 5 == 4 else 'AWS'},EC2,,x{i}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return truth


def shown(amount: Decimal, currency: str) -> str:
    """An amount as people read it: to the cent (half to even), thousands separated, the
    dollar sign before US dollars, the code after any other currency."""
    cents = amount.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN)
    figure = f"{abs(cents):,}"
    sign = "-" if cents < 0 else ""
    return f"{sign}${figure}" if currency == "USD" else f"{sign}{figure} {currency}"


def upload(browser: httpx.Client, path: Path, source: str = "") -> httpx.Response:
    token = csrf(browser.get(PAGE).text)
    with path.open("rb") as stream:
        return browser.post(f"{PAGE}/import", data={"csrf_token": token, "source": source},
                            files={"file": (path.name, stream)})  # fmt: skip


def follow(browser: httpx.Client, until: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The JSON status, polled until ``until`` holds (within a minute); every answer seen."""
    seen = [browser.get(STATUS).json()]
    deadline = time.monotonic() + 60
    while not until(seen[-1]):
        assert time.monotonic() < deadline, seen[-1]
        time.sleep(0.05)
        seen.append(browser.get(STATUS).json())
    return seen


def stored(db_url: str) -> int:
    """Rows of cloud costs and imports the store keeps, read afresh (wherever the rows live)."""
    from tests.integrations.focus.test_importer import cost_rows, kept_imports  # noqa: PLC0415

    engine = open_store(db_url, os.environ.get("PUMPVIEW_CLICKHOUSE_URL"))
    try:
        return len(cost_rows(engine)) + kept_imports(engine)
    finally:
        engine.dispose()


def test_an_upload_returns_at_once_and_the_page_follows_it_to_the_exact_summary(site, tmp_path):
    """The upload answers with a redirect while the import still runs; the page (for a viewer
    too) and the JSON show a bar that rises; a second upload meanwhile is refused; the end
    is the summary, exactly the sums of the generated file, and the upload's folder is gone."""
    path = tmp_path / "big-export.csv"
    truth = generate(path, ROWS)
    admin, viewer = site.signed_in(), site.signed_in(VIEWER)
    answer = upload(admin, path)
    assert (answer.status_code, answer.headers["location"]) == (303, PAGE)
    running = admin.get(STATUS).json()
    assert (running["state"], running["file_name"]) == ("running", "big-export.csv")
    folder = site.web.imports.status().folder
    assert (folder / "big-export.csv").exists()

    moving = follow(admin, lambda s: s["state"] != "running" or 0 < s["rows"] < ROWS // 2)
    assert moving[-1]["state"] == "running", "the import ended before it was seen moving"
    page = admin.get(PAGE).text
    assert 'data-running="true"' in page
    assert '<progress id="job-progress"' in page
    assert "% read," in page
    assert '<button type="submit" disabled>Import</button>' in page
    seen_by_viewer = viewer.get(PAGE).text
    assert "Importing big-export.csv" in seen_by_viewer
    assert 'action="/settings/data-sources/import"' not in seen_by_viewer
    second = upload(admin, path)
    assert second.status_code == 409
    assert ('id="file-error" role="alert">big-export.csv is still being imported: upload this '
            "file again once it has ended.") in second.text  # fmt: skip

    seen = moving + follow(admin, lambda s: s["state"] != "running")
    ran = [s for s in seen if s["state"] == "running"]
    rows = [s["rows"] for s in ran]
    assert rows == sorted(rows)
    assert len({r for r in rows if 0 < r < ROWS}) >= 2  # it rose while it ran
    assert all(s["percent"] == s["done"] * 100 // s["total"] for s in ran if s["total"])
    done = seen[-1]
    assert done["state"] == "done", done
    assert (done["rows"], done["done"], done["percent"], done["error"]) == (
        ROWS, done["total"], 100, None)  # fmt: skip
    imported = done["imported"]
    assert {c: Decimal(v) for c, v in imported.pop("billed").items()} == truth.billed
    assert {c: Decimal(v) for c, v in imported.pop("effective").items()} == truth.effective
    assert imported == {
        "source": "aws", "focus_version": "1.0", "rows": ROWS,
        "billing_periods": ["2026-01-01", "2026-02-01"], "providers": ["AWS", "Google"],
        "replaced": 0, "repaired": 0,
        "days": {"since": "2026-01-01", "until": "2026-02-27"},  # the periods end on the 28th
    }  # fmt: skip
    assert not folder.exists()
    page = " ".join(admin.get(PAGE).text.split())
    assert 'data-running="true"' not in page
    assert "60,000 rows of FOCUS 1.0 into source <strong>aws</strong>" in page
    for currency in truth.billed:
        assert (f"<li>{currency}: billed {shown(truth.billed[currency], currency)}, effective "
                f"{shown(truth.effective[currency], currency)}</li>") in page  # fmt: skip
    (listed,) = admin.get("/api/data-sources").json()
    assert (listed["file_name"], listed["rows"]) == ("big-export.csv", ROWS)


def test_a_malformed_file_ends_with_the_error_at_the_field_and_nothing_stored(site, tmp_path):
    """A bad cell deep in the file, after several batches went in, fails the import: the
    page says which line and column at the field, and nothing of the file is stored."""
    path = tmp_path / "costs.csv"
    generate(path, 22_000, broken_at=21_000)
    admin = site.signed_in()
    assert upload(admin, path).status_code == 303
    (*_running, failed) = follow(admin, lambda s: s["state"] != "running")
    assert failed["state"] == "failed"
    assert failed["imported"] is None
    assert failed["error"].startswith("costs.csv, line 21001, column BilledCost: ")
    page = admin.get(PAGE).text
    assert f'id="file-error" role="alert">{escape(failed["error"])}' in page  # as text
    assert "No cloud costs yet." in page
    assert admin.get("/api/data-sources").json() == []
    assert stored(site.web.settings.db_url) == 0
    assert not site.web.imports.status().folder.exists()


def test_a_file_outside_the_range_links_to_its_costs_and_one_row_is_singular(site, tmp_path):
    """The FinOps Foundation's sample (September and October 2024, far from today's range):
    the summary links to the Cloud page over its billing periods, where its costs are, per
    provider, the sums of its own cells. A one-row file says "1 row", its amounts with the
    currency's sign to the cent, the exact figure in the JSON."""
    admin = site.signed_in()
    sample = tmp_path / "focus_sample.csv"
    sample.write_bytes(OFFICIAL.read_bytes())
    assert upload(admin, sample).status_code == 303
    done = follow(admin, lambda s: s["state"] != "running")[-1]
    assert done["imported"]["days"] == {"since": "2024-09-01", "until": "2024-10-31"}
    page = admin.get(PAGE).text
    link = "/cloud?since=2024-09-01&amp;until=2024-10-31"
    assert f'<a href="{link}">See these costs on the Cloud page (2024-09-01 to 2024-10-31)' in page
    with OFFICIAL.open(encoding="utf-8-sig", newline="") as raw:
        cells = list(csv.DictReader(raw))
    want: dict[str, Decimal] = {}
    for cell in cells:
        want[cell["ProviderName"]] = want.get(cell["ProviderName"], 0) + Decimal(
            cell["EffectiveCost"])  # fmt: skip
    assert admin.get(html.unescape(link)).status_code == 200
    providers = admin.get("/api/spend/providers",
                          params={"since": "2024-09-01", "until": "2024-10-31"}).json()  # fmt: skip
    got = {r["provider"]: Decimal(r["effective_cost"]) for r in providers if r["provider"] in want}
    assert got == want

    one = tmp_path / "one.csv"
    one.write_text(f"{HEADER}\n20.52022672899,20.5,,USD,2026-02-01,2026-03-01,2026-02-03,"
                   "2026-02-04,AWS,EC2,,\n", encoding="utf-8")  # fmt: skip
    assert upload(admin, one, source="one").status_code == 303
    done = follow(admin, lambda s: s["state"] != "running")[-1]
    assert done["imported"]["billed"] == {"USD": "20.52022672899"}  # exact in the JSON
    page = " ".join(admin.get(PAGE).text.split())
    assert ("1 row of FOCUS 1.0 into source <strong>one</strong>; billing period 2026-02; "
            "provider AWS.") in page  # fmt: skip
    assert "<li>USD: billed $20.52, effective $20.50</li>" in page
    assert "Replaced 0 earlier rows of that period." in page


def test_the_form_says_what_a_source_is_and_lists_those_imported(site, tmp_path):
    """Before anything is imported, the form says a period imported again for a source
    replaces it; after, it lists the sources so far (the sample's default, aws)."""
    admin = site.signed_in()
    hint = "A billing period imported again for the same source replaces that period."
    page = " ".join(admin.get(PAGE).text.split())
    assert hint in page
    assert "Sources so far" not in page
    path = tmp_path / "costs.csv"
    generate(path, 10)
    upload(admin, path)
    assert follow(admin, lambda s: s["state"] != "running")[-1]["state"] == "done"
    page = " ".join(admin.get(PAGE).text.split())
    assert f"{hint} Sources so far: aws.</p>" in page
    assert '<datalist id="sources"><option value="aws"></datalist>' in page


def test_a_bad_source_is_said_at_the_source_field_and_kept_there(site, tmp_path):
    """A source name that cannot be one is refused before anything is read: its error sits at
    the source field (which keeps what was typed), the file's field is not marked, and nothing
    is stored."""
    admin = site.signed_in()
    path = tmp_path / "costs.csv"
    generate(path, 10)
    answer = upload(admin, path, source="!!!")
    assert answer.status_code == 400
    said = "source &#39;!!!&#39;: use letters, digits, dots, dashes (up to 64)"
    assert f'<p class="error" id="source-error" role="alert">{said}</p>' in answer.text
    assert 'value="!!!" aria-describedby="source-hint source-error" aria-invalid="true">' in (
        answer.text
    )
    assert 'id="file-error"' not in answer.text
    assert 'aria-describedby="file-limit">' in answer.text
    assert site.web.imports.status() is None
    assert stored(site.web.settings.db_url) == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the reader's, not the store's
@pytest.mark.parametrize("kind", MALFORMED)
def test_each_malformed_kind_is_its_error_at_the_field(site, tmp_path, kind):
    """Bad UTF-8, a huge cell or amount, deep tags, a broken gzip, a zip: the page says the
    file, line and column at the field (never "the server's log says why"); nothing stored."""
    path, says = write_malformed(tmp_path, kind)
    admin = site.signed_in()
    assert upload(admin, path).status_code == 303
    failed = follow(admin, lambda s: s["state"] != "running")[-1]
    assert (failed["state"], failed["imported"]) == ("failed", None)
    assert failed["error"].startswith(says)
    assert f'id="file-error" role="alert">{escape(failed["error"])}</p>' in admin.get(PAGE).text
    assert stored(site.web.settings.db_url) == 0


@contextmanager
def serving(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Any]]:
    """The app with its lifespan, as ``pumpview serve`` runs it: leaving the block shuts it down."""
    settings = load_settings(home=tmp_path / "home", database_url=db_url,
                             secret_key=Fernet.generate_key().decode(), rate_limit=False,
                             cursor_base_url="http://127.0.0.1:9", sync_interval=None,
                             now=from_ms(NOW_MS))  # fmt: skip
    app = create_app(settings)
    accounts.add_user(app.state.web.engine, ADMIN, "admin", PASSWORD, NOW_MS)
    try:
        with serve_in_thread(app, lifespan=True) as url:
            yield url, app.state.web
    finally:
        app.state.web.engine.dispose()


def test_a_shutdown_mid_import_stops_it_and_leaves_nothing_stored(tmp_path, db_url):
    """The server shutting down while an import runs (batches already in its transaction)
    stops it: nothing of the file is stored, its upload is removed, its process is gone."""
    path = tmp_path / "big-export.csv"
    generate(path, ROWS)
    with serving(tmp_path, db_url) as (url, web):
        browser = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        page = browser.get("/sign-in")
        browser.post("/sign-in", data={"email": ADMIN, "password": PASSWORD,
                                       "csrf_token": csrf(page.text)})  # fmt: skip
        assert upload(browser, path).status_code == 303
        follow(browser, lambda s: s["state"] != "running" or s["rows"] >= 10_000)
        browser.close()
        running = web.imports.status()
        assert running.running, "the import ended before the shutdown"
    ended = web.imports.status()
    assert (ended.running, ended.error, ended.imported) == (False, STOPPED, None)
    assert 10_000 <= ended.rows < ROWS
    assert not ended.folder.exists()
    assert stored(db_url) == 0


def test_an_upload_attributes_by_the_configured_tag_keys(make_site, tmp_path, monkeypatch):
    """PUMPVIEW_TEAM_TAGS reaches the background import: the team comes from its key."""
    monkeypatch.setenv("PUMPVIEW_TEAM_TAGS", "squad")
    site = make_site()
    admin = site.signed_in()
    path = tmp_path / "squads.csv"
    path.write_text("\n".join([
        HEADER, '5,5,5,USD,2026-02-01,2026-03-01,2026-02-03,2026-02-04,AWS,EC2,'
                '"{""Squad"": ""Core"", ""team"": ""Ignored""}",',
    ]) + "\n", encoding="utf-8")  # fmt: skip
    assert upload(admin, path).status_code == 303
    assert follow(admin, lambda s: s["state"] != "running")[-1]["state"] == "done"
    teams = admin.get("/api/spend/teams", params={"since": "2026-02-01", "until": "2026-02-28"})
    assert [(t["team"], t["cloud_effective_cost"]) for t in teams.json()] == [("Core", "5")]


@pytest.mark.sql_store  # with embedded chDB the import is a thread of the server's: no kill
def test_an_import_process_that_dies_ends_the_import_and_frees_the_next(site, tmp_path):
    """The import's process killed mid-file (as the out-of-memory killer would): the page
    says it ended without a word, nothing is stored, the upload is removed, and the next
    upload is accepted."""
    import multiprocessing  # noqa: PLC0415

    path = tmp_path / "big-export.csv"
    generate(path, ROWS)
    admin = site.signed_in()
    assert upload(admin, path).status_code == 303
    follow(admin, lambda s: s["state"] != "running" or s["rows"] >= 5000)
    (process,) = [p for p in multiprocessing.active_children() if p.name == "import-big-export.csv"]
    process.kill()
    ended = follow(admin, lambda s: s["state"] != "running")[-1]
    assert (ended["state"], ended["error"]) == ("failed", VANISHED)
    assert not site.web.imports.status().folder.exists()
    assert stored(site.web.settings.db_url) == 0
    small = tmp_path / "small.csv"
    truth = generate(small, 10)
    assert upload(admin, small).status_code == 303
    done = follow(admin, lambda s: s["state"] != "running")[-1]
    assert (done["state"], done["imported"]["rows"]) == ("done", truth.rows)
