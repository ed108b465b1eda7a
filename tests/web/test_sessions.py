"""Sessions and sign-in under attack: a CSRF token works only with its own session, cookies
are ``__Host-`` over HTTPS, and the sign-in throttle counts real addresses and cannot be
turned into a lock-out."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import func, select

from pumpview import accounts
from pumpview.store import directory, tables
from pumpview.timeutil import Clock
from pumpview.web.guards import Throttle
from pumpview.web.pending import GONE
from tests.conftest import NOW_MS
from tests.web.conftest import ADMIN, PASSWORD, csrf


def test_a_csrf_token_works_only_with_the_session_it_was_made_for(site):
    """An anonymous visit's cookie and token (what an attacker can get, and plant in a
    browser) are refused beside an admin's session: nothing is changed."""
    visitor = site.browser()
    token = csrf(visitor.get("/sign-in").text)
    planted = visitor.cookies["pv_csrf"]
    admin = site.signed_in()
    session = admin.cookies["pv_session"]
    with httpx.Client(base_url=site.url, cookies={"pv_session": session, "pv_csrf": planted},
                      timeout=30) as forged:  # fmt: skip
        answer = forged.post("/settings/users/add", data={
            "csrf_token": token, "email": "intruder@acme.dev", "role": "admin",
            "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 403
    assert "security token" in answer.text
    assert accounts.sign_in(site.web.engine, "intruder@acme.dev", PASSWORD) is None
    page = admin.get("/settings/users")  # the admin's own token still works
    added = admin.post("/settings/users/add", data={
        "csrf_token": csrf(page.text), "email": "new@acme.dev", "role": "viewer",
        "password": PASSWORD})  # fmt: skip
    assert added.status_code == 303


def _cookie(answer: httpx.Response, name: str) -> str:
    return next(h for h in answer.headers.get_list("set-cookie") if h.startswith(name + "="))


def test_cookies_are_host_prefixed_when_served_over_https(make_site):
    """With ``PUMPVIEW_COOKIE_SECURE=on`` (behind a TLS proxy) the session and CSRF cookies are
    ``__Host-`` cookies: Secure, the whole site, no domain; only those names are read."""
    site = make_site(settings={"cookie_secure": True})
    with httpx.Client(base_url=site.url, timeout=30) as client:  # sends Secure cookies by hand
        page = client.get("/sign-in")
        planted = _cookie(page, "__Host-pv_csrf")
        assert {"Secure", "Path=/", "HttpOnly"} <= {p.strip() for p in planted.split(";")}
        assert "domain" not in planted.lower()
        csrf_cookie = planted.split(";")[0]
        signed = client.post("/sign-in", headers={"Cookie": csrf_cookie}, data={
            "email": ADMIN, "password": PASSWORD, "csrf_token": csrf(page.text)})  # fmt: skip
        assert signed.status_code == 303
        session = _cookie(signed, "__Host-pv_session")
        assert {"Secure", "Path=/", "HttpOnly", "SameSite=lax"} <= {
            p.strip() for p in session.split(";")
        }
        value = session.split(";")[0].split("=", 1)[1]
        assert client.get("/api/integrations", headers={
            "Cookie": f"__Host-pv_session={value}"}).status_code == 200  # fmt: skip
        assert client.get("/api/integrations", headers={
            "Cookie": f"pv_session={value}"}).status_code == 401  # fmt: skip


def _wrong(client: httpx.Client, token: str, email: str, address: str) -> int:
    answer = client.post("/sign-in", headers={"X-Forwarded-For": address}, data={
        "email": email, "password": "wrong password", "csrf_token": token})  # fmt: skip
    return answer.status_code


def test_forwarded_addresses_are_not_believed_by_default(site):
    """Eleven wrong passwords from one peer, each claiming another address in
    X-Forwarded-For (and for another account): the eleventh is throttled all the same."""
    browser = site.browser()
    token = csrf(browser.get("/sign-in").text)
    codes = [_wrong(browser, token, f"u{i}@acme.dev", f"203.0.113.{i}") for i in range(11)]
    assert codes == [401] * 10 + [429]


def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(make_site):
    """Behind a trusted proxy (``PUMPVIEW_TRUSTED_PROXIES``), ten wrong passwords for the admin
    from one address throttle that address, and the admin still signs in from another."""
    site = make_site(settings={"trusted_proxies": "127.0.0.1"})
    browser = site.browser()
    token = csrf(browser.get("/sign-in").text)
    assert [_wrong(browser, token, ADMIN, "203.0.113.1") for _ in range(11)] == [401] * 10 + [429]
    signed = browser.post("/sign-in", headers={"X-Forwarded-For": "198.51.100.7"}, data={
        "email": ADMIN, "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert signed.status_code == 303


def test_an_account_is_throttled_after_a_hundred_failures_from_ten_addresses(engine):
    """Kept in the store: 100 failures from ten addresses throttle the account from an eleventh
    address, for a minute of the throttle's clock."""
    throttle = Throttle(engine, Clock(NOW_MS))
    for i in range(100):
        assert not throttle.blocked("a@x.dev", f"10.0.0.{i // 10}", now=NOW_MS)
        throttle.failed("a@x.dev", f"10.0.0.{i // 10}", now=NOW_MS)
    assert throttle.blocked("a@x.dev", "10.0.0.99", now=NOW_MS + 1_000)  # a fresh address
    assert not throttle.blocked("b@x.dev", "10.0.0.99", now=NOW_MS + 1_000)
    assert not throttle.blocked("a@x.dev", "10.0.0.99", now=NOW_MS + 60_000)  # a minute later


def _secure_admin(client: httpx.Client) -> str:
    """Sign the admin in over ``__Host-`` cookies (sent by hand): the Cookie header to send."""
    page = client.get("/sign-in")
    planted = _cookie(page, "__Host-pv_csrf").split(";")[0]
    signed = client.post("/sign-in", headers={"Cookie": planted}, data={
        "email": ADMIN, "password": PASSWORD, "csrf_token": csrf(page.text)})  # fmt: skip
    assert signed.status_code == 303
    return "; ".join(_cookie(signed, name).split(";")[0]
                     for name in ("__Host-pv_session", "__Host-pv_csrf"))  # fmt: skip


def test_a_previewed_mapping_is_its_own_sessions_alone_over_https(make_site):
    """Over ``__Host-`` cookies, the upload a preview keeps is bound to that session: the same
    admin's other session, given its id and fingerprint, cannot apply it."""
    site = make_site(settings={"cookie_secure": True})
    with httpx.Client(base_url=site.url, timeout=30) as client:
        first, second = _secure_admin(client), _secure_admin(client)
        token = csrf(client.get("/settings/people", headers={"Cookie": first}).text)
        mapping = {"file": ("people.csv", b"email,name\na@corp.com,A\n")}
        preview = client.post("/settings/people/preview", headers={"Cookie": first},
                              data={"csrf_token": token}, files=mapping)  # fmt: skip
        assert preview.status_code == 200
        fields = dict(re.findall(r'name="(upload|plan)" value="([^"]*)"', preview.text))
        token = csrf(client.get("/settings/people", headers={"Cookie": second}).text)
        other = client.post("/settings/people/apply", headers={"Cookie": second},
                            data={"csrf_token": token, **fields})  # fmt: skip
        assert other.status_code == 400
        assert html.unescape(GONE) in html.unescape(other.text)
        with site.web.engine.connect() as conn:
            assert directory.load(conn) == {}


def _kept(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.sign_in_failures)).scalar())


def test_the_throttle_forgets_what_is_older_than_its_window(engine):
    """Sign-ins refused for many made-up accounts must not each leave a row behind:
    only the failures of the last window are held (a look adds nothing, a minute ends them)."""
    throttle = Throttle(engine, Clock(NOW_MS))
    for i in range(10):
        throttle.failed(f"u{i}@x.dev", "10.0.0.1", now=NOW_MS)
    for i in range(100):  # refused: the address is throttled; nothing is kept for them
        assert throttle.blocked(f"v{i}@x.dev", "10.0.0.1", now=NOW_MS + 1_000)
        assert not throttle.attempt(f"v{i}@x.dev", "10.0.0.1", now=NOW_MS + 1_000)
    assert _kept(engine) == 20  # ten accounts, and the address ten times
    throttle.failed("late@x.dev", "10.0.0.2", now=NOW_MS + 60_000)  # a minute on: swept
    assert _kept(engine) == 2


def test_sign_ins_in_flight_count_against_the_throttle_until_they_succeed(engine):
    """Ten sign-ins checked at once from one address (each hashing its password for tens of
    milliseconds) take the address's whole budget: the eleventh is refused before any of them
    has failed. A sign-in that succeeds gives its place back."""
    throttle = Throttle(engine, Clock(NOW_MS))
    assert [throttle.attempt(f"u{i}@x.dev", "10.0.0.1") for i in range(11)] == (
        [True] * 10 + [False]
    )
    for _ in range(20):  # one person signing in again and again from another address
        assert throttle.attempt("a@x.dev", "10.0.0.2")
        throttle.succeeded("a@x.dev", "10.0.0.2")
    assert not throttle.blocked("a@x.dev", "10.0.0.2")
