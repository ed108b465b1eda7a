"""Alerts in the web app and the API: channels added (verified by a test message) and listed
without their secrets, bad channels refused at their field, ``POST /api/alerts/check`` creating
an alert once and delivering it, signed, to a real receiver; the Alerts page for everyone."""

from __future__ import annotations

import base64
import re

import httpx

from pumpview import accounts
from pumpview.simulator import DEMO_KEY
from pumpview.store import integrations, runs
from pumpview.web.schedule import Schedule
from tests.alerts.conftest import (  # noqa: F401 - fixtures
    SMTP_PASSWORD,
    SMTP_USER,
    mailbox,
    receiver,
)
from tests.alerts.test_delivery import SECRET, verify
from tests.web.conftest import ADMIN, VIEWER, Site, csrf

HOUR = 3_600_000
PATH = "/hooks/T0123/B0456/private7c1d"
"""The secret part of a webhook's URL: never shown again."""


def _api(site: Site, email: str = ADMIN) -> httpx.Client:
    token = accounts.new_token(site.web.engine, email, "test", site.web.clock())
    client = httpx.Client(base_url=site.url, headers={"authorization": f"Bearer {token}"},
                          timeout=30)  # fmt: skip
    site.opened.append(client)
    return client


def _failing(site: Site, count: int = 3) -> None:
    """An integration whose last ``count`` syncs failed (the health rule's incident)."""
    engine, now = site.web.engine, site.web.clock()
    with engine.begin() as conn:
        integration = integrations.save(conn, {
            "name": "cursor", "team_name": "Acme", "key_ciphertext": "sealed", "key_hint": "x",
            "base_url": site.cursor.url, "status": "error", "message": "boom",
            "connected_at_ms": now - 100 * HOUR, "backfill_days": 5,
        })  # fmt: skip
    for i in range(count):
        at = now - (count - i) * HOUR
        with engine.begin() as conn:
            run = runs.start(conn, integration, "test pid 1", at)
            assert run is not None
            runs.finish(conn, run, at + 60_000, "error", "Cursor answered 500")


def _secrets_absent(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, secret


def test_an_admin_adds_a_webhook_and_an_alert_is_delivered_once(site, receiver):  # noqa: F811
    """201 without the secret; the check creates the alert once, delivered signed; the second
    check creates nothing; the lists, the pages and the answers never show a secret."""
    api = _api(site)
    body = {"kind": "webhook", "name": "FinOps hook", "url": receiver.url + PATH, "secret": SECRET}
    added = api.post("/api/channels", json=body)
    assert added.status_code == 201, added.text
    channel = added.json()
    assert channel["kind"] == "webhook"
    assert channel["url"] == f"{receiver.url}/…"
    assert "secret" not in channel
    _failing(site)
    created = api.post("/api/alerts/check")
    assert created.status_code == 200, created.text
    (alert,) = created.json()
    assert alert["rule"] == "integration"
    assert alert["scope_value"] == "cursor"
    assert alert["deliveries"] == [{"channel": "FinOps hook", "status": "sent", "attempts": 1}]
    assert api.post("/api/alerts/check").json() == []
    _test, delivered = receiver.wait_for(2)
    body = verify(delivered)
    assert body["alert"]["id"] == alert["id"]
    assert body["alert"]["message"] == alert["message"]
    assert len(receiver.requests) == 2
    listed = api.get("/api/alerts").json()
    assert [a["id"] for a in listed] == [alert["id"]]
    assert set(listed[0]) >= {
        "id", "rule", "budget_id", "scope", "scope_value", "period", "threshold", "day",
        "created_at", "message", "deliveries",
    }  # fmt: skip
    tested = api.post(f"/api/channels/{channel['id']}/test")
    assert tested.json() == {"id": channel["id"], "name": "FinOps hook", "sent": True,
                             "status_code": 200}  # fmt: skip
    verify(receiver.wait_for(3)[2])
    shown = [added.text, created.text, api.get("/api/channels").text, tested.text]
    browser = site.signed_in()
    shown += [browser.get("/settings/notifications").text, browser.get("/alerts").text]
    assert alert["message"] in shown[-1]
    for text in shown:
        _secrets_absent(text, SECRET, SECRET.removeprefix("whsec_"), PATH)


def test_a_viewer_sees_alerts_but_not_channels(site):
    """Viewers read the Alerts page and its JSON; the channels and the actions are admins'."""
    viewer = _api(site, VIEWER)
    assert viewer.get("/api/alerts").status_code == 200
    assert viewer.get("/api/channels").status_code == 403
    answer = viewer.post("/api/channels", json={"kind": "slack", "name": "s", "url": "https://x"})
    assert answer.status_code == 403
    assert viewer.post("/api/alerts/check").status_code == 403
    page = site.signed_in(VIEWER)
    assert page.get("/alerts").status_code == 200
    assert 'href="/settings/notifications"' not in page.get("/settings/integrations").text


def test_bad_channels_are_json_errors_and_nothing_is_saved(site, receiver, mailbox):  # noqa: F811
    """Not http(s), credentials in the URL, a Slack URL answering 404, an SMTP host that
    refuses: each 400 ``{"error", "message", "field"}``; no channel is listed after."""
    api = _api(site)
    receiver.script.extend([404])
    cases = [
        ({"kind": "webhook", "name": "a", "url": "ftp://hooks.acme.dev/x"}, "url"),
        ({"kind": "webhook", "name": "a", "url": "https://me:pw@hooks.acme.dev/x"}, "url"),
        ({"kind": "slack", "name": "a", "url": receiver.url + "/gone"}, "url"),
        ({"kind": "email", "name": "a", "host": "127.0.0.1", "port": 1, "security": "none",
          "sender": "p@acme.dev", "recipients": ["f@acme.dev"]}, "host"),
        ({"kind": "email", "name": "a", "host": mailbox.host, "port": mailbox.port,
          "security": "none", "username": SMTP_USER, "password": SMTP_PASSWORD + "x",
          "sender": "p@acme.dev", "recipients": ["f@acme.dev"]}, "password"),
        ({"kind": "webhook", "name": ["a"], "url": "https://hooks.acme.dev/x"}, "name"),
    ]  # fmt: skip
    for body, field in cases:
        answer = api.post("/api/channels", json=body)
        assert answer.status_code == 400, (body, answer.text)
        said = answer.json()
        assert said["error"] == "bad_request"
        assert said["field"] == field, said
        assert said["message"]
        _secrets_absent(answer.text, SMTP_PASSWORD)
    assert api.post("/api/channels", content=b"[1]", headers={
        "content-type": "application/json"}).status_code == 400  # fmt: skip
    assert api.get("/api/channels").json() == []
    assert api.post("/api/channels/999/test").status_code == 404
    assert api.delete("/api/channels/999").status_code == 404


def test_the_form_shows_an_error_at_its_field_and_forgets_the_secret(site, mailbox):  # noqa: F811
    """A wrong SMTP password: the form again, the error at the password field, the password
    not in the page; the right one adds the channel and a test email arrives."""
    browser = site.signed_in()
    page = browser.get("/settings/notifications")
    fields = {"csrf_token": csrf(page.text), "kind": "email", "name": "FinOps mail",
              "host": mailbox.host, "port": str(mailbox.port), "security": "none",
              "username": SMTP_USER, "password": "not the password 9d8e",
              "sender": "pumpview@acme.dev", "recipients": "finops@acme.dev"}  # fmt: skip
    refused = browser.post("/settings/notifications", data=fields)
    assert refused.status_code == 200
    error = re.search(r'<p class="error" id="email-password-error" role="alert">([^<]+)</p>',
                      refused.text)  # fmt: skip
    assert error, refused.text
    assert "refused the login" in error.group(1)
    assert "not the password 9d8e" not in refused.text
    assert 'value="FinOps mail"' in refused.text  # what is not secret stays filled in
    added = browser.post("/settings/notifications", data={**fields, "password": SMTP_PASSWORD})
    assert added.status_code == 303
    (mail,) = mailbox.wait_for(1)
    assert "A test from Pump View" in mail.get_body(("plain",)).get_content()
    listed = browser.get(added.headers["location"]).text
    assert "Added FinOps mail" in listed
    _secrets_absent(listed, SMTP_PASSWORD, base64.b64encode(SMTP_PASSWORD.encode()).decode())


def test_a_webhook_without_a_secret_gets_one_shown_once(site, receiver):  # noqa: F811
    """The form's answer shows the made secret once; the page after it does not."""
    browser = site.signed_in()
    page = browser.get("/settings/notifications")
    answer = browser.post("/settings/notifications", data={
        "csrf_token": csrf(page.text), "kind": "webhook", "name": "hook",
        "url": receiver.url + PATH})  # fmt: skip
    made = re.search(r'<code class="token">(whsec_[^<]+)</code>', answer.text)
    assert made, answer.text
    (test,) = receiver.wait_for(1)
    verify(test, made.group(1))
    again = browser.get("/settings/notifications").text
    _secrets_absent(again, made.group(1), made.group(1).removeprefix("whsec_"), PATH)


def test_a_405_on_the_channels_names_both_methods(site):
    """``/api/channels`` answers GET and POST; any other method's 405 says both."""
    answer = _api(site).request("OPTIONS", "/api/channels")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.json()["error"] == "method_not_allowed"


def test_a_background_sync_that_finds_the_key_revoked_alerts_once(loaded, site, receiver):  # noqa: F811
    """The sync process evaluates the alerts when its run ends: a key revoked in Cursor is one
    alert, delivered; the next sync adds none."""
    browser, _first_day = loaded
    api = _api(site)
    body = {"kind": "webhook", "name": "hook", "url": receiver.url + PATH, "secret": SECRET}
    assert api.post("/api/channels", json=body).status_code == 201
    site.cursor.sim.revoke(DEMO_KEY)
    api.post("/api/integrations/cursor/sync")
    site.web.syncs.wait()
    _test, delivered = receiver.wait_for(2)
    alert = verify(delivered)["alert"]
    assert alert["rule"] == "integration"  # type: ignore[index]
    assert alert["details"] == {"problem": "revoked", "integration": "cursor"}  # type: ignore[index]
    api.post("/api/integrations/cursor/sync")
    site.web.syncs.wait()
    listed = api.get("/api/alerts").json()
    assert [(a["rule"], a["deliveries"]) for a in listed] == [
        ("integration", [{"channel": "hook", "status": "sent", "attempts": 1}])
    ]
    assert len(receiver.requests) == 2
    assert "Cursor no longer accepts the key" in browser.get("/alerts").text


def test_the_schedule_delivers_what_is_due(site, receiver):  # noqa: F811
    """The server's alert schedule (every minute in production; here every 50 ms) evaluates
    the rules and delivers: the receiver's request is the event waited on."""
    api = _api(site)
    body = {"kind": "webhook", "name": "hook", "url": receiver.url + PATH, "secret": SECRET}
    assert api.post("/api/channels", json=body).status_code == 201
    _failing(site)
    schedule = Schedule(site.web.syncs, site.web.engine, site.web.clock, None, alerts_seconds=0.05)
    schedule.start(tick_seconds=0.05)
    try:
        _test, delivered = receiver.wait_for(2)
    finally:
        schedule.close()
    assert verify(delivered)["alert"]["rule"] == "integration"  # type: ignore[index]


def test_removing_a_channel_from_the_page_and_the_api(site, receiver):  # noqa: F811
    """Remove on the page, and ``DELETE /api/channels/{id}``: gone from the listing."""
    api = _api(site)
    for name in ("one", "two"):
        body = {"kind": "slack", "name": name, "url": receiver.url + PATH}
        assert api.post("/api/channels", json=body).status_code == 201
    one, two = api.get("/api/channels").json()
    browser = site.signed_in()
    page = browser.get("/settings/notifications")
    gone = browser.post(f"/settings/notifications/{one['id']}/remove",
                        data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert gone.status_code == 303
    assert "Removed one." in browser.get(gone.headers["location"]).text
    assert api.delete(f"/api/channels/{two['id']}").json() == {"id": two["id"], "removed": True}
    assert api.get("/api/channels").json() == []
