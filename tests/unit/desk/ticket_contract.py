"""The contract every TicketSink passes (haystack's shared test class pattern) and what its tests share."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, insert, select

from desk.db import now, tickets
from desk.tickets.base import STATES, TicketDraft, TicketRef, TicketSink

TOKEN = "zt-3f9c1a77b2e84d0c9e51-secret"
GROUP = "Service Desk"
CUSTOMER_EMAIL = "servicedesk-bot@stadt.example"
SENDER = "servicedesk-bot@stadt.example"
RECIPIENT = "servicedesk@stadt.example"

# What the far side received for a ticket: (title, body).
Received = Callable[[TicketRef], tuple[str, str]]


def make_draft(title: str = "Drucker im 2. OG druckt nicht", **changes: Any) -> TicketDraft:
    values: dict[str, Any] = {
        "title": title,
        "summary": ("Drucker HP-2OG-03 meldet Papierstau.", "Neustart hat nicht geholfen."),
        "details": {"Standort": "Rathaus, Raum 2.14", "Gerät": "HP-2OG-03"},
        "transcript": (("Nutzer", "Mein Drucker druckt nicht."), ("Assistent", "Haben Sie ihn neu gestartet?")),
        "customer": "u-7f3a91",
        "escalation_id": 12,
    }
    values.update(changes)
    return TicketDraft(**values)


GERMAN = make_draft(
    "Anmeldung schlägt fehl – Umlaute äöüß ÄÖÜ <script>alert('x')</script>",
    summary=("„Passwort abgelaufen“ erscheint <b>immer</b> & sofort.", "Größe der Störung: 1 Büro"),
    transcript=(("Nutzer", "Ich komme nicht in die E-Akte <img src=x onerror=alert(1)>"),),
)


def register_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())


def full_text(exc: BaseException) -> str:
    """Message, type and chained causes, as a log line with a traceback would show them."""
    return "".join(traceback.format_exception(exc))


class TicketSinkContract:
    """Every sink passes these; subclasses provide ``sink`` and ``received`` fixtures."""

    sink_name: str
    initial_state: str

    def test_create_returns_number_and_sink_name(self, sink: TicketSink) -> None:
        ref = sink.create(make_draft())
        assert ref.number and ref.number == ref.number.strip()
        assert ref.sink == sink.name == self.sink_name

    def test_status_of_created_ticket(self, sink: TicketSink) -> None:
        ref = sink.create(make_draft())
        status = sink.status(ref.number)
        assert status is not None
        assert status.number == ref.number
        assert status.title == "Drucker im 2. OG druckt nicht"
        assert status.state == self.initial_state
        assert status.state in STATES

    def test_status_of_unknown_number_is_none(self, sink: TicketSink, engine: Engine) -> None:
        sink.create(make_draft())
        assert sink.status("SD-1999-999999") is None
        # A number another sink registered is not this sink's to answer for.
        with engine.begin() as conn:
            ts = now()
            conn.execute(
                insert(tickets).values(
                    number="X-1",
                    sink="other",
                    title="t",
                    body="b",
                    status="open",
                    customer="c",
                    created_at=ts,
                    updated_at=ts,
                )
            )
        assert sink.status("X-1") is None

    def test_two_creates_give_different_numbers(self, sink: TicketSink) -> None:
        first, second = sink.create(make_draft()), sink.create(make_draft())
        assert first.number != second.number
        assert sink.status(first.number) is not None and sink.status(second.number) is not None

    def test_german_text_and_markup_survive(self, sink: TicketSink, received: Received) -> None:
        ref = sink.create(GERMAN)
        status = sink.status(ref.number)
        assert status is not None and status.title == GERMAN.title
        title, body = received(ref)
        assert title == GERMAN.title
        assert body == GERMAN.body()
