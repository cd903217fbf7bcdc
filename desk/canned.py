"""Canned replies: the team's text blocks for the console, maintained by leads and read by agents.

A block may hold the placeholders of :data:`PLACEHOLDERS`; :func:`fill` puts in the values for one escalation when
an agent inserts the block (the agent can still edit the text before sending it). Any other ``{word}`` is refused
when the block is saved, so a typo never reaches an employee as "{nmae}".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import aware, canned_replies, new_id, now

PLACEHOLDERS = ("name", "ticket", "agent")
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
MAX_BLOCKS = 500  # a team's list, not a document store


class DuplicateTitle(ValueError):
    """Another block already has this title."""


@dataclass(frozen=True)
class CannedReply:
    """One text block."""

    id: int
    title: str
    body: str
    updated_by: str
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """As the API returns it."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat(),
        }


def unknown_placeholders(body: str) -> list[str]:
    """The ``{word}``s in ``body`` that :func:`fill` would not fill, in order of appearance."""
    found = [m.group(1) for m in _PLACEHOLDER.finditer(body)]
    return list(dict.fromkeys(p for p in found if p not in PLACEHOLDERS))


def fill(body: str, *, name: str | None, ticket: str, agent: str) -> str:
    """The block for one escalation. Without a name, ``{name}`` leaves a neutral salutation ("Guten Tag,")."""
    text = body.replace("{ticket}", ticket).replace("{agent}", agent)
    if name:
        return text.replace("{name}", name)
    text = re.sub(r"[ \t]?\{name\}", "", text)  # "Guten Tag {name}," -> "Guten Tag,"
    return re.sub(r"(?m)^[ \t]*[,;:][ \t]*", "", text)  # "{name}, bitte ..." at a line start -> "bitte ..."


def _record(row: Any) -> CannedReply:
    return CannedReply(
        id=row.id,
        title=row.title,
        body=row.body,
        updated_by=row.updated_by,
        updated_at=aware(row.updated_at),  # type: ignore[arg-type]
    )


def list_all(engine: Engine) -> list[CannedReply]:
    """Every block, by title."""
    with engine.connect() as conn:
        rows = conn.execute(select(canned_replies).order_by(canned_replies.c.title).limit(MAX_BLOCKS)).all()
    return [_record(r) for r in rows]


def get(engine: Engine, reply_id: int) -> CannedReply | None:
    """One block by id."""
    with engine.connect() as conn:
        row = conn.execute(select(canned_replies).where(canned_replies.c.id == reply_id)).first()
    return _record(row) if row else None


def _title_taken(engine: Engine, title: str, other_than: int | None = None) -> bool:
    """Titles are unique regardless of case ("VPN" and "vpn" would confuse the search)."""
    with engine.connect() as conn:
        rows = conn.execute(select(canned_replies.c.id, canned_replies.c.title)).all()
    return any(r.title.casefold() == title.casefold() and r.id != other_than for r in rows)


def create(engine: Engine, *, title: str, body: str, actor: str) -> CannedReply:
    """A new block; :class:`DuplicateTitle` when the title is taken."""
    if _title_taken(engine, title):
        raise DuplicateTitle(title)
    ts = now()
    try:
        with engine.begin() as conn:
            rid = new_id(
                conn.execute(
                    insert(canned_replies).values(
                        title=title, body=body, updated_by=actor, created_at=ts, updated_at=ts
                    )
                )
            )
    except IntegrityError:
        raise DuplicateTitle(title) from None
    found = get(engine, rid)
    assert found is not None
    return found


def change(engine: Engine, reply_id: int, *, title: str, body: str, actor: str) -> CannedReply | None:
    """Replace title and text; ``None`` when there is no such block."""
    if _title_taken(engine, title, other_than=reply_id):
        raise DuplicateTitle(title)
    try:
        with engine.begin() as conn:
            result = conn.execute(
                update(canned_replies)
                .where(canned_replies.c.id == reply_id)
                .values(title=title, body=body, updated_by=actor, updated_at=now())
            )
    except IntegrityError:
        raise DuplicateTitle(title) from None
    return get(engine, reply_id) if result.rowcount == 1 else None


def remove(engine: Engine, reply_id: int) -> bool:
    """Delete a block; ``False`` when there was none."""
    with engine.begin() as conn:
        return conn.execute(delete(canned_replies).where(canned_replies.c.id == reply_id)).rowcount == 1
