"""Alerts reach real receivers once: a signed webhook checked by an independent implementation,
Slack's Block Kit message, an email through a real SMTP server; retries after a 5xx or a
timeout, never after a 2xx."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook

from pumpview.alerts import channels, webhook
from pumpview.alerts.delivery import deliver
from pumpview.alerts.evaluate import check
from pumpview.alerts.rule import Candidate, Context
from pumpview.store import alerts as store
from pumpview.store.alerts import RETRY_DELAYS_MS
from pumpview.vault import Vault
from tests.alerts.conftest import HANG, SMTP_PASSWORD, SMTP_USER, Receiver
from tests.conftest import NOW_MS

BASE = "https://pumpview.acme.dev"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def crossing(_conn: object, _context: Context) -> Iterator[Candidate]:
    """An example rule: one crossing, always the same key."""
    yield Candidate(
        key="budget:1:2025-11-01:80", rule="budget", scope="team", scope_value="Platform",
        threshold=80, message="Platform's budget is 80 % used: $800.00 of $1,000.00.",
    )  # fmt: skip


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0, follow_redirects=False) as client:
        yield client


def add_webhook(engine: Engine, vault: Vault, http: httpx.Client, receiver: Receiver) -> None:
    channels.add(engine, vault, {"kind": "webhook", "name": "hook", "url": receiver.url + "/in",
                                 "secret": SECRET}, NOW_MS, http, base_url=BASE)  # fmt: skip


def verify(request: object, secret: str = SECRET) -> dict[str, object]:
    """The request's body, its signature checked by the ``standardwebhooks`` package (its own
    ``sign``: its ``verify`` also compares the timestamp with the wall clock, which a fixed
    present would fail)."""
    headers, body = request.headers, request.body  # type: ignore[attr-defined]
    stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], stamp, body)
    assert headers["webhook-signature"] == expected
    found: dict[str, object] = json.loads(body)
    return found


def test_a_webhook_receives_the_alert_signed_per_standard_webhooks(engine, vault, http, receiver):
    """The test at creation and the alert each arrive signed; the body is the alert's row."""
    add_webhook(engine, vault, http, receiver)
    created = check(engine, NOW_MS, [crossing])
    sent = deliver(engine, vault, NOW_MS, http, base_url=BASE)
    test, alert = receiver.wait_for(2)
    assert verify(test)["type"] == "test"
    body = verify(alert)
    assert body["type"] == "budget"
    assert body["alert"] == {
        "id": created[0].id, "rule": "budget", "budget_id": None, "scope": "team",
        "scope_value": "Platform", "period": None, "threshold": 80, "day": None,
        "created_at": "2025-11-24T16:00:00Z", "key": "budget:1:2025-11-01:80", "details": {},
        "message": "Platform's budget is 80 % used: $800.00 of $1,000.00.",
    }  # fmt: skip
    assert alert.headers["webhook-timestamp"] == str(NOW_MS // 1000)
    assert [(d.channel, d.status) for d in sent] == [("hook", "sent")]
    assert deliver(engine, vault, NOW_MS + 10 * 60_000, http, base_url=BASE) == []
    assert len(receiver.requests) == 2  # never again after a 2xx


def test_a_500_then_a_200_delivers_once_after_a_retry(engine, vault, http, receiver):
    """A 5xx schedules a retry after the first backoff; the retry's 200 ends it."""
    add_webhook(engine, vault, http, receiver)
    receiver.script.extend([500])
    check(engine, NOW_MS, [crossing])
    first = deliver(engine, vault, NOW_MS, http, base_url=BASE)
    assert [(d.status, d.outcome.status_code) for d in first] == [("pending", 500)]
    assert deliver(engine, vault, NOW_MS + RETRY_DELAYS_MS[0] - 1, http, base_url=BASE) == []
    second = deliver(engine, vault, NOW_MS + RETRY_DELAYS_MS[0], http, base_url=BASE)
    assert [(d.status, d.outcome.status_code) for d in second] == [("sent", 200)]
    _test, failed, delivered = receiver.wait_for(3)
    assert failed.headers["webhook-id"] == delivered.headers["webhook-id"]
    verify(delivered)
    with engine.connect() as conn:
        (alert,) = store.listing(conn)
    assert [(d.channel, d.status, d.attempts) for d in alert.deliveries] == [("hook", "sent", 2)]
    assert deliver(engine, vault, NOW_MS + 3_600_000, http, base_url=BASE) == []
    assert len(receiver.requests) == 3


def test_a_receiver_that_times_out_after_accepting_gets_it_twice_with_one_id(
    engine, vault, receiver
):
    """No answer is a retry: the receiver sees the alert twice, under the same webhook-id."""
    with httpx.Client(timeout=5.0) as http:
        add_webhook(engine, vault, http, receiver)
    receiver.script.extend([HANG])
    check(engine, NOW_MS, [crossing])
    with httpx.Client(timeout=0.3) as impatient:
        first = deliver(engine, vault, NOW_MS, impatient, base_url=BASE)
    assert [(d.status, d.outcome.error) for d in first] == [
        ("pending", "no answer in time (timed out)")
    ]
    with httpx.Client(timeout=5.0) as http:
        second = deliver(engine, vault, NOW_MS + RETRY_DELAYS_MS[0], http, base_url=BASE)
        assert [d.status for d in second] == ["sent"]
        assert deliver(engine, vault, NOW_MS + 3_600_000, http, base_url=BASE) == []
    _test, hung, answered = receiver.wait_for(3)
    assert hung.headers["webhook-id"] == answered.headers["webhook-id"]
    assert hung.body == answered.body
    assert len(receiver.requests) == 3


def test_retries_are_bounded_and_a_4xx_fails_at_once(engine, vault, http, receiver):
    """Four 5xx answers end ``failed`` after the 1, 5 and 30 minute backoffs; a 404 is
    ``failed`` at its first answer."""
    add_webhook(engine, vault, http, receiver)
    receiver.script.extend([503, 503, 503, 503])
    check(engine, NOW_MS, [crossing])
    now, statuses = NOW_MS, []
    for delay in (0, *RETRY_DELAYS_MS):
        now += delay
        statuses += [d.status for d in deliver(engine, vault, now, http, base_url=BASE)]
    assert statuses == ["pending", "pending", "pending", "failed"]
    assert deliver(engine, vault, now + 86_400_000, http, base_url=BASE) == []
    receiver.script.extend([404])

    def other(_conn: object, _context: Context) -> Iterator[Candidate]:
        yield Candidate(key="other", rule="integration", scope="integration", message="x")

    check(engine, now, [other])
    assert [d.status for d in deliver(engine, vault, now, http, base_url=BASE)] == ["failed"]


def test_slack_gets_a_block_kit_message_with_a_link_back(engine, vault, http, receiver):
    """Block Kit's documented structure: a header of plain text (150 at most), a section, a
    context and an actions block whose button opens the Alerts page."""
    channels.add(engine, vault, {"kind": "slack", "name": "#finops", "url": receiver.url + "/s"},
                 NOW_MS, http, base_url=BASE)  # fmt: skip
    created = check(engine, NOW_MS, [crossing])
    deliver(engine, vault, NOW_MS, http, base_url=BASE)
    _test, request = receiver.wait_for(2)
    message = json.loads(request.body)
    assert message["text"] == "Budget threshold crossed: " + created[0].message
    header, section, context, actions = message["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "emoji": False,
                      "text": "Pump View · Budget threshold crossed"}}  # fmt: skip
    assert section == {"type": "section", "text": {"type": "plain_text", "emoji": False,
                       "text": created[0].message}}  # fmt: skip
    assert context["type"] == "context"
    assert all(e["type"] in ("plain_text", "mrkdwn") for e in context["elements"])
    (button,) = actions["elements"]
    assert actions["type"] == "actions"
    assert button["type"] == "button"
    assert button["url"] == f"{BASE}/alerts#alert-{created[0].id}"
    assert button["text"]["type"] == "plain_text"
    assert len(button["text"]["text"]) <= 75
    assert len(header["text"]["text"]) <= 150


def test_an_email_arrives_with_text_and_html_parts_and_a_link(engine, vault, http, mailbox):
    """Through a real SMTP server with a login: the message in both parts, HTML escaped, and the
    link to the alert; the Message-ID is the delivery's, the same on every attempt."""
    fields = {"kind": "email", "name": "FinOps", "host": mailbox.host, "port": mailbox.port,
              "security": "none", "username": SMTP_USER, "password": SMTP_PASSWORD,
              "sender": "pumpview@acme.dev",
              "recipients": "finops@acme.dev, cfo@acme.dev"}  # fmt: skip
    channels.add(engine, vault, fields, NOW_MS, http, base_url=BASE)

    def odd(_conn: object, _context: Context) -> Iterator[Candidate]:
        yield Candidate(key="odd", rule="anomaly", scope="person", scope_value="a@acme.dev",
                        message="<b>Ann</b> & co spent $90.00 on 2025-11-23")  # fmt: skip

    (alert,) = check(engine, NOW_MS, [odd])
    deliver(engine, vault, NOW_MS, http, base_url=BASE)
    _test, mail = mailbox.wait_for(2)
    assert mailbox.envelopes[1] == ("pumpview@acme.dev", ["finops@acme.dev", "cfo@acme.dev"])
    assert mail["Subject"] == "Pump View: Unusual spend: <b>Ann</b> & co spent $90.00 on 2025-11-23"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    link = f"{BASE}/alerts#alert-{alert.id}"
    assert "<b>Ann</b> & co spent $90.00 on 2025-11-23" in text
    assert link in text
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; co spent $90.00" in page
    assert "<b>" not in page
    assert f'<a href="{link}">' in page
    with engine.connect() as conn:
        assert mail["Message-ID"].strip("<>").startswith("msg_")
        assert [d.status for d in store.listing(conn)[0].deliveries] == ["sent"]


def test_bad_channels_are_refused_at_their_field_and_nothing_is_saved(
    engine, vault, http, receiver, mailbox
):
    """A URL that is not http(s), one with credentials, a Slack URL answering 404, an SMTP host
    that refuses, a wrong SMTP password: each an error naming its field; no channel stored."""
    refused = f"http://127.0.0.1:{_closed_port()}"
    receiver.script.extend([404])
    cases = [
        ({"kind": "webhook", "name": "a", "url": "ftp://hooks.acme.dev/x"}, "url", "https://"),
        ({"kind": "webhook", "name": "a", "url": "https://user:pw@hooks.acme.dev/x"}, "url",
         "user name or password"),
        ({"kind": "slack", "name": "a", "url": receiver.url + "/gone"}, "url", "answered 404"),
        ({"kind": "webhook", "name": "a", "url": refused}, "url", "could not connect"),
        ({"kind": "webhook", "name": "a", "url": receiver.url, "secret": "hunter2"}, "secret",
         "whsec_"),
        ({"kind": "email", "name": "a", "host": "127.0.0.1", "port": _closed_port(),
          "security": "none", "sender": "p@acme.dev", "recipients": "f@acme.dev"}, "host",
         "could not connect"),
        ({"kind": "email", "name": "a", "host": mailbox.host, "port": mailbox.port,
          "security": "none", "username": SMTP_USER, "password": "wrong password",
          "sender": "p@acme.dev", "recipients": "f@acme.dev"}, "password", "refused the login"),
        ({"kind": "email", "name": "a", "host": mailbox.host, "port": mailbox.port,
          "security": "none", "sender": "p@acme.dev", "recipients": "nobody"}, "recipients",
         "not an email address"),
        ({"kind": "pager", "name": "a"}, "kind", "slack, webhook or email"),
    ]  # fmt: skip
    for fields, field, words in cases:
        with pytest.raises(channels.UserInputError) as refused_with:
            channels.add(engine, vault, fields, NOW_MS, http, base_url=BASE)
        assert refused_with.value.field == field, (fields, str(refused_with.value))
        assert words in str(refused_with.value), str(refused_with.value)
    with engine.connect() as conn:
        from pumpview.store import channels as stored  # noqa: PLC0415

        assert stored.listing(conn) == []
    assert mailbox.messages == []


def _closed_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    from tests.alerts.conftest import free_port  # noqa: PLC0415

    return free_port()


def test_a_made_secret_signs_and_the_listing_never_shows_a_secret(engine, vault, http, receiver):
    """A webhook given no secret gets one, returned once; the listing shows a mask only."""
    url = receiver.url + "/private-path-7c1d"
    channel, made = channels.add(engine, vault, {"kind": "webhook", "name": "h", "url": url},
                                 NOW_MS, http, base_url=BASE)  # fmt: skip
    assert made is not None
    webhook.secret_bytes(made)
    (test,) = receiver.wait_for(1)
    verify(test, made)
    assert channel.config == {"url": f"{receiver.url}/…"}
    with engine.connect() as conn:
        from pumpview.store import channels as stored  # noqa: PLC0415

        shown = repr(stored.listing(conn))
    for secret in (made, made.removeprefix("whsec_"), "private-path-7c1d"):
        assert secret not in shown


def test_no_secret_reaches_the_log(engine, vault, receiver, caplog):
    """Every log record at every level (httpx's request lines among them), through a channel
    added, a refusal, a retry and a delivery, is free of the URL's path and the secret."""
    caplog.set_level(logging.DEBUG)
    with httpx.Client(timeout=2.0) as http:
        add_webhook(engine, vault, http, receiver)
        receiver.script.extend([404])
        fields = {"kind": "slack", "name": "s", "url": receiver.url + "/in/slack-secret-path"}
        with pytest.raises(channels.UserInputError):
            channels.add(engine, vault, fields, NOW_MS, http, base_url=BASE)
        receiver.script.extend([500])
        check(engine, NOW_MS, [crossing])
        deliver(engine, vault, NOW_MS, http, base_url=BASE)
        deliver(engine, vault, NOW_MS + RETRY_DELAYS_MS[0], http, base_url=BASE)
    assert "HTTP Request: POST" in caplog.text  # httpx did log the requests, masked
    for secret in (SECRET, SECRET.removeprefix("whsec_"), "/in", "slack-secret-path"):
        assert secret not in caplog.text, secret


def test_a_name_taken_is_refused_at_the_name_before_anything_is_sent(engine, vault, http, receiver):
    """A second channel of the same name: an error at ``name``, and no test message sent."""
    add_webhook(engine, vault, http, receiver)
    fields = {"kind": "slack", "name": "hook", "url": receiver.url + "/other"}
    with pytest.raises(channels.UserInputError) as refused:
        channels.add(engine, vault, fields, NOW_MS, http, base_url=BASE)
    assert (refused.value.field, str(refused.value)) == (
        "name",
        "a channel is already named 'hook'; choose another name",
    )
    assert len(receiver.requests) == 1
