"""A structured request from submission to ticket.

Checked against the catalogue, approved where it names an approver, then a ticket with the structured fields in
the ticket sink; the employee's conversation hears of each step.

Shared by the action server (the chat's forms submit) and the web service (the approval page decides).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import Engine

from desk import conversations
from desk.db import now
from desk.requests import approval, records
from desk.requests.catalogue import Catalogue, Kind, watched
from desk.requests.records import ServiceRequest
from desk.runtime import Desk
from desk.tickets.base import TicketDraft, TicketError, TicketField, TicketSink
from settings import Settings
from texts import text

logger = logging.getLogger(__name__)


class RequestError(ValueError):
    """A request the catalogue does not allow: ``code`` kind or fields, ``fields`` the ones missing or invalid."""

    def __init__(self, code: str, fields: tuple[str, ...] = ()) -> None:
        """``fields``: the names the chat asks again."""
        super().__init__(f"{code}: {', '.join(fields)}" if fields else code)
        self.code = code
        self.fields = fields


class Mailer(Protocol):
    """Where approval mails go (``approval.SmtpMailer``; tests pass a real SMTP server's address too)."""

    sender: str

    def send(self, msg: EmailMessage) -> None:
        """Deliver the message; raise ``OSError`` when it is not taken."""
        ...


@dataclass(frozen=True)
class RequestDesk:
    """The collaborators of a request's way: records, ticket sink, catalogue, mail and the link settings."""

    engine: Engine
    secret: bytes
    sink: TicketSink
    catalogue: Catalogue
    mailer: Mailer
    public_url: str
    approval_hours: int = 72


def for_settings(desk: Desk, settings: Settings) -> RequestDesk:
    """The request desk of an installation: its records and sink, the current catalogue, the SMTP relay."""
    smtp = settings.tickets.smtp
    return RequestDesk(
        engine=desk.engine,
        secret=desk.secret,
        sink=desk.sink,
        catalogue=watched(settings.requests.catalogue).get(),
        mailer=approval.SmtpMailer(smtp.host, smtp.port, smtp.sender, settings.servers.upstream_timeout_s),
        public_url=settings.servers.public_url,
        approval_hours=settings.requests.approval_hours,
    )


def submit(
    desk: RequestDesk,
    *,
    kind: str,
    values: dict[str, str],
    user: str,
    conversation_id: str | None,
    language: str,
    tell_now: bool = True,
) -> ServiceRequest:
    """Store a request; ask its approver by mail, or make its ticket at once when nobody must approve.

    ``tell_now=False``: the caller (the chat's action) says the outcome itself; later news (the decision) is
    still posted into ``conversation_id``.
    """
    spec = desk.catalogue.kind(kind)
    if spec is None:
        raise RequestError("kind")
    clean = {f.name: checked for f in spec.fields if (checked := spec.check(f.name, values.get(f.name))) is not None}
    wrong = tuple(f.name for f in spec.fields if f.name not in clean and (f.required or values.get(f.name)))
    if wrong:
        raise RequestError("fields", wrong)
    approver = spec.approver(clean)
    person = desk.catalogue.people.get(approver) if approver else None
    found = records.create(
        desk.engine,
        kind=spec.name,
        fields=clean,
        user=user,
        conversation_id=conversation_id,
        language=language,
        approver=approver,
    )
    if approver is None or person is None:
        return make_ticket(desk, spec, found, tell=tell_now)
    link = approval.issue(desk.secret, found.id, desk.approval_hours * 3600)
    records.await_approval(desk.engine, found.id, nonce_hash=link.nonce_hash, expires_at=link.expires_at)
    found = records.get(desk.engine, found.id) or found
    msg = approval.mail(
        kind=spec,
        request=found,
        person=person,
        link=approval.url(desk.public_url, link.token),
        sender=desk.mailer.sender,
        hours=desk.approval_hours,
    )
    try:
        desk.mailer.send(msg)
    except (OSError, ValueError) as exc:
        # The request stays waiting; the desk sees it in the records and can ask the approver itself.
        logger.error("approval mail for request %s not sent: %s", found.number, type(exc).__name__)
    if tell_now:
        _tell(desk.engine, found, "waiting", spec, approver=person.name)
    return found


def decide(desk: RequestDesk, *, token: str, identity: str, approved: bool) -> ServiceRequest:
    """The approver's decision from the approval page; :class:`approval.LinkRefused` for any other caller.

    ``identity`` is the intranet subject of the verified identity token: it must be the approver the catalogue
    named when the request was made. Approved requests get their ticket at once.
    """
    found, digest = approval.check(desk.engine, desk.secret, token)
    if not identity or identity != found.approver:
        raise approval.LinkRefused("approver", 403)
    if not records.decide(desk.engine, found.id, nonce_hash=digest, approved=approved):
        raise approval.LinkRefused("used", 410)
    spec = desk.catalogue.kind(found.kind)
    person = desk.catalogue.people.get(identity)
    name = person.name if person else identity
    decided = records.get(desk.engine, found.id) or found
    _tell(desk.engine, decided, "approved" if approved else "rejected", spec, approver=name)
    if approved and spec is not None:
        return make_ticket(desk, spec, decided, approved_by=name)
    return decided


def draft_for(spec: Kind, found: ServiceRequest, approved_by: str = "") -> TicketDraft:
    """The ticket of a request: its fields in German (the desk reads tickets in German), group and tags."""
    fields = tuple(
        TicketField(
            name=f.name,
            label=f.label.de,
            value=spec.shown(f.name, found.fields[f.name], "de"),
            attribute=f.ticket_field or "",
        )
        for f in spec.fields
        if found.fields.get(f.name)
    )
    summary = [text("request.ticket.summary", kind=spec.label("de"), number=found.number)]
    if approved_by:
        summary.append(text("request.ticket.approved_by", name=approved_by))
    return TicketDraft(
        title=text("request.ticket.title", number=found.number, kind=spec.label("de"))[:200],
        summary=tuple(summary),
        details={},
        transcript=(),
        customer=found.user,
        language=found.language,
        request_kind=spec.name,
        fields=fields,
        group=spec.spec.group,
        tags=spec.spec.tags,
    )


def make_ticket(
    desk: RequestDesk, spec: Kind, found: ServiceRequest, approved_by: str = "", *, tell: bool = True
) -> ServiceRequest:
    """Create the request's ticket and tell the conversation; when the sink fails the request keeps its status."""
    try:
        ref = desk.sink.create(draft_for(spec, found, approved_by))
    except TicketError as exc:
        logger.error("ticket for request %s not created (%s)", found.number, exc)
        if tell:
            _tell(desk.engine, found, "pending", spec)
        return found
    records.set_ticket(desk.engine, found.id, number=ref.number, sink=ref.sink)
    done = records.get(desk.engine, found.id) or found
    if tell:
        _tell(desk.engine, done, "ticket", spec, ticket=ref.number)
    return done


def retry_tickets(desk: RequestDesk, *, older_than_s: float = 60.0) -> int:
    """Tickets the sink refused before, tried again (the web service's sweeper); returns how many were made."""
    made = 0
    for found in records.without_ticket(desk.engine, now() - timedelta(seconds=older_than_s)):
        spec = desk.catalogue.kind(found.kind)
        if spec is None or not records.claim(desk.engine, found):
            continue  # no longer in the catalogue (the desk handles it by hand), or another instance has it
        person = desk.catalogue.people.get(found.approver or "")
        done = make_ticket(desk, spec, found, person.name if person and found.status == "approved" else "", tell=False)
        if done.ticket_number:
            _tell(desk.engine, done, "ticket", spec, ticket=done.ticket_number)
            made += 1
    return made


def outcome(desk: RequestDesk, found: ServiceRequest) -> str:
    """What the chat says right after submitting (the words of the news it would otherwise post)."""
    spec = desk.catalogue.kind(found.kind)
    kind = spec.label(found.language) if spec else found.kind
    values = {"number": found.number, "kind": kind}
    if found.status == "waiting_approval":
        person = desk.catalogue.people.get(found.approver or "")
        return text("request.push.waiting", found.language, approver=person.name if person else "", **values)
    if found.status == "ticket_created":
        return text("request.push.ticket", found.language, ticket=str(found.ticket_number), **values)
    return text("request.push.pending", found.language, **values)


def _tell(engine: Engine, found: ServiceRequest, event: str, spec: Kind | None, **values: str) -> None:
    """Post the news into the employee's conversation, stored like the bot's and agents' messages."""
    if not found.conversation_id or conversations.pseudonym_of(engine, found.conversation_id) is None:
        return  # no conversation (or erased meanwhile): the status is still answered on request
    kind = spec.label(found.language) if spec else found.kind
    words = text(f"request.push.{event}", found.language, number=found.number, kind=kind, **values)
    mark = {"request": {"number": found.number, "status": found.status}}
    conversations.add_message(engine, found.conversation_id, "bot", words, mark)
