"""``pumpview users``: accounts and API tokens from the command line."""

from __future__ import annotations

import io
import json

import pytest

from pumpview.cli import main


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_add_list_token_revoke_remove(capsys, monkeypatch):
    """A scripted admin: added with --password-stdin, listed, given a token printed once, which
    is listed by its first characters only, revoked, and the user removed."""
    code, out, err = run(capsys, monkeypatch, "users", "add", "Ops@Acme.dev", "--role", "admin",
                         "--password-stdin", stdin="a long passphrase\n")  # fmt: skip
    assert (code, out, err) == (0, "Added ops@acme.dev (admin).\n", "")
    code, out, _ = run(capsys, monkeypatch, "users", "token", "ops@acme.dev", "--name", "ci")
    token = out.strip()
    assert code == 0
    assert token.startswith("pv_")
    _, out, _ = run(capsys, monkeypatch, "users", "list", "--format", "json")
    assert [(u["email"], u["role"], u["tokens"]) for u in json.loads(out)] == [
        ("ops@acme.dev", "admin", 1)
    ]
    _, out, _ = run(capsys, monkeypatch, "users", "tokens", "--format", "json")
    (listed,) = json.loads(out)
    assert (listed["email"], listed["name"], listed["starts"]) == ("ops@acme.dev", "ci", token[:8])
    assert token not in out
    assert run(capsys, monkeypatch, "users", "revoke", str(listed["id"]))[:2] == (
        0,
        f"Revoked token {listed['id']}.\n",
    )
    assert run(capsys, monkeypatch, "users", "remove", "ops@acme.dev")[:2] == (
        0,
        "Removed ops@acme.dev.\n",
    )
    _, out, _ = run(capsys, monkeypatch, "users", "list", "--format", "json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("users", "add", "x@y.dev", "--role", "owner", "--password-stdin"), "long enough pw\n",
         "error: the role must be admin or viewer, got 'owner'\n"),
        (("users", "add", "x@y.dev", "--role", "viewer", "--password-stdin"), "short\n",
         "error: the password must be at least 10 characters\n"),
        (("users", "add", "x@y.dev", "--role", "viewer"), "",
         "error: no terminal to ask for the password: pipe it in with --password-stdin\n"),
        (("users", "remove", "nobody@y.dev"), "", "error: no user nobody@y.dev\n"),
        (("users", "token", "nobody@y.dev"), "", "error: no user nobody@y.dev\n"),
        (("users", "revoke", "7"), "", "error: no API token 7: see pumpview users tokens\n"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_1(capsys, monkeypatch, argv, stdin, message):
    assert run(capsys, monkeypatch, *argv, stdin=stdin) == (1, "", message)
