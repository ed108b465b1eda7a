"""The facts URL: what parses, what is refused, and that no message ever shows the password."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

import pumpview
from pumpview.errors import UserInputError
from pumpview.store.clickhouse.connection import FactsUrl, connect, failure, masked, parse

pytestmark = pytest.mark.clickhouse

SECRET = "s3cr:t/p@ss wörd"
"""A password with every character a URL must encode."""
ENCODED = quote(SECRET, safe="")


def forms(user: str, password: str) -> list[str]:
    """Every form a password could leak in: plain, URL-encoded, and HTTP Basic auth's base64."""
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [password, quote(password, safe=""), quote_plus(password), basic]


def test_a_server_url_gives_host_port_database_and_decoded_credentials():
    facts = parse(f"http://alice:{ENCODED}@ch.internal:8123/facts")
    assert facts == FactsUrl(
        "http", database="facts", host="ch.internal", port=8123, username="alice", password=SECRET
    )


def test_https_defaults_to_port_8443_and_the_pumpview_database():
    """A ClickHouse Cloud URL as its console shows it: no port, no database."""
    facts = parse("https://default:pw@abc123.eu-west-1.aws.clickhouse.cloud")
    assert (facts.scheme, facts.port, facts.database) == ("https", 8443, "pumpview")


def test_a_chdb_url_gives_an_absolute_path_and_the_fixed_database():
    assert parse("chdb:///var/lib/pumpview/facts") == FactsUrl(
        "chdb", path="/var/lib/pumpview/facts", database="pumpview"
    )


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://alice:{ENCODED}@host/db",  # another scheme
        f"postgresql://alice:{ENCODED}@host/db",
        f"http://alice:{ENCODED}@:8123/db",  # no host
        f"http://alice:{ENCODED}@host:99999/db",  # port out of range
        f"http://alice:{SECRET}@host/db",  # unencoded: the password's "/" ends the host part
        f"http://alice:{ENCODED}@host/a/b",  # not one database name
        f"http://alice:{ENCODED}@host/db;drop",
        f"http://alice:{ENCODED}@host/db?secure=true",  # options
        f"chdb://alice:{ENCODED}@relative/path",  # chDB wants an absolute path
        "chdb:relative/path",
        "",
        SECRET,
    ],
)
def test_a_bad_url_is_one_line_without_the_password(url):
    with pytest.raises(UserInputError) as raised:
        parse(url)
    message = str(raised.value)
    assert "\n" not in message
    assert raised.value.__cause__ is None
    for form in forms("alice", SECRET):
        assert form not in message


def test_masked_hides_the_password_and_any_options():
    assert masked(f"http://alice:{ENCODED}@host:8123/db") == "http://alice:***@host:8123/db"
    assert masked(f"http://alice:{SECRET}@host/db?password=x") == "http://alice:***@host/db?***"
    assert masked("chdb:///data/facts") == "chdb:///data/facts"


def test_a_parsed_url_shows_no_password_in_repr_or_masked():
    facts = parse(f"https://alice:{ENCODED}@host/db")
    assert SECRET not in repr(facts)
    assert facts.masked() == "https://alice:***@host:8443/db"


def test_a_chdb_url_is_shown_whole_with_a_database_other_than_the_default():
    assert parse("chdb:///data/facts").masked() == "chdb:///data/facts"
    assert parse("chdb:///data/facts?database=t1").masked() == "chdb:///data/facts?database=t1"


def test_a_failure_midway_is_one_line_without_the_password():
    url = f"http://alice:{ENCODED}@host:8123/db"
    error = failure(url, RuntimeError(f"Code: 999. refused for alice:{SECRET} at {url}\nmore"))
    assert str(error) == (
        "ClickHouse at http://alice:***@host:8123/db failed: Code: 999. refused for alice:*** "
        "at http://alice:***@host:8123/db"
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_server_is_one_line_without_the_password_in_any_form():
    url = f"http://alice:{ENCODED}@127.0.0.1:{free_port()}/facts"
    with pytest.raises(UserInputError) as raised:
        connect(url)
    message = str(raised.value)
    assert message.startswith("cannot use ClickHouse at http://alice:***@127.0.0.1:")
    assert "\n" not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    for form in forms("alice", SECRET):
        assert form not in message


def test_chdb_takes_no_cluster(chdb_url):
    with pytest.raises(UserInputError, match="takes no cluster"):
        connect(chdb_url, cluster="prod")


def test_chdb_is_one_shared_client_per_path_with_the_pumpview_database(chdb_url):
    """Every connect to one path gets the same client, whatever the path's spelling."""
    client = connect(chdb_url)
    assert connect(f"{chdb_url}/") is client
    assert connect(f"{chdb_url}/../{Path(chdb_url).name}") is client
    assert client.query("SELECT currentDatabase()").result_rows == [("pumpview",)]


def test_a_second_chdb_path_in_one_process_is_refused_clearly(chdb_url, tmp_path):
    connect(chdb_url)
    with pytest.raises(UserInputError, match="opens one path per process"):
        connect(f"chdb://{tmp_path}")


def test_a_chdb_path_another_process_holds_is_refused_clearly(chdb_url):
    """chDB locks its path: a second process gets a line that says why, not a traceback."""
    connect(chdb_url)
    script = (
        "from pumpview.store.clickhouse.connection import connect\n"
        "from pumpview.errors import UserInputError\n"
        "try:\n"
        f"    connect({chdb_url!r})\n"
        "except UserInputError as error:\n"
        "    print(error)\n"
    )
    src = str(Path(pumpview.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert "is another process using it?" in done.stdout


def test_query_parameters_bind_typed_values_on_chdb(chdb_url):
    """``{name:Type}`` placeholders, as the read side uses them, come back exact."""
    client = connect(chdb_url)
    result = client.query(
        "SELECT {n:UInt32} + 1, {s:String}, {d:Date}, {m:Decimal(38, 24)} * 2,"
        " has({days:Array(Date)}, {d:Date})",
        parameters={
            "n": 41,
            "s": "o'brien@acme.dev",
            "d": date(2026, 12, 7),
            "m": Decimal("0.12345678901234567891"),
            "days": [date(2026, 12, 7)],
        },
    )
    assert result.result_rows == [
        (42, "o'brien@acme.dev", date(2026, 12, 7), Decimal("0.24691357802469135782"), True)
    ]
