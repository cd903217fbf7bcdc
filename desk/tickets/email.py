"""Tickets as e-mail to the service desk's mailbox, numbered in the local register."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from uuid import uuid4

from sqlalchemy import Engine, delete, insert, select, update

from desk.db import aware, now, tickets
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
            tid = conn.execute(
                insert(tickets)
                .values(
                    number=f"pending-{uuid4().hex}",
                    sink=self.name,
                    title=draft.title[:200],
                    body=draft.body(),
                    status="forwarded",
                    customer=draft.customer,
                    escalation_id=draft.escalation_id,
                    created_at=ts,
                    updated_at=ts,
                )
                .returning(tickets.c.id)
            ).scalar_one()
            number = f"SD-M-{ts.year}-{tid:06d}"
            conn.execute(update(tickets).where(tickets.c.id == tid).values(number=number, external_id=str(tid)))
        try:
            self._send(self._message(number, draft, ts))
        except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError
            with self.engine.begin() as conn:
                conn.execute(delete(tickets).where(tickets.c.id == tid))
            raise TicketError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc
        return TicketRef(number=number, sink=self.name, external_id=str(tid))

    def status(self, number: str) -> TicketStatus | None:
        """Read the register; a mailed ticket stays "forwarded" (its fate is in the mailbox)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tickets).where(tickets.c.number == number.strip(), tickets.c.sink == self.name)
            ).first()
        if row is None:
            return None
        return TicketStatus(number=row.number, state=row.status, title=row.title, updated_at=aware(row.updated_at))

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
        return msg

    def _send(self, msg: EmailMessage) -> None:
        """Deliver to the relay; raises when the relay does not take the message."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(msg, from_addr=self.sender, to_addrs=[self.recipient])
