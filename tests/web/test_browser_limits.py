"""The upload limit as a person meets it in Chromium: told as the file is chosen, and, with
scripts off, by the server's 413 page."""

from __future__ import annotations

import pytest

from tests.web.test_browser import browser, open_page, shot, sign_in  # noqa: F401 - fixture

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TOO_BIG = {"name": "big.csv", "mimeType": "text/csv", "buffer": b"1,2\n" * (20 << 10)}
"""80 KiB: over the 64 KiB these tests configure."""


def test_a_file_over_the_limit_is_refused_as_it_is_chosen(make_site, browser):  # noqa: F811
    site = make_site(settings={"max_upload": "64KiB"})
    page, problems = open_page(browser)
    sign_in(page, site)
    page.goto(f"{site.url}/settings/data-sources")
    assert "At most 64 KiB" in page.inner_text("#file-limit")
    page.set_input_files("#file", TOO_BIG)
    said = page.eval_on_selector("#file", "input => input.validationMessage")
    assert said == ("big.csv is larger than the 64 KiB this server takes: import it with "
                    "pumpview import focus FILE.")  # fmt: skip
    page.get_by_role("button", name="Import").click()  # the browser keeps the form back
    assert page.url == f"{site.url}/settings/data-sources"
    assert site.web.imports.status() is None
    shot(page, "data-sources-too-big")
    assert problems == []


def test_without_scripts_the_server_says_413(make_site, browser):  # noqa: F811
    site = make_site(settings={"max_upload": "64KiB"})
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.url}/settings/data-sources")
    page.set_input_files("#file", TOO_BIG)
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "larger than the 64 KiB this server takes" in page.inner_text("main")
    assert site.web.imports.status() is None
    context.close()
