"""The channels' payloads, built pure: Block Kit's limits and escaping, the email's parts and
headers, the webhook's signature against the Standard Webhooks package."""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks import Webhook

from pumpview.alerts import email, slack, webhook
from tests.alerts.test_delivery import SECRET

ROW = {"id": 7, "rule": "anomaly", "budget_id": None, "scope": "person",
       "scope_value": "a@acme.dev", "period": None, "threshold": None, "day": "2025-11-23",
       "created_at": "2025-11-24T16:00:00Z", "key": "k", "details": {},
       "message": "<@U123> & <!channel> " + "x" * 5000}  # fmt: skip
LINK = "https://pumpview.acme.dev/alerts#alert-7"


def test_slack_texts_stay_within_block_kit_limits_and_cannot_mention():
    """A 5,000-character message: the section is cut to 3,000, the fallback escaped (no
    ``<@U123>`` mention, no ``<!channel>``), every block text plain."""
    message = slack.payload(ROW, LINK)
    header, section, context, actions = message["blocks"]
    assert len(section["text"]["text"]) == slack.SECTION_MAX
    assert section["text"]["text"].endswith("…")
    assert len(message["text"]) <= slack.FALLBACK_MAX
    assert message["text"].startswith("Unusual spend: &lt;@U123&gt; &amp; &lt;!channel&gt; ")
    texts = [header["text"], section["text"], *context["elements"],
             actions["elements"][0]["text"]]  # fmt: skip
    assert {t["type"] for t in texts} == {"plain_text"}
    assert context["elements"][0]["text"] == "2025-11-24T16:00:00Z · a@acme.dev · 2025-11-23"


def test_an_email_subject_is_one_line_and_its_message_id_the_delivery():
    """A message with line breaks makes a one-line subject (no header injection)."""
    row = {**ROW, "message": "Ann spent $90.00\r\nBcc: everyone@acme.dev"}
    mail = email.message(row, LINK, "p@acme.dev", ["f@acme.dev"], "msg_abc", 1_764_000_000_000)
    assert mail["Subject"] == "Pump View: Unusual spend: Ann spent $90.00 Bcc: everyone@acme.dev"
    assert mail["Bcc"] is None
    assert mail["Message-ID"] == "<msg_abc@pumpview>"
    assert mail["Date"] == "Mon, 24 Nov 2025 16:00:00 +0000"


def test_the_webhook_signature_is_the_standard_one():
    """Our signature of id, timestamp and body equals the ``standardwebhooks`` package's."""
    data = webhook.body(ROW)
    headers = webhook.headers(SECRET, "msg_1", 1_764_000_000_000, data)
    theirs = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(1_764_000_000, tz=UTC), data)
    assert headers["webhook-signature"] == theirs
    assert headers["webhook-timestamp"] == "1764000000"
