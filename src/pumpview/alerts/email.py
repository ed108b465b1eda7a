"""Email through SMTP (``smtplib``): STARTTLS (RFC 3207, port 587), implicit TLS (RFC 8314, port
465) or none (a relay on the local network); a login when a user name is given. The message is
multipart/alternative: a text part and an HTML part (every value escaped), each with the alert's
message and a link to the Alerts page. Its ``Message-ID`` is the delivery's id, the same on a
retry, so a mail client can fold a repeat.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from pumpview.alerts.outcome import Outcome
from pumpview.alerts.rows import title
from pumpview.timeutil import from_ms

SECURITY = ("starttls", "tls", "none")
PORTS = {"starttls": 587, "tls": 465, "none": 25}
"""Each security's usual port, the default when none is given."""
TIMEOUT_SECONDS = 10.0
SMTP_TEMPORARY = range(400, 500)
"""SMTP's transient negative replies (RFC 5321 4.2.1): worth another attempt later."""


@dataclass(frozen=True, slots=True)
class Server:
    host: str
    port: int
    security: str
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Server({self.host}:{self.port}, {self.security}, user={self.username!r})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def message(
    row: dict[str, Any],
    link: str,
    sender: str,
    recipients: list[str],
    message_id: str,
    now_ms: int,
) -> EmailMessage:
    """The email for the alert ``row``."""
    mail = EmailMessage()
    subject = f"Pump View: {title(row['rule'])}: {_one_line(row['message'])}"
    mail["Subject"] = subject if len(subject) <= 150 else subject[:149] + "…"
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(from_ms(now_ms))
    mail["Message-ID"] = f"<{message_id}@pumpview>"
    text = (
        f"{row['message']}\n\nSee it in Pump View: {link}\n\n({row['rule']}, {row['created_at']})\n"
    )
    mail.set_content(text)
    page = (
        f"<p>{html.escape(row['message'])}</p>\n"
        f'<p><a href="{html.escape(link, quote=True)}">See it in Pump View</a></p>\n'
        f'<p style="color:#666">{html.escape(row["rule"])}, {html.escape(row["created_at"])}</p>\n'
    )
    mail.add_alternative(f"<!doctype html>\n<html><body>\n{page}</body></html>\n", subtype="html")
    return mail


def send(
    server: Server,
    mail: EmailMessage,
    *,
    timeout: float = TIMEOUT_SECONDS,
    ssl_context: ssl.SSLContext | None = None,
) -> Outcome:
    """Hand ``mail`` to ``server``. Refused for good: a failed login, a recipient or sender
    refused, a 5xx reply; retried: no connection, a timeout, a 4xx reply, a dropped line."""
    context = ssl_context or ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if server.security == "tls":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.security == "starttls":
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        return Outcome("failed", exc.smtp_code, "the SMTP server refused the login", "password")
    except smtplib.SMTPRecipientsRefused:
        return Outcome("failed", None, "the SMTP server refused the recipients", "recipients")
    except smtplib.SMTPSenderRefused as exc:
        return Outcome("failed", exc.smtp_code, "the SMTP server refused the sender", "sender")
    except smtplib.SMTPNotSupportedError:
        error = "the SMTP server does not offer STARTTLS or login"
        return Outcome("failed", None, error, "security")
    except smtplib.SMTPResponseException as exc:
        result = "retry" if exc.smtp_code in SMTP_TEMPORARY else "failed"
        return Outcome(result, exc.smtp_code, f"the SMTP server answered {exc.smtp_code}")
    except smtplib.SMTPServerDisconnected:
        return Outcome("retry", None, "the SMTP server closed the connection")
    except ssl.SSLError as exc:
        return Outcome("failed", None, f"TLS failed ({exc.reason or type(exc).__name__})")
    except TimeoutError:
        return Outcome("retry", None, "the SMTP server did not answer in time (timed out)")
    except OSError as exc:
        return Outcome(
            "retry",
            None,
            f"could not connect to the SMTP server ({exc.strerror or type(exc).__name__})",
        )
    return Outcome("sent", 250)
