"""One contract for every TicketSink: the SQL store, e-mail to a real SMTP server (Zammad: its own file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from desk.db import now, tickets
from desk.tickets.base import TicketAttachment, TicketError, TicketRef
from desk.tickets.email import EmailTicketSink
from desk.tickets.factory import make_sink
from desk.tickets.sql import SqlTicketSink
from desk.tickets.zammad import ZammadTicketSink
from scripts.stack import free_port
from settings import Smtp, Tickets, Zammad
from tests.unit.desk.ticket_contract import (
    CUSTOMER_EMAIL,
    GROUP,
    RECIPIENT,
    SENDER,
    TOKEN,
    Received,
    TicketSinkContract,
    make_draft,
    register_count,
)


class TestSqlTicketSink(TicketSinkContract):
    sink_name = "sql"
    initial_state = "open"

    @pytest.fixture
    def sink(self, engine: Engine) -> SqlTicketSink:
        return SqlTicketSink(engine)

    @pytest.fixture
    def received(self, engine: Engine) -> Received:
        def read(ref: TicketRef) -> tuple[str, str]:
            with engine.connect() as conn:
                row = conn.execute(select(tickets).where(tickets.c.number == ref.number)).one()
            return row.title, row.body

        return read


# --- e-mail: a real SMTP server on loopback ---------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps what it is given (or refuses it)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.reject = False
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject:
            return "554 5.7.1 Message rejected by policy"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 2.0.0 OK"


@contextmanager
def serving_inbox() -> Iterator[Inbox]:
    """An aiosmtpd server on a free loopback port, keeping what it receives, for the ``with`` block."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def plain_body(msg: Message) -> str:
    body = msg.get_content()  # type: ignore[attr-defined]
    return str(body).replace("\r\n", "\n").rstrip("\n")


class TestEmailTicketSink(TicketSinkContract):
    sink_name = "email"
    initial_state = "forwarded"

    @pytest.fixture
    def inbox(self) -> Iterator[Inbox]:
        with serving_inbox() as inbox:
            yield inbox

    @pytest.fixture
    def sink(self, engine: Engine, inbox: Inbox) -> EmailTicketSink:
        return EmailTicketSink(engine, host="127.0.0.1", port=inbox.port, sender=SENDER, recipient=RECIPIENT)

    @pytest.fixture
    def received(self, inbox: Inbox) -> Received:
        def read(ref: TicketRef) -> tuple[str, str]:
            [msg] = [m for _, _, m in inbox.messages if m["X-Servicedesk-Ticket"] == ref.number]
            subject = str(msg["Subject"])
            assert subject.startswith(f"[{ref.number}] ")
            return subject.removeprefix(f"[{ref.number}] "), plain_body(msg)

        return read

    def test_message_as_received(self, sink: EmailTicketSink, inbox: Inbox, engine: Engine) -> None:
        ref = sink.create(make_draft())
        assert re.fullmatch(r"SD-M-\d{4}-\d{6}", ref.number)
        [(mail_from, rcpt_tos, msg)] = inbox.messages
        assert mail_from == SENDER and rcpt_tos == [RECIPIENT]
        assert msg["From"] == SENDER and msg["To"] == RECIPIENT
        assert msg["Subject"] == f"[{ref.number}] Drucker im 2. OG druckt nicht"
        assert msg["X-Servicedesk-Ticket"] == ref.number
        assert re.fullmatch(r"<[^<>@\s]+@stadt\.example>", str(msg["Message-ID"]))
        assert abs((parsedate_to_datetime(str(msg["Date"])) - now()).total_seconds()) < 60
        assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
        body = plain_body(msg)
        for line in (
            "Drucker HP-2OG-03 meldet Papierstau.",
            "Neustart hat nicht geholfen.",
            "- Standort: Rathaus, Raum 2.14",
            "Gesprächsverlauf:",
            "Nutzer: Mein Drucker druckt nicht.",
            "Assistent: Haben Sie ihn neu gestartet?",
        ):
            assert line in body.splitlines()
        with engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.number == ref.number)).one()
        assert (row.sink, row.status, row.external_id) == ("email", "forwarded", ref.external_id)

    def test_screenshots_go_as_mail_attachments(self, sink: EmailTicketSink, inbox: Inbox) -> None:
        shot = TicketAttachment("bildschirmfoto-3.jpg", "image/jpeg", b"\xff\xd8\xff pixels")
        sink.create(make_draft(attachments=(shot,)))
        [(_, _, msg)] = inbox.messages
        assert msg.get_content_type() == "multipart/mixed"
        text, image = list(msg.iter_parts())  # type: ignore[attr-defined]
        assert "Bildschirmfotos: bildschirmfoto-3.jpg" in plain_body(text)
        assert (image.get_content_type(), image.get_filename()) == ("image/jpeg", "bildschirmfoto-3.jpg")
        assert image.get_content() == b"\xff\xd8\xff pixels"

    def test_line_breaks_in_title_cannot_add_headers(self, sink: EmailTicketSink, inbox: Inbox) -> None:
        ref = sink.create(make_draft("Zeile eins\r\nBcc: evil@example.org\nX-Evil: 1"))
        [(_, rcpt_tos, msg)] = inbox.messages
        assert rcpt_tos == [RECIPIENT]
        assert msg["Bcc"] is None and msg["X-Evil"] is None
        assert msg["Subject"] == f"[{ref.number}] Zeile eins Bcc: evil@example.org X-Evil: 1"

    def test_unreachable_server_raises_and_leaves_no_row(self, engine: Engine) -> None:
        sink = EmailTicketSink(
            engine, host="127.0.0.1", port=free_port(), sender=SENDER, recipient=RECIPIENT, timeout=2.0
        )
        with pytest.raises(TicketError, match="SMTP 127.0.0.1"):
            sink.create(make_draft())
        assert register_count(engine) == 0

    def test_refused_message_raises_and_leaves_no_row(
        self, sink: EmailTicketSink, inbox: Inbox, engine: Engine
    ) -> None:
        inbox.reject = True
        with pytest.raises(TicketError, match="554"):
            sink.create(make_draft())
        assert register_count(engine) == 0 and inbox.messages == []


# --- choosing the sink -------------------------------------------------------------------------------------


def test_make_sink_follows_settings(engine: Engine) -> None:
    assert isinstance(make_sink(Tickets(), engine), SqlTicketSink)
    zammad = make_sink(
        Tickets(
            sink="zammad",
            zammad=Zammad(url="https://zammad.stadt.example/", token=TOKEN, group=GROUP, customer=CUSTOMER_EMAIL),
        ),
        engine,
        timeout=7.0,
    )
    assert isinstance(zammad, ZammadTicketSink)
    assert (zammad.base_url, zammad.group, zammad.customer, zammad.timeout) == (
        "https://zammad.stadt.example",
        GROUP,
        CUSTOMER_EMAIL,
        7.0,
    )
    zammad.close()
    mail = make_sink(Tickets(sink="email", smtp=Smtp(host="mail.stadt.example", port=2525)), engine)
    assert isinstance(mail, EmailTicketSink)
    assert (mail.host, mail.port, mail.sender, mail.recipient) == (
        "mail.stadt.example",
        2525,
        Smtp.model_fields["sender"].default,
        Smtp.model_fields["to"].default,
    )
