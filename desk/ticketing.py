"""Turning an escalation into a ticket.

Shared by the action server (outside service hours) and the web service (nobody claimed in time, or an
agent converts it).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from desk import attachments, escalations, incident_chat
from desk.escalations import DETAIL_LABELS, Escalation
from desk.tickets.base import TicketAttachment, TicketDraft, TicketError, TicketRef, TicketSink
from texts import section, text

logger = logging.getLogger(__name__)
SPEAKERS = section("ticket.speaker")  # tickets are read by the desk: in German


def draft_for(
    esc: Escalation, shots: tuple[TicketAttachment, ...] = (), incident: dict[str, object] | None = None
) -> TicketDraft:
    """Title from the description (or the first summary line), body from the context card; ``shots`` go along.

    ``incident`` (:func:`desk.incident_chat.linked`): the major incident it was asked for under; the title and the
    details name it, so the desk sees the ticket belongs to the outage.
    """
    title = esc.detail_text("description") or esc.summary[0].removeprefix(text("escalation.summary.wanted", text=""))
    details = {DETAIL_LABELS[k]: esc.detail_text(k) for k in DETAIL_LABELS if esc.detail_text(k)}
    title = text("ticket.title", text=title)
    if incident is not None:
        title = text("ticket.incident_title", id=incident["id"], text=title)
        details[text("ticket.incident")] = text(
            "ticket.incident_value", id=incident["id"], title=incident["title"], others=incident["others"]
        )
    details[text("ticket.reason")] = esc.reason
    details[text("ticket.language")] = esc.language
    transcript = tuple((SPEAKERS.get(str(t.get("role")), "?"), str(t.get("text", ""))) for t in esc.transcript)
    return TicketDraft(
        title=title[:200],
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
    incident = incident_chat.linked(engine, esc.incident_id, esc.user_pseudonym)
    try:
        ref = sink.create(draft_for(esc, shots, incident))
    except TicketError as exc:
        logger.error("ticket for escalation %s not created (%s): will retry", esc.id, exc)
        return None
    escalations.set_ticket(engine, esc.id, number=ref.number, sink=ref.sink)
    return ref
