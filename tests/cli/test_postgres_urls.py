"""``PUMPVIEW_DATABASE_URL`` on PostgreSQL: a server or database that is not there is one error
line, and the URL schemes hosts write all reach the database. PostgreSQL only: these are its
URLs (the CLI contract on both databases is ``test_cursor_cli.py``)."""

from __future__ import annotations

import socket

import pytest
import stamina
from sqlalchemy.engine import make_url

from pumpview.simulator import DEMO_KEY
from pumpview.timeutil import from_ms
from tests.cli.invoke import run
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_RATE_LIMIT", "off")
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())
    monkeypatch.delenv("PUMPVIEW_SECRET_KEY", raising=False)
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again once returned: nothing listens


@pytest.mark.parametrize("where", ["unreachable port", "no such database"])
@pytest.mark.parametrize(
    "argv",
    [
        ("report", "users"), ("integrations", "list"), ("sync",),
        ("integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url", "http://127.0.0.1:9"),
        ("integrations", "disconnect", "cursor", "--purge"),
    ],
    ids=lambda argv: " ".join(argv[:2]),
)  # fmt: skip
def test_bad_postgres_url_is_one_error_line(capsys, monkeypatch, db_url, where, argv):
    """An unreachable server or a missing database: exit 1, one ``error:`` line naming the
    database (password hidden), no traceback."""
    url = make_url(db_url).set(password="s3cret-pw")
    if where == "unreachable port":
        url = url.set(port=_closed_port())
    else:
        url = url.set(database="no_such_database")
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", url.render_as_string(hide_password=False))
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: cannot open the database postgresql")
    assert "pumpview:***@127.0.0.1:" in err
    assert "s3cret-pw" not in err
    assert DEMO_KEY not in err
    assert "Traceback" not in err
    if where == "no such database":
        assert "no_such_database" in err


@pytest.mark.parametrize("scheme", ["postgres", "postgresql+psycopg"])
def test_other_postgres_url_schemes_work(capsys, monkeypatch, db_url, scheme):
    """``postgres://`` (as many hosts write it) and an explicit ``+psycopg`` reach the same
    database as ``postgresql://``."""
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", scheme + db_url.removeprefix("postgresql"))
    code, out, err = run(capsys, "integrations", "list", "--format", "json")
    assert (code, out, err) == (0, "[]\n", "")
