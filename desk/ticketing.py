"""Turning an escalation into a ticket.

Shared by the action server (outside service hours) and the web service (nobody claimed in time, or an
agent converts it).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from desk import attachments, escalations
from desk.escalations import DETAIL_LABELS, Escalation
from desk.tickets.base import TicketAttachment, TicketDraft, TicketError, TicketRef, TicketSink
from texts import section, text

logger = logging.getLogger(__name__)
SPEAKERS = section("ticket.speaker")  # tickets are read by the desk: in German


def draft_for(esc: Escalation, shots: tuple[TicketAttachment, ...] = ()) -> TicketDraft:
    """Title from the description (or the first summary line), body from the context card; ``shots`` go along."""
    title = esc.detail_text("description") or esc.summary[0].removeprefix(text("escalation.summary.wanted", text=""))
    details = {DETAIL_LABELS[k]: esc.detail_text(k) for k in DETAIL_LABELS if esc.detail_text(k)}
    details[text("ticket.reason")] = esc.reason
    details[text("ticket.language")] = esc.language
    transcript = tuple((SPEAKERS.get(str(t.get("role")), "?"), str(t.get("text", ""))) for t in esc.transcript)
    return TicketDraft(
        title=text("ticket.title", text=title)[:200],
        summary=esc.summary,
        details=details,
        transcript=transcript,
        customer=esc.user_pseudonym,
        language=esc.language,
        escalation_id=esc.id,
        contact=esc.detail_text("contact"),
        attachments=shots,
    )


def create_ticket(engine: Engine, sink: TicketSink, esc: Escalation) -> TicketRef | None:
    """Create the ticket and record its number; ``None`` (logged) when the sink failed: retried later."""
    shots = attachments.for_ticket(engine, esc.conversation_id, esc.messages_until)
    try:
        ref = sink.create(draft_for(esc, shots))
    except TicketError as exc:
        logger.error("ticket for escalation %s not created (%s): will retry", esc.id, exc)
        return None
    escalations.set_ticket(engine, esc.id, number=ref.number, sink=ref.sink)
    return ref
