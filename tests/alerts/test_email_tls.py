"""Email over TLS to a real SMTP server: STARTTLS (RFC 3207) and implicit TLS (RFC 8314), with a
login that the server only takes encrypted; a certificate the sender does not trust is refused."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pumpview.alerts import channels
from pumpview.alerts.delivery import deliver
from pumpview.alerts.evaluate import check
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, Mailbox, free_port
from tests.alerts.test_delivery import BASE, crossing
from tests.conftest import NOW_MS

NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
"""The certificate's validity: wide, as TLS checks it against the wall clock."""


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A self-signed certificate for 127.0.0.1: its file, its key's, and its PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tls")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    (folder / "cert.pem").write_text(pem)
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    return folder / "cert.pem", folder / "key.pem", pem


def _authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                  data: Any) -> AuthResult:  # fmt: skip
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())  # fmt: skip
    return AuthResult(success=ok, handled=False)


@pytest.fixture(params=["starttls", "tls"])
def secure_mailbox(request: pytest.FixtureRequest, certificate) -> Iterator[Mailbox]:
    """A real SMTP server speaking STARTTLS (required before a login) or implicit TLS."""
    cert, key, _pem = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = Mailbox("127.0.0.1", free_port())
    box.security = request.param  # type: ignore[attr-defined]

    class Handler:
        async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
            self, _server: Any, _session: Any, envelope: Any
        ) -> str:
            from email import message_from_bytes, policy  # noqa: PLC0415

            with box.arrived:
                box.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
                box.arrived.notify_all()
            return "250 OK"

    if request.param == "starttls":
        controller = Controller(Handler(), hostname=box.host, port=box.port,
                                tls_context=server_tls, require_starttls=True,
                                authenticator=_authenticate)  # fmt: skip
    else:
        controller = Controller(Handler(), hostname=box.host, port=box.port,
                                ssl_context=server_tls, authenticator=_authenticate,
                                server_hostname="127.0.0.1",
                                # encrypted from the first byte; aiosmtpd counts only STARTTLS
                                auth_require_tls=False)  # fmt: skip
    controller.start()
    yield box
    controller.stop()


def _fields(box: Mailbox) -> dict[str, object]:
    return {"kind": "email", "name": "FinOps", "host": box.host, "port": box.port,
            "security": box.security, "username": SMTP_USER,  # type: ignore[attr-defined]
            "password": SMTP_PASSWORD, "sender": "pumpview@acme.dev",
            "recipients": ["finops@acme.dev"]}  # fmt: skip


def test_an_email_goes_over_tls_with_a_login(engine, vault, secure_mailbox, certificate):
    """The channel's test and the alert both arrive, encrypted, after the login."""
    trusted = ssl.create_default_context(cadata=certificate[2])
    with httpx.Client() as http:
        channels.add(engine, vault, _fields(secure_mailbox), NOW_MS, http, base_url=BASE,
                     ssl_context=trusted)  # fmt: skip
        (alert,) = check(engine, NOW_MS, [crossing])
        sent = deliver(engine, vault, NOW_MS, http, base_url=BASE, ssl_context=trusted)
    assert [d.status for d in sent] == ["sent"]
    _test, mail = secure_mailbox.wait_for(2)
    assert alert.message in mail.get_body(("plain",)).get_content()


def test_a_certificate_not_trusted_is_refused_at_the_host(engine, vault, secure_mailbox):
    """The system's trust store does not know the test's certificate: TLS fails, nothing is
    saved and nothing was sent (the password never left encrypted or otherwise)."""
    with httpx.Client() as http, pytest.raises(channels.UserInputError) as refused:
        channels.add(engine, vault, _fields(secure_mailbox), NOW_MS, http, base_url=BASE)
    assert refused.value.field == "host"
    assert "TLS failed (CERTIFICATE_VERIFY_FAILED)" in str(refused.value)
    assert secure_mailbox.messages == []
