"""Real receivers on 127.0.0.1 for the alerts' tests: an HTTP server that records each request
(and answers as scripted: a status, or hanging until released, as a receiver that accepted the
request and never answered), and an SMTP server (aiosmtpd) that records each message."""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography.fernet import Fernet

from pumpview.vault import Vault

WAIT_SECONDS = 30.0
HANG = "hang"
"""A scripted answer: read the request, then answer nothing until the test ends."""


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP receiver: ``script`` holds the answers to the next requests (a status, or
    ``HANG``); once it is empty every request gets 200."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: deque[int | str] = field(default_factory=deque)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    release: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int) -> list[Received]:
        """Wait until ``count`` requests have arrived (an event, never a sleep)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, WAIT_SECONDS)
            return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with found.arrived:
                answer = found.script.popleft() if found.script else 200
                found.requests.append(Received(self.path, dict(self.headers.items()), body))
                found.arrived.notify_all()
            if answer == HANG:
                found.release.wait(WAIT_SECONDS)
                return
            self.send_response(int(answer))
            text = b"ok" if int(answer) < 300 else b"no_service"
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int) -> list[EmailMessage]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, WAIT_SECONDS)
            return list(self.messages)


SMTP_USER, SMTP_PASSWORD = "alerts@acme.dev", "smtp pass 4f9c1e"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) taking a login (``SMTP_USER``,
    ``SMTP_PASSWORD``) without TLS, and recording every message it is handed."""
    box = Mailbox("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
            self, _server: Any, _session: Any, envelope: Any
        ) -> str:
            mail = message_from_bytes(envelope.content, policy=policy.default)
            with box.arrived:
                box.messages.append(mail)  # type: ignore[arg-type]
                box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                box.arrived.notify_all()
            return "250 OK"

    def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                     data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(), SMTP_PASSWORD.encode())  # fmt: skip
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself

    controller = Controller(
        Handler(), hostname=box.host, port=box.port, authenticator=authenticate,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    yield box
    controller.stop()


VAULT_KEY = Fernet.generate_key()
"""The vault's secret: a process of its own (``pumpview alerts check``) opens the same seals."""


@pytest.fixture
def vault() -> Vault:
    return Vault(VAULT_KEY)
