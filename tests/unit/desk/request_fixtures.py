"""What the request tests share: the shipped catalogue, a records desk with a real SMTP server, mail reading."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from desk import conversations
from desk.requests import approval
from desk.requests.catalogue import Catalogue, load
from desk.requests.flow import RequestDesk
from desk.tickets.base import TicketSink
from desk.tickets.sql import SqlTicketSink
from scripts.stack import free_port
from settings import ROOT
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body

SECRET = b"request-test-secret-0123456789abcdef"
SENDER = "servicedesk-bot@stadt.example"
PUBLIC = "https://servicedesk.stadt.example"
USER = "u-requests-1"
CONVERSATION = "conv-requests-1"
FOLDER = {"share": "Stadtkasse (S:\\Stadtkasse)", "access": "lesen", "reason": "Kassenabschluss prüfen"}
SOFTWARE = {"software": "gimp", "reason": "Bilder für das Amtsblatt zuschneiden"}


def shipped() -> Catalogue:
    """The catalogue in settings/requests.yml."""
    return load(ROOT / "settings" / "requests.yml")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def make_desk(engine: Engine, inbox: Inbox, sink: TicketSink | None = None) -> RequestDesk:
    """A request desk on ``engine`` whose approval mails go to ``inbox``; one employee's conversation exists."""
    conversations.ensure_conversation(engine, CONVERSATION, USER, "de")
    mailer = approval.SmtpMailer("127.0.0.1", inbox.port, SENDER, timeout=5)
    return RequestDesk(engine, SECRET, sink or SqlTicketSink(engine), shipped(), mailer, PUBLIC, approval_hours=72)


def link_token(msg: Message) -> str:
    """The approval link's token from a received mail."""
    found = re.search(re.escape(PUBLIC + approval.PATH) + r"\?t=([A-Za-z0-9_.-]+)", plain_body(msg))
    assert found, "no approval link in the mail"
    return found.group(1)


def chat_texts(engine: Engine, conversation_id: str = CONVERSATION) -> list[str]:
    """What the employee's conversation shows, in order."""
    return [m["text"] for m in conversations.messages_after(engine, conversation_id, 0)]
