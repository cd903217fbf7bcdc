"""The ``TicketSink`` boundary and its records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

STATES = ("open", "in_progress", "closed", "forwarded")


class TicketError(RuntimeError):
    """The ticket system did not accept or answer the request (the escalation stays and is retried)."""


@dataclass(frozen=True)
class TicketAttachment:
    """A file that goes with the ticket: a screenshot the employee attached (re-encoded, no metadata)."""

    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class TicketField:
    """One structured field of a request's ticket: ``attribute`` names the ticket system's own field, if any."""

    name: str
    label: str
    value: str  # as the desk reads it (an entry's label, a German date)
    attribute: str = ""  # a custom ticket attribute (Zammad object manager) that receives ``value``


@dataclass(frozen=True)
class TicketDraft:
    """What a ticket is created from: the escalation's summary, details and transcript."""

    title: str
    summary: tuple[str, ...]
    details: dict[str, str]
    transcript: tuple[tuple[str, str], ...]  # (speaker, text)
    customer: str  # the pseudonymous user id, or the contact the employee gave
    language: str = "de"
    escalation_id: int | None = None
    contact: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    attachments: tuple[TicketAttachment, ...] = ()
    # A structured request (issue 19): its catalogue kind, fields, group (empty: the sink's) and tags.
    request_kind: str = ""
    fields: tuple[TicketField, ...] = ()
    group: str = ""
    tags: tuple[str, ...] = ()

    def field_values(self) -> dict[str, dict[str, str]]:
        """The structured fields as stored with the ticket: ``{name: {"label": ..., "value": ...}}``."""
        return {f.name: {"label": f.label, "value": f.value} for f in self.fields}

    def body(self) -> str:
        """Plain-text first article: summary, the request's fields, details, then the transcript."""
        lines = ["Zusammenfassung:", *self.summary, ""]
        if self.fields:
            width = max(len(f.label) for f in self.fields)
            lines += ["Antrag:", *(f"  {f.label + ':':<{width + 1}} {f.value}" for f in self.fields), ""]
        if self.details:
            lines += ["Angaben:", *(f"- {k}: {v}" for k, v in self.details.items()), ""]
        if self.transcript:
            lines += ["Gesprächsverlauf:", *(f"{who}: {text}" for who, text in self.transcript)]
        if self.attachments:
            lines += ["", "Bildschirmfotos: " + ", ".join(a.filename for a in self.attachments)]
        return "\n".join(lines)


@dataclass(frozen=True)
class TicketRef:
    """A created ticket: the number the employee is told, and the sink's own id."""

    number: str
    sink: str
    external_id: str = ""


@dataclass(frozen=True)
class TicketStatus:
    """What the chat says about a ticket."""

    number: str
    state: str  # one of STATES, or the ticket system's own state name
    title: str
    updated_at: datetime | None = None


class TicketSink(Protocol):
    """Where tickets go. Implementations: ``sql`` (built-in), ``zammad``, ``email``."""

    name: str

    def create(self, draft: TicketDraft) -> TicketRef:
        """Create the ticket; raise :class:`TicketError` when the system refuses or is unreachable."""
        ...

    def status(self, number: str) -> TicketStatus | None:
        """The ticket's state, or ``None`` for a number this sink does not know."""
        ...
