"""Conversations and the messages the employee sees, in the records database.

The web service writes every user, bot, agent and system message here before it is shown, so a page
reload, a second tab, another instance or a restarted process all see the same conversation.
"""

from __future__ import annotations

import secrets
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import aware, conversations, messages, new_id, now
from desk.notify import MESSAGE, notify
from desk.ordering import lock_conversation
from knowledge.redaction import redact

ROLES = ("user", "bot", "agent", "system")
# What the employee types is stored redacted (knowledge/redaction.py). The bot's and the system's texts come from
# the articles and the catalogue, and an agent writes in the service desk's role (its hotline, its mailbox, the
# steps to take): those stay as written, so the employee can read and use them, and go with the conversation.
REDACTED_ROLES = ("user",)


class MessageRow(TypedDict):
    """One message as the chat and the console render it."""

    id: int
    role: str
    text: str
    data: dict[str, Any]
    created_at: str


def ensure_conversation(engine: Engine, conversation_id: str, user_pseudonym: str, language: str = "de") -> None:
    """Create the conversation row on first contact (idempotent, safe across instances)."""
    with engine.begin() as conn:
        exists = conn.execute(select(conversations.c.id).where(conversations.c.id == conversation_id)).first()
        if exists:
            conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(updated_at=now()))
            return
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(conversations).values(
                    id=conversation_id,
                    user_pseudonym=user_pseudonym,
                    language=language,
                    created_at=now(),
                    updated_at=now(),
                )
            )
    except IntegrityError:
        pass  # another instance created it a moment ago


def pseudonym_of(engine: Engine, conversation_id: str) -> str | None:
    """The pseudonymous user behind a conversation, if the web service has seen it."""
    with engine.connect() as conn:
        return conn.execute(
            select(conversations.c.user_pseudonym).where(conversations.c.id == conversation_id)
        ).scalar()


def add_messages(engine: Engine, conversation_id: str, items: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Append (role, text, data) messages in one transaction; returns their ids in order."""
    with engine.begin() as conn:
        return insert_messages(conn, conversation_id, items)


def insert_messages(conn: Connection, conversation_id: str, items: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Append messages inside the caller's transaction (holding the conversation's lock: desk/ordering.py)."""
    lock_conversation(conn, conversation_id)
    ids = []
    for role, text, data in items:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        stored = redact(text) if role in REDACTED_ROLES else text
        row = insert(messages).values(
            conversation_id=conversation_id, role=role, text=stored, data=data, created_at=now()
        )
        ids.append(new_id(conn.execute(row)))
    if ids:
        notify(conn, MESSAGE, conversation_id)
    return ids


def add_message(engine: Engine, conversation_id: str, role: str, text: str, data: dict[str, Any] | None = None) -> int:
    """Append one message; returns its id."""
    return add_messages(engine, conversation_id, [(role, text, data or {})])[0]


def messages_after(
    engine: Engine, conversation_id: str, after: int = 0, limit: int = 500, until: int | None = None
) -> list[MessageRow]:
    """Messages with ``after`` < id (≤ ``until``), oldest first."""
    with engine.connect() as conn:
        return rows_after(conn, conversation_id, after, limit, until)


def rows_after(
    conn: Connection, conversation_id: str, after: int = 0, limit: int = 500, until: int | None = None
) -> list[MessageRow]:
    """:func:`messages_after` inside the caller's transaction."""
    where = [messages.c.conversation_id == conversation_id, messages.c.id > after]
    if until is not None:
        where.append(messages.c.id <= until)
    rows = conn.execute(select(messages).where(*where).order_by(messages.c.id).limit(limit)).all()
    return [
        MessageRow(
            id=r.id,
            role=r.role,
            text=r.text,
            data=dict(r.data or {}),
            created_at=aware(r.created_at).isoformat(),  # type: ignore[union-attr]
        )
        for r in rows
    ]


def latest_message_id(engine: Engine) -> int:
    """Highest message id overall: instances poll it to wake waiting clients."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(messages.c.id), 0))).scalar_one())


def conversations_with_messages_after(engine: Engine, after: int, limit: int = 10_000) -> tuple[int, set[str]]:
    """The highest message id after ``after`` and the conversations those messages belong to.

    The change poller of every web process calls it to wake only the clients of those conversations.
    More than ``limit`` new messages between two polls: the highest id read so far (the rest next poll).
    """
    with engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.id, messages.c.conversation_id)
            .where(messages.c.id > after)
            .order_by(messages.c.id)
            .limit(limit)
        ).all()
    if not rows:
        return after, set()
    return int(rows[-1][0]), {str(r[1]) for r in rows}


def current(engine: Engine, user_pseudonym: str) -> str | None:
    """The user's open conversation (the newest one not ended), if any."""
    with engine.connect() as conn:
        return current_in(conn, user_pseudonym)


def current_in(conn: Connection, user_pseudonym: str) -> str | None:
    """:func:`current` inside the caller's transaction."""
    return conn.execute(
        select(conversations.c.id)
        .where(conversations.c.user_pseudonym == user_pseudonym, conversations.c.ended_at.is_(None))
        .order_by(conversations.c.created_at.desc(), conversations.c.id.desc())
        .limit(1)
    ).scalar()


def start_in(conn: Connection, user_pseudonym: str, language: str = "de", *, signed_in: bool = False) -> str:
    """A new conversation inside the caller's transaction (random id: also the Rasa sender id).

    ``signed_in``: the employee came with the intranet's identity (the weekly report can see their return).
    """
    conversation_id = secrets.token_hex(16)
    ts = now()
    conn.execute(
        insert(conversations).values(
            id=conversation_id,
            user_pseudonym=user_pseudonym,
            language=language,
            created_at=ts,
            updated_at=ts,
            signed_in=signed_in,
        )
    )
    return conversation_id


def csat_asked_in(conn: Connection, conversation_id: str) -> bool:
    """Whether the closing question was asked in this conversation."""
    asked = conn.execute(select(conversations.c.csat_asked_at).where(conversations.c.id == conversation_id)).scalar()
    return asked is not None


def start(engine: Engine, user_pseudonym: str, language: str = "de") -> str:
    """A new conversation with a random id (it is also the Rasa sender id; clients never see it)."""
    conversation_id = secrets.token_hex(16)
    ensure_conversation(engine, conversation_id, user_pseudonym, language)
    return conversation_id


def end(engine: Engine, conversation_id: str) -> None:
    """End a conversation ("Neues Gespräch"): the next message starts a fresh one."""
    with engine.begin() as conn:
        conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(ended_at=now()))


def state(engine: Engine, conversation_id: str) -> dict[str, Any]:
    """Last activity, whether the employee wrote anything, and whether the closing question was asked."""
    with engine.connect() as conn:
        last = conn.execute(
            select(func.max(messages.c.created_at)).where(messages.c.conversation_id == conversation_id)
        ).scalar()
        wrote = conn.execute(
            select(func.count())
            .select_from(messages)
            .where(messages.c.conversation_id == conversation_id, messages.c.role == "user")
        ).scalar_one()
        asked = conn.execute(
            select(conversations.c.csat_asked_at).where(conversations.c.id == conversation_id)
        ).scalar()
    return {"last_activity": aware(last), "user_messages": int(wrote), "csat_asked": asked is not None}
