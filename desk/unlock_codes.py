"""How a one-time unlock code reaches the employee: a :class:`CodeChannel`.

E-mail here; an SMS gateway would be another implementation of the same Protocol.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from desk.db import now
from settings import Smtp
from texts import text


class CodeNotSent(RuntimeError):
    """The channel did not take the code (the message names no address and no code)."""


class CodeChannel(Protocol):
    """Delivers a code to an address the directory names."""

    def send(self, *, address: str, code: str, language: str, minutes: int) -> None:
        """Deliver ``code`` (valid ``minutes``) to ``address`` in ``language``; raises :class:`CodeNotSent`."""
        ...


class EmailCodeChannel:
    """Plain-text mail over the desk's SMTP relay (``SERVICEDESK_SMTP_*``, as the e-mail ticket sink)."""

    def __init__(self, *, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        """An SMTP relay without authentication (the mail server inside the administration's network)."""
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_settings(cls, smtp: Smtp) -> EmailCodeChannel:
        """The channel over the configured relay and sender."""
        return cls(host=smtp.host, port=smtp.port, sender=smtp.sender)

    def send(self, *, address: str, code: str, language: str, minutes: int) -> None:
        """Mail the code; the subject carries no code (it shows on lock screens and in mail lists)."""
        msg = EmailMessage()
        msg["Subject"] = text("unlock.mail.subject", language)
        msg["From"] = self.sender
        msg["To"] = address
        msg["Date"] = format_datetime(now())
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text("unlock.mail.body", language, code=code, minutes=minutes), charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(msg, from_addr=self.sender, to_addrs=[address])
        except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError
            raise CodeNotSent(f"SMTP {self.host}:{self.port}: {type(exc).__name__}") from None
