"""Where the facts live: ``PUMPVIEW_CLICKHOUSE_URL`` parsed, and a clickhouse-connect client on it.

Three kinds of URL:

- ``http://user:password@host:8123/database``: a ClickHouse server (or a cluster's node);
- ``https://user:password@host:8443/database``: the same over TLS (ClickHouse Cloud);
- ``chdb:///absolute/path``: embedded chDB, in this process, its database ``pumpview`` (or
  ``?database=NAME``: the tests give each test its own).

A URL carries a password, so no message, ``repr`` or log line shows one: ``masked`` replaces it
with ``***``, and a driver's error text is only ever shown scrubbed of it (plain, URL-encoded and
as the base64 of HTTP Basic auth).

chDB opens one path per process (a second path fails while the first is open; older chDB also
refused a second handle on the same path), and it keeps the path locked against other processes.
So ``connect`` keeps one client per chDB path and database in ``_EMBEDDED`` and hands every
caller that same client: do not close it, call ``close(url)`` (tests, shutdown). A server URL
gets a new client at each ``connect``, the caller's to close.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from pumpview.errors import UserInputError
from pumpview.store.clickhouse.schema import DATABASE, is_name, on_cluster, quoted

Scheme = Literal["http", "https", "chdb"]
DEFAULT_PORTS = {"http": 8123, "https": 8443}
FORMS = "http://user:password@host:8123/database, https://...:8443/database or chdb:///path"
CONNECT_TIMEOUT_S = 10

# The driver logs its own errors, with whatever the HTTP library said (addresses, URLs): what
# reaches people is ``_reason``'s scrubbed line, so its log stays silent.
logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL + 1)


@dataclass(frozen=True, slots=True)
class FactsUrl:
    """A parsed facts URL: a server's address and credentials, or an embedded chDB path."""

    scheme: Scheme
    database: str = DATABASE
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = field(default="", repr=False)
    path: str = ""
    """chDB's directory (absolute)."""

    def masked(self) -> str:
        """The URL for people: the password as ``***``."""
        if self.scheme == "chdb":  # no secret: the path, and the database unless the default
            database = "" if self.database == DATABASE else f"?database={self.database}"
            return f"chdb://{self.path}{database}"
        user = quote(self.username, safe="") if self.username else ""
        secret = ":***" if self.password else ""
        credentials = f"{user}{secret}@" if user or secret else ""
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6
        return f"{self.scheme}://{credentials}{host}:{self.port}/{self.database}"

    def secrets(self) -> tuple[str, ...]:
        """Every form the password could take in a driver's message, to scrub."""
        if not self.password:
            return ()
        basic = f"{self.username or 'default'}:{self.password}".encode()
        return (
            self.password,
            quote(self.password, safe=""),
            quote_plus(self.password),
            base64.b64encode(basic).decode(),
            base64.b64encode(self.password.encode()).decode(),
        )


def masked(url: str) -> str:
    """``url`` for display, parseable or not: the password after ``user:`` and any query string
    shown as ``***``."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    at = rest.rfind("@")  # the last one: an unencoded @ in a password comes before it
    if at >= 0:
        user, colon, _ = rest[:at].partition(":")
        rest = f"{user}{':***' if colon else ''}{rest[at:]}"
    rest, query, _ = rest.partition("?")
    return f"{scheme}{separator}{rest}{'?***' if query else ''}".replace("\n", " ")


def _refuse(url: str, why: str) -> UserInputError:
    return UserInputError(f"PUMPVIEW_CLICKHOUSE_URL {masked(url)}: {why} (expected {FORMS})")


def parse(url: str) -> FactsUrl:
    """``url`` as a ``FactsUrl``; a ``UserInputError`` (with the URL masked) if it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a bad port, or brackets; Python's message may quote the password
        raise _refuse(url, "not a valid URL") from None
    if parts.scheme == "chdb":
        if parts.netloc or not parts.path.startswith("/") or parts.fragment:
            raise _refuse(url, "chDB needs an absolute path: chdb:///path")
        options = parse_qs(parts.query)
        database = options.pop("database", [DATABASE])[-1]
        if options or not is_name(database):
            raise _refuse(url, "chDB takes one option, ?database=NAME (letters, digits, _, -)")
        return FactsUrl("chdb", database=database, path=unquote(parts.path))
    if parts.query or parts.fragment:
        raise _refuse(url, "options after ? or # are not supported")
    if parts.scheme not in DEFAULT_PORTS:
        raise _refuse(url, "the scheme must be http, https or chdb")
    scheme: Scheme = "https" if parts.scheme == "https" else "http"
    if not parts.hostname:
        raise _refuse(url, "no host")
    database = unquote(parts.path.strip("/")) or DATABASE
    if not is_name(database):
        raise _refuse(url, "the database must be one name of letters, digits, _ and -")
    return FactsUrl(
        scheme,
        database=database,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


AUTHENTICATION_CODES = frozenset({192, 193, 194, 516})
"""ClickHouse's UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD and AUTHENTICATION_FAILED."""


def _reason(facts: FactsUrl, error: Exception) -> str:
    """Why ``error`` happened, in a few words, without the password in any form: the socket's
    own words for a network failure, a hint for refused credentials, else the first line of the
    driver's message (scrubbed)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return f"{cause.strerror} (is the server up, and are the host and port right?)"
        cause = cause.__cause__ or cause.__context__
    if getattr(error, "code", None) in AUTHENTICATION_CODES:
        return "the server refused the user or password"
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    for secret in facts.secrets():
        text = text.replace(secret, "***")
    return text[:300]


def failure(url: str, error: Exception) -> UserInputError:
    """One line for ``error``, met while using ClickHouse at ``url`` (an insert or a query that
    failed midway), without the password in any form."""
    facts = parse(url)
    return UserInputError(f"ClickHouse at {facts.masked()} failed: {_reason(facts, error)}")


_EMBEDDED: dict[tuple[str, str], Client] = {}
"""The process's chDB client per (resolved) path and database: see the module's docstring."""
_EMBEDDED_LOCK = threading.Lock()


def connect(url: str, cluster: str | None = None) -> Client:
    """A client on ``url``'s database, created if missing (``ON CLUSTER cluster`` if given).

    Unreachable, refused or unopenable: a one-line ``UserInputError`` without the password.
    A chDB URL returns the process's shared client for its path (``close`` it, never the client).
    """
    facts = parse(url)
    if facts.scheme == "chdb":
        if cluster is not None:
            msg = f"{facts.masked()} is embedded chDB, one node: it takes no cluster"
            raise UserInputError(msg)
        return _embedded(facts)
    statement = f"CREATE DATABASE IF NOT EXISTS {quoted(facts.database)}{on_cluster(cluster)}"
    try:
        client = clickhouse_connect.get_client(
            interface=facts.scheme,
            host=facts.host,
            port=facts.port,
            username=facts.username or None,
            password=facts.password,
            connect_timeout=CONNECT_TIMEOUT_S,
            # One client serves the web app's threads; a session would serialise them.
            autogenerate_session_id=False,
        )
        client.command(statement)
    except (ClickHouseError, OSError) as error:
        msg = f"cannot use ClickHouse at {facts.masked()}: {_reason(facts, error)}"
        raise UserInputError(msg) from None  # the driver's exception is not shown: see _reason
    client.database = facts.database
    return client


def _embedded(facts: FactsUrl) -> Client:
    path = str(Path(facts.path).resolve())
    with _EMBEDDED_LOCK:
        client = _EMBEDDED.get((path, facts.database))
        if client is not None:
            return client
        other = next((open_path for open_path, _db in _EMBEDDED if open_path != path), None)
        if other is not None:
            msg = (
                f"cannot open chDB at {path}: this process has chDB open at {other}, "
                "and chDB opens one path per process"
            )
            raise UserInputError(msg)
        try:
            client = clickhouse_connect.get_client(interface="chdb", path=path)
            client.command(f"CREATE DATABASE IF NOT EXISTS {quoted(facts.database)}")
        except ImportError:
            msg = "chdb:/// URLs need the embedded engine: pip install 'pumpview[chdb]'"
            raise UserInputError(msg) from None
        except ClickHouseError as error:
            msg = (
                f"cannot open chDB at {path}, is another process using it? (one process at a "
                f"time may): {_reason(facts, error)}"
            )
            raise UserInputError(msg) from None
        client.database = facts.database
        _EMBEDDED[path, facts.database] = client
        return client


def close(url: str) -> None:
    """Close the process's shared chDB client for ``url``'s path, if open, so another path can
    be opened (tests, shutdown). Nothing to do for a server URL."""
    facts = parse(url)
    if facts.scheme != "chdb":
        return
    with _EMBEDDED_LOCK:
        client = _EMBEDDED.pop((str(Path(facts.path).resolve()), facts.database), None)
    if client is not None:
        client.close()
