"""Who may send a body, and how much: settled before it is read; errors answered in kind, with
the security headers, never a 500 for a bad value."""

from __future__ import annotations

import socket
import tempfile

import httpx
import pytest

from pumpview import accounts
from pumpview.web.security import CSP
from tests.web.conftest import ADMIN, VIEWER, csrf

UPLOAD = "/settings/data-sources/import"
HUGE = 512 << 20
"""What the probe sent (issue 19): 512 MiB, announced; only its first KiB is ever sent here."""
MULTIPART = "multipart/form-data; boundary=b"
PART = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="bill.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n")  # fmt: skip


@pytest.fixture
def capped(make_site, tmp_path, monkeypatch):
    """The app with a 64 KiB body limit, every temporary file of this process in a folder of
    the test's own (the server runs in this process: an upload spooled to disk lands there)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    site = make_site(settings={"max_upload": "64KiB"})
    return site, spool


def ask(site, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> httpx.Response:
    """Send a request's head and ``body`` (the start of what the head announces: the rest is
    never sent) and read the answer. A server that waits for the rest of the body never
    answers: the socket's timeout then fails the test."""
    url = httpx.URL(site.url)
    head = f"{method} {path} HTTP/1.1\r\nHost: {url.host}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection without an answer"
            received += chunk
        top, _, rest = received.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        fields = [line.split(": ", 1) for line in lines[1:]]
        length = int(next((v for k, v in fields if k.lower() == "content-length"), "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "the answer ended early"
            rest += chunk
    return httpx.Response(int(lines[0].split()[1]), headers=fields, content=rest[:length])


def test_an_upload_is_refused_before_its_body_without_an_admin(capped):
    """Without a session, with a bad token or a viewer's, a 512 MiB upload is answered at once
    (sign in, 401, 403) from its head alone: nothing of it is read, nothing written to disk."""
    site, spool = capped
    viewer = accounts.new_token(site.web.engine, VIEWER, "ci", site.web.clock())
    start = {"Content-Type": MULTIPART, "Content-Length": str(HUGE)}
    for auth, status in ((None, 303), ("Bearer pv_wrong", 401), (f"Bearer {viewer}", 403)):
        headers = start | ({"Authorization": auth} if auth else {})
        answer = ask(site, "POST", UPLOAD, headers, PART + b"x" * 1024)
        assert answer.status_code == status, auth
        assert answer.headers["content-security-policy"] == CSP
    assert list(spool.iterdir()) == []
    assert site.web.imports.status() is None  # no import was started


def test_an_api_post_without_credentials_is_401_not_a_csrf_403(site):
    answer = site.browser().post("/api/integrations/cursor/sync")
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized")


def test_an_admins_body_over_the_limit_is_413_before_it_is_read(capped):
    """An admin's too-large request is refused from its Content-Length: JSON under /api, a page
    saying the limit and what to do elsewhere."""
    site, spool = capped
    token = accounts.new_token(site.web.engine, ADMIN, "ci", site.web.clock())
    headers = {"Authorization": f"Bearer {token}", "Content-Length": str(HUGE)}
    api = ask(site, "POST", "/api/integrations/cursor/sync", headers, b"x" * 1024)
    assert api.status_code == 413
    assert api.json()["error"] == "too_large"
    assert "64 KiB" in api.json()["message"]
    page = ask(site, "POST", UPLOAD, headers | {"Content-Type": MULTIPART}, PART + b"x" * 1024)
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "larger than the 64 KiB this server takes (PUMPVIEW_MAX_UPLOAD)" in page.text
    assert "pumpview import focus" in page.text
    assert page.headers["content-security-policy"] == CSP
    assert list(spool.iterdir()) == []


def test_a_chunked_upload_stops_at_the_limit(capped):
    """A body that announces no length is read up to the limit and refused there: the answer
    comes without the rest of it (never sent here), and nothing is imported."""
    site, spool = capped
    token = accounts.new_token(site.web.engine, ADMIN, "ci", site.web.clock())
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [PART] + [b"1,2\n" * 1024] * 17)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": MULTIPART,
               "Transfer-Encoding": "chunked"}  # fmt: skip
    answer = ask(site, "POST", UPLOAD, headers, chunks)  # 68 KiB and more, never ended
    assert answer.status_code == 413
    assert "64 KiB" in answer.text
    assert list(spool.iterdir()) == []
    assert site.web.imports.status() is None


def test_a_form_anyone_may_post_takes_64_kib(site):
    answer = ask(site, "POST", "/sign-in", {"Content-Length": str(1 << 20),
                 "Content-Type": "application/x-www-form-urlencoded"}, b"email=a")  # fmt: skip
    assert answer.status_code == 413
    assert "larger than the 64 KiB this form takes" in answer.text


def test_the_upload_form_states_the_limit(capped):
    site, _spool = capped
    page = site.signed_in().get("/settings/data-sources").text
    assert "At most 64 KiB" in page


def test_an_upload_with_a_name_too_long_to_store_is_a_400_at_the_field(site):
    browser = site.signed_in()
    token = csrf(browser.get("/settings/data-sources").text)
    answer = browser.post(UPLOAD, data={"csrf_token": token},
                          files={"file": ("a" * 252 + ".csv", b"x")})  # fmt: skip
    assert answer.status_code == 400
    assert (
        'id="file-error" role="alert">The file&#39;s name is longer than 255 bytes' in answer.text
    )
    assert site.web.imports.status() is None


def test_a_range_with_no_previous_period_is_a_400(site):
    browser = site.signed_in()
    for since, until in (
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"),
        ("1970-01-01", "9999-12-30"),
    ):
        api = browser.get("/api/overview", params={"since": since, "until": until})
        assert (api.status_code, api.json()["error"]) == (400, "bad_request"), since
        assert api.headers["content-security-policy"] == CSP
        # A page says it at its range control, over the default range (the Overview, with
        # nothing connected, sends one to Connect: People shows it).
        assert browser.get("/people", params={"since": since, "until": until}).status_code == 400


def test_every_error_carries_the_security_headers_and_a_405_its_allow(site):
    """404, 405 and a fault of ours (500) too: the 500 is answered outside the middleware that
    adds them everywhere else."""

    def boom() -> None:
        raise RuntimeError("a fault of ours")

    site.app.add_api_route("/api/boom", boom)
    site.app.add_api_route("/boom", boom)
    for method, path, status in (("GET", "/nope", 404), ("GET", "/api/nope", 404),
                                 ("DELETE", "/api/overview", 405), ("GET", "/api/boom", 500),
                                 ("GET", "/boom", 500)):  # fmt: skip
        # A connection each: uvicorn closes one after a 500.
        answer = httpx.request(method, site.url + path, timeout=30)
        assert answer.status_code == status, path
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert "a fault of ours" not in answer.text
        if status == 405:
            assert answer.headers["allow"] == "GET"
    assert httpx.get(site.url + "/api/boom", timeout=30).json()["error"] == "internal_error"


def test_no_route_reads_a_body_before_it_knows_who_sends_it(capped):
    """Every POST route, from the app's own route table (a new page cannot slip past): an
    anonymous 512 MiB request is answered from its head, by sign-in, 401 or (the routes anyone
    may call) 413."""
    from tests.web.test_app import routes  # noqa: PLC0415 - the route table's reader

    site, spool = capped
    headers = {"Content-Type": MULTIPART, "Content-Length": str(HUGE)}
    for path in [*routes(site, "post"), "/sign-in", "/sign-out", "/setup/x"]:
        answer = ask(site, "POST", path, headers, PART)
        assert answer.status_code in (303, 401, 413), path
    assert list(spool.iterdir()) == []
