"""``pumpview channels``: a webhook and an email channel added from the command line, each
verified by a real test delivery before it is stored; listed without their secrets; a test sent
again; removed; a bad address is one error line naming the option and stores nothing."""

from __future__ import annotations

import base64
import io
import json

import pytest

from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, mailbox, receiver  # noqa: F401
from tests.alerts.test_delivery import SECRET, verify
from tests.cli.invoke import run
from tests.cli.test_alerts_cli import _env  # noqa: F401 - the environment, autouse
from tests.web.test_alerts import PATH

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_webhook_is_verified_stored_listed_without_secrets_tested_and_removed(
    capsys,
    monkeypatch,
    receiver,  # noqa: F811
):
    url = receiver.url + PATH
    monkeypatch.setattr("sys.stdin", io.StringIO(url + "\n"))
    code, out, err = run(capsys, "channels", "add", "webhook", "FinOps hook", "--url", "-",
                         "--secret", SECRET)  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "Added channel 1 (webhook, FinOps hook): the test message was delivered.\n"
    (first,) = receiver.wait_for(1)
    assert verify(first)["type"] == "test"
    code, out, _ = run(capsys, "channels", "list", "--format", "json")
    (row,) = json.loads(out)
    assert (row["id"], row["kind"], row["name"]) == (1, "webhook", "FinOps hook")
    code, table, _ = run(capsys, "channels", "list")
    for shown in (out, table):
        assert PATH not in shown
        assert SECRET not in shown
        assert base64.b64encode(PATH.encode()).decode() not in shown
    assert run(capsys, "channels", "test", "1")[:2] == (
        0, "The test message to channel 1 was delivered.\n")  # fmt: skip
    assert len(receiver.wait_for(2)) == 2
    assert run(capsys, "channels", "remove", "1")[:2] == (0, "Removed channel 1.\n")
    code, _out, err = run(capsys, "channels", "remove", "1")
    assert (code, err) == (1, "error: no channel 1: pumpview channels list shows them\n")


def test_an_email_channel_logs_in_and_sends_its_test(capsys, monkeypatch, mailbox):  # noqa: F811
    monkeypatch.setattr("sys.stdin", io.StringIO(SMTP_PASSWORD + "\n"))
    code, out, err = run(
        capsys, "channels", "add", "email", "FinOps email", "--host", mailbox.host,
        "--port", str(mailbox.port), "--security", "none", "--username", SMTP_USER,
        "--password-stdin", "--sender", "pumpview@acme.dev", "--recipient", "finops@acme.dev",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("Added channel 1 (email, FinOps email)")
    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "finops@acme.dev"
    code, out, _ = run(capsys, "channels", "list", "--format", "json")
    assert SMTP_PASSWORD not in out
    assert json.loads(out)[0]["host"] == mailbox.host


@pytest.mark.parametrize(
    ("url", "said"),
    [("ftp://hooks.acme.dev/x", "--url: "), ("https://user:s3cr3t@hooks.acme.dev/x", "--url: ")],
)
def test_a_bad_url_is_one_line_naming_the_option_and_stores_nothing(capsys, url, said):
    code, out, err = run(capsys, "channels", "add", "webhook", "hook", "--url", url)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {said}")
    assert err.count("\n") == 1
    assert "s3cr3t" not in err  # the password given is never echoed
    assert run(capsys, "channels", "list", "--format", "json")[1] == "[]\n"
