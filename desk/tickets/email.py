"""Tickets as e-mail to the service desk's mailbox, numbered in the local register."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine, delete

from desk.db import now, tickets
from desk.tickets import register
from desk.tickets.base import TicketDraft, TicketError, TicketRef, TicketStatus


class EmailTicketSink:
    """Tickets numbered ``SD-M-<year>-<id>``, sent as plain-text mail over SMTP."""

    name = "email"

    def __init__(self, engine: Engine, *, host: str, port: int, sender: str, recipient: str, timeout: float = 10.0):
        """An SMTP relay without authentication (the mail server inside the administration's network)."""
        self.engine = engine
        self.host = host
        self.port = port
        self.sender = sender
        self.recipient = recipient
        self.timeout = timeout

    def create(self, draft: TicketDraft) -> TicketRef:
        """Register the ticket for its number, mail it, and unregister it if the mail is not accepted."""
        ts = now()
        # Committed before sending: holding the transaction open during SMTP would lock SQLite for everyone.
        with self.engine.begin() as conn:
            tid = register.add(conn, sink=self.name, draft=draft, status="forwarded")
            number = register.number_from_id(conn, tid, "SD-M")
        try:
            self._send(self._message(number, draft, ts))
        except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError
            with self.engine.begin() as conn:
                conn.execute(delete(tickets).where(tickets.c.id == tid))
            raise TicketError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc
        return TicketRef(number=number, sink=self.name, external_id=str(tid))

    def status(self, number: str) -> TicketStatus | None:
        """Read the register; a mailed ticket stays "forwarded" (its fate is in the mailbox)."""
        row = register.find(self.engine, self.name, number)
        return register.status_of(row) if row is not None else None

    def _message(self, number: str, draft: TicketDraft, ts: datetime) -> EmailMessage:
        """Plain-text UTF-8 mail; the number leads the subject so replies keep it."""
        msg = EmailMessage()
        # Header values must not contain line breaks; a title is one line anyway.
        msg["Subject"] = f"[{number}] {' '.join(draft.title.split())}"
        msg["From"] = self.sender
        msg["To"] = self.recipient
        msg["Date"] = format_datetime(ts)
        # An explicit domain: make_msgid's default asks DNS for this host's name, which can hang.
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        msg["X-Servicedesk-Ticket"] = number
        msg.set_content(draft.body(), charset="utf-8", cte="quoted-printable")
        for shot in draft.attachments:
            maintype, _, subtype = shot.media_type.partition("/")
            msg.add_attachment(shot.content, maintype=maintype, subtype=subtype, filename=shot.filename)
        return msg

    def _send(self, msg: EmailMessage) -> None:
        """Deliver to the relay; raises when the relay does not take the message."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(msg, from_addr=self.sender, to_addrs=[self.recipient])
