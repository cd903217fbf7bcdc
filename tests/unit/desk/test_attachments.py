"""Screenshots in the records go with the escalation's ticket: those sent up to the end of the handoff."""

from __future__ import annotations

from desk import attachments, conversations, escalations
from desk.ticketing import create_ticket
from desk.tickets.base import TicketDraft, TicketRef


class RecordingSink:
    """A TicketSink that keeps the drafts it was given."""

    name = "sql"

    def __init__(self) -> None:
        self.drafts: list[TicketDraft] = []

    def create(self, draft: TicketDraft) -> TicketRef:
        self.drafts.append(draft)
        return TicketRef(number=f"SD-T-{len(self.drafts)}", sink=self.name)

    def status(self, number: str) -> None:
        return None


def screenshot(desk, conversation: str, content: bytes, media_type: str = "image/png") -> int:  # noqa: ANN001
    """A stored screenshot with the user message that carries it; returns the message id."""
    with desk.engine.begin() as conn:
        shot = attachments.NewAttachment(media_type, 2, 2, content, "Fehler 809", "read")
        attachment_id = attachments.insert_in(conn, conversation, shot)
        (message_id,) = conversations.insert_messages(conn, conversation, [("user", "📎", {})])
        attachments.link_message_in(conn, attachment_id, message_id)
    return message_id


def test_the_ticket_gets_the_screenshots_of_its_handoff_window(desk) -> None:  # noqa: ANN001
    conversation = conversations.start(desk.engine, "p1")
    screenshot(desk, conversation, b"first")
    screenshot(desk, conversation, b"second", "image/jpeg")
    other = conversations.start(desk.engine, "p2")
    screenshot(desk, other, b"someone else's")
    esc = escalations.create(
        desk.engine, conversation_id=conversation, user_pseudonym="p1", language="de", reason="no_answer",
        details={"description": "VPN"}, intents=[], articles=[], transcript=[], status="ticket",
    )  # fmt: skip
    screenshot(desk, conversation, b"after the escalation ended")
    sink = RecordingSink()
    assert create_ticket(desk.engine, sink, escalations.get(desk.engine, esc.id)) is not None
    [draft] = sink.drafts
    assert [(a.filename.split("-")[0], a.media_type, a.content) for a in draft.attachments] == [
        ("bildschirmfoto", "image/png", b"first"),
        ("bildschirmfoto", "image/jpeg", b"second"),
    ]
    assert draft.attachments[1].filename.endswith(".jpg") and "Bildschirmfotos: " in draft.body()
