"""Deliver an incident's status update or resolution into every subscribed conversation, in one batch.

The messages are plain bot messages in ``messages``: every web process's change poller wakes the open widgets
of those conversations (WebSocket or long-poll), and the history shows them later. On resolution a conversation
also gets the closing question (path ``incident``), stored like the bot's own (``actions/csat.py``), once.
Runs inside the caller's transaction: the subscriptions' ``notified_revision`` moves with the messages, so a
retry or a second instance never posts twice.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from desk.db import conversations, escalations, incident_subscriptions, messages, now
from desk.escalations import ACTIVE
from desk.notify import MESSAGE, notify
from desk.ordering import lock_every_conversation
from texts import text as t

CSAT_FACES = ("😞", "😕", "😐", "😊", "😄")  # as in bot/domain/csat.yml
BATCH = 500
LOCAL = ZoneInfo("Europe/Berlin")


def csat_question(language: str) -> tuple[str, dict[str, Any]]:
    """The closing question as the bot stores it: the text, the five score buttons and the ``csat`` mark."""
    buttons = [
        {"title": f"{face} {t(f'csat.score.{n}', language)}", "payload": f'/csat{{"csat_score": "{n}"}}'}
        for n, face in enumerate(CSAT_FACES, start=1)
    ]
    return t("csat.question", language), {"buttons": buttons, "csat": True}


def message_text(
    kind: str, language: str, *, title: str, text: str, next_update_at: datetime | None, tz: tzinfo = LOCAL
) -> str:
    """The bot's words for a status update or the resolution."""
    if kind == "resolve":
        return t("incident.push.resolved", language, title=title, text=text)
    found = t("incident.push.update", language, title=title, text=text)
    if next_update_at is not None:
        found += " " + t("incident.push.next", language, time=next_update_at.astimezone(tz).strftime("%H:%M"))
    return found


def deliver(
    conn: Connection,
    incident_id: int,
    revision: int,
    *,
    kind: str,
    title: str,
    text: str,
    next_update_at: datetime | None,
    tz: tzinfo = LOCAL,
) -> int:
    """Post to every subscriber not yet at ``revision``; returns how many conversations got it."""
    lock_every_conversation(conn)  # thousands of conversations: one lock (desk/ordering.py)
    rows = conn.execute(
        select(
            incident_subscriptions.c.id,
            incident_subscriptions.c.conversation_id,
            conversations.c.language,
            conversations.c.csat_asked_at,
        )
        .select_from(
            incident_subscriptions.outerjoin(
                conversations, conversations.c.id == incident_subscriptions.c.conversation_id
            )
        )
        .where(
            incident_subscriptions.c.incident_id == incident_id,
            incident_subscriptions.c.notified_revision < revision,
        )
        .order_by(incident_subscriptions.c.id)
    ).all()
    rows = [r for r in rows if r.language is not None]  # the conversation was erased meanwhile
    if not rows:
        return 0
    ids = [r.conversation_id for r in rows]
    held = _held(conn, ids) if kind == "resolve" else set()
    ts = now()
    words = {
        lang: message_text(kind, lang, title=title, text=text, next_update_at=next_update_at, tz=tz)
        for lang in ("de", "en")
    }
    mark = {"incident": {"id": incident_id, "kind": kind}}
    items: list[dict[str, Any]] = []
    asked: list[str] = []
    for r in rows:
        lang = "en" if r.language == "en" else "de"
        items.append(_row(r.conversation_id, words[lang], mark, ts))
        # The closing question once, and not while an agent still has the conversation (they ask at the end).
        if kind == "resolve" and r.csat_asked_at is None and r.conversation_id not in held:
            question, data = csat_question(lang)
            items.append(_row(r.conversation_id, question, data, ts))
            asked.append(r.conversation_id)
    for start in range(0, len(items), BATCH):
        conn.execute(insert(messages), items[start : start + BATCH])
    for conversation_id in sorted({r.conversation_id for r in rows}):
        notify(conn, MESSAGE, conversation_id)
    for start in range(0, len(asked), BATCH):
        conn.execute(
            update(conversations)
            .where(conversations.c.id.in_(asked[start : start + BATCH]), conversations.c.csat_asked_at.is_(None))
            .values(csat_asked_at=ts, csat_path="incident")
        )
    subs = [r.id for r in rows]
    for start in range(0, len(subs), BATCH):
        conn.execute(
            update(incident_subscriptions)
            .where(incident_subscriptions.c.id.in_(subs[start : start + BATCH]))
            .values(notified_revision=revision)
        )
    return len(rows)


def _row(conversation_id: str, words: str, data: dict[str, Any], ts: datetime) -> dict[str, Any]:
    return {"conversation_id": conversation_id, "role": "bot", "text": words, "data": data, "created_at": ts}


def _held(conn: Connection, conversation_ids: list[str]) -> set[str]:
    """Those conversations an agent is handling right now (an escalation waiting or claimed)."""
    found: set[str] = set()
    for start in range(0, len(conversation_ids), BATCH):
        chunk = conversation_ids[start : start + BATCH]
        found |= set(
            conn.execute(
                select(escalations.c.conversation_id).where(
                    escalations.c.conversation_id.in_(chunk), escalations.c.status.in_(ACTIVE)
                )
            ).scalars()
        )
    return found
