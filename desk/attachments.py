"""Screenshots in the records: stored with the user message that carries them, read back by the staff console.

What arrives here is already clean: the pixels re-encoded by :mod:`web.chat.images` (no metadata) and the OCR
text redacted. The purge (:mod:`desk.retention`) deletes them with the messages; export and erase
(:mod:`desk.subject`) include them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from desk.db import attachments, new_id, now
from desk.tickets.base import TicketAttachment

MEDIA_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class NewAttachment:
    """A screenshot ready to be stored: the re-encoded image and what OCR read in it (redacted)."""

    media_type: str
    width: int
    height: int
    content: bytes
    ocr_text: str
    ocr_status: str


@dataclass(frozen=True)
class StoredAttachment:
    """One stored screenshot with its conversation (the console checks the escalation's conversation)."""

    id: int
    conversation_id: str
    media_type: str
    content: bytes
    created_at: datetime


def insert_in(conn: Connection, conversation_id: str, new: NewAttachment) -> int:
    """Store one screenshot inside the caller's transaction; returns its id."""
    if new.media_type not in MEDIA_TYPES:
        raise ValueError(f"unknown media type {new.media_type!r}")
    row = insert(attachments).values(
        conversation_id=conversation_id,
        media_type=new.media_type,
        width=new.width,
        height=new.height,
        content=new.content,
        ocr_text=new.ocr_text,
        ocr_status=new.ocr_status,
        created_at=now(),
    )
    return new_id(conn.execute(row))


def link_message_in(conn: Connection, attachment_id: int, message_id: int) -> None:
    """Name the user message that carries the screenshot."""
    conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(message_id=message_id))


def get(engine: Engine, attachment_id: int) -> StoredAttachment | None:
    """One screenshot, or ``None`` (never existed, purged or erased)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                attachments.c.id,
                attachments.c.conversation_id,
                attachments.c.media_type,
                attachments.c.content,
                attachments.c.created_at,
            ).where(attachments.c.id == attachment_id)
        ).first()
    if row is None:
        return None
    return StoredAttachment(row.id, row.conversation_id, row.media_type, bytes(row.content), row.created_at)


def ids_of(engine: Engine, conversation_id: str, until_message: int | None = None) -> list[int]:
    """The conversation's screenshots, oldest first (those sent up to message ``until_message``, if given)."""
    query = select(attachments.c.id).where(attachments.c.conversation_id == conversation_id)
    if until_message is not None:
        query = query.where(attachments.c.message_id <= until_message)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(attachments.c.id)).scalars())


def for_ticket(engine: Engine, conversation_id: str, until_message: int | None = None) -> tuple[TicketAttachment, ...]:
    """The conversation's screenshots as files for a ticket (``bildschirmfoto-<id>.png``)."""
    found = []
    for attachment_id in ids_of(engine, conversation_id, until_message):
        shot = get(engine, attachment_id)
        if shot is not None:
            suffix = "png" if shot.media_type == "image/png" else "jpg"
            found.append(TicketAttachment(f"bildschirmfoto-{shot.id}.{suffix}", shot.media_type, shot.content))
    return tuple(found)
