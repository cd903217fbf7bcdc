"""Data-subject requests (DSGVO Art. 15 and 17): export and erase everything linked to one pseudonymous user.

The person is named by the intranet user id (pseudonymised with the installation secret exactly as the chat
does it) or by a conversation id an agent saw in the console. Linked to them: their conversations and messages
(with attached screenshots), escalations with the agents' internal notes on them, the local ticket register's rows
of those escalations (the built-in store's tickets are the rows themselves; a ticket in Zammad or sent by e-mail must
be handled there too, the export lists its number), structured requests (issue 19) with their tickets, CSAT
ratings, knowledge-gap questions (found by their keyed hash of conversation and question) and Rasa's tracker
events (sender id = conversation id). Chat sessions are signed tokens kept only in the browser: nothing stored.

Each request leaves one row in ``subject_requests``: who, when, which kind, how many records; never the pseudonym,
a conversation id or any content.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from desk import incident_records, notes, rasa_tracker
from desk.db import (
    attachments,
    aware,
    conversations,
    csat_ratings,
    escalations,
    knowledge_gaps,
    messages,
    now,
    service_requests,
    subject_requests,
    tickets,
    unlock_audit,
    unlock_challenges,
)
from desk.gaps import dedupe_key
from desk.identity import employee, pseudonym

KINDS = ("export", "erase")
GIVEN = ("user_id", "conversation")
FORMAT = "servicedesk-subject-export/1"
ERASED = "erased"  # what an erased conversation's unlock audit rows name instead of it
COUNTED = (
    "conversations",
    "messages",
    "attachments",
    "escalations",
    "escalation_notes",
    "tickets",
    "csat_ratings",
    "knowledge_gaps",
    "tracker_events",
    "service_requests",
)


class SubjectError(LookupError):
    """Nothing is known under the given conversation id (a user id always names someone, maybe with no data)."""


@dataclass(frozen=True)
class Subject:
    """One pseudonymous user, plus conversations only Rasa knows (their pseudonym is derived from the id)."""

    pseudonym: str
    given: str
    rasa_only: tuple[str, ...] = ()


def by_user_id(secret: bytes, user_id: str) -> Subject:
    """The signed-in employee with this intranet id (the JWT's ``sub``), pseudonymised as the chat does it."""
    sub = user_id.strip()
    if not sub:
        raise ValueError("empty user id")
    return Subject(pseudonym=employee(secret, sub).user(secret), given="user_id")


def by_conversation(engine: Engine, tracker: Any, secret: bytes, conversation_id: str) -> Subject:
    """The user behind a conversation id shown in the console; :class:`SubjectError` when nobody is known."""
    cid = conversation_id.strip()
    with engine.connect() as conn:
        found = conn.execute(select(conversations.c.user_pseudonym).where(conversations.c.id == cid)).scalar()
        if found is None:
            found = conn.execute(
                select(escalations.c.user_pseudonym).where(escalations.c.conversation_id == cid).limit(1)
            ).scalar()
    if found is not None:
        return Subject(pseudonym=str(found), given="conversation")
    if cid and rasa_tracker.export_events(tracker, [cid]):
        # A conversation through Rasa's webhook alone: the actions name its user like this (actions/handoff.py).
        return Subject(pseudonym=pseudonym(secret, f"rasa:{cid}"), given="conversation", rasa_only=(cid,))
    raise SubjectError("no conversation with this id")


@dataclass
class Linked:
    """The rows that belong to one subject."""

    conversation_ids: list[str] = field(default_factory=list)
    escalation_ids: list[int] = field(default_factory=list)
    note_count: int = 0
    ticket_ids: list[int] = field(default_factory=list)
    gap_ids: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)


def _questions(conn: Connection, cids: list[str], events: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every (conversation, text) that may have been stored as a gap: typed messages and the asked question."""
    found = {
        (r.conversation_id, r.text)
        for r in conn.execute(
            select(messages.c.conversation_id, messages.c.text).where(
                messages.c.conversation_id.in_(cids), messages.c.role == "user"
            )
        )
    }
    for e in events:
        data = e["data"] if isinstance(e["data"], dict) else {}
        if e["type_name"] == "user" and isinstance(data.get("text"), str):
            found.add((e["sender_id"], data["text"]))
        if e["type_name"] == "slot" and data.get("name") == "kb_query" and isinstance(data.get("value"), str):
            found.add((e["sender_id"], data["value"]))
    return found


def linked(engine: Engine, tracker: Any, secret: bytes, subject: Subject) -> Linked:
    """Find the subject's conversations, escalations, tickets, gap questions and tracker events."""
    with engine.connect() as conn:
        cids = {
            *conn.execute(
                select(conversations.c.id).where(conversations.c.user_pseudonym == subject.pseudonym)
            ).scalars(),
            *conn.execute(
                select(escalations.c.conversation_id).where(escalations.c.user_pseudonym == subject.pseudonym)
            ).scalars(),
            *subject.rasa_only,
        }
        out = Linked(conversation_ids=sorted(cids))
        out.escalation_ids = sorted(
            conn.execute(
                select(escalations.c.id).where(
                    or_(escalations.c.user_pseudonym == subject.pseudonym, escalations.c.conversation_id.in_(cids))
                )
            ).scalars()
        )
        out.note_count = len(notes.rows_for(conn, out.escalation_ids))
        out.ticket_ids = sorted(
            conn.execute(
                select(tickets.c.id).where(
                    or_(tickets.c.escalation_id.in_(out.escalation_ids), tickets.c.customer == subject.pseudonym)
                )
            ).scalars()
        )
        out.request_ids = sorted(
            conn.execute(
                select(service_requests.c.id).where(
                    or_(
                        service_requests.c.user_pseudonym == subject.pseudonym,
                        service_requests.c.conversation_id.in_(cids),
                    )
                )
            ).scalars()
        )
        out.events = rasa_tracker.export_events(tracker, out.conversation_ids)
        keys = [dedupe_key(secret, cid, q) for cid, q in _questions(conn, out.conversation_ids, out.events)]
        for start in range(0, len(keys), 500):
            out.gap_ids += conn.execute(
                select(knowledge_gaps.c.id).where(knowledge_gaps.c.dedupe.in_(keys[start : start + 500]))
            ).scalars()
        out.gap_ids.sort()
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (aware(value) or value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None  # an embedding, not something the person wrote
    return value


def _rows(conn: Connection, table: Any, where: Any, order: Any) -> list[dict[str, Any]]:
    rows = conn.execute(select(table).where(where).order_by(order))
    return [{k: _plain(v) for k, v in r._mapping.items()} for r in rows]


def export(engine: Engine, tracker: Any, secret: bytes, subject: Subject) -> dict[str, Any]:
    """Everything linked to the subject as one JSON-ready document."""
    found = linked(engine, tracker, secret, subject)
    cids = found.conversation_ids
    with engine.connect() as conn:
        convs = _rows(conn, conversations, conversations.c.id.in_(cids), conversations.c.created_at)
        msgs = _rows(conn, messages, messages.c.conversation_id.in_(cids), messages.c.id)
        shots = _screenshots(conn, cids)
        subs = incident_records.subscriptions_of(conn, cids)
        ratings = _rows(conn, csat_ratings, csat_ratings.c.conversation_id.in_(cids), csat_ratings.c.id)
        escs = _rows(conn, escalations, escalations.c.id.in_(found.escalation_ids), escalations.c.id)
        note_rows = notes.rows_for(conn, found.escalation_ids)
        ticket_rows = _rows(conn, tickets, tickets.c.id.in_(found.ticket_ids), tickets.c.id)
        gap_rows = _rows(conn, knowledge_gaps, knowledge_gaps.c.id.in_(found.gap_ids), knowledge_gaps.c.id)
        unlocks = _rows(conn, unlock_audit, unlock_audit.c.conversation_id.in_(cids), unlock_audit.c.id)
        request_rows = _rows(
            conn, service_requests, service_requests.c.id.in_(found.request_ids), service_requests.c.id
        )
    for row in request_rows:
        row.pop("approval_nonce", None)  # a check value of the link, not the person's data
    known = {c["id"] for c in convs}
    convs += [{"id": cid, "known_to": "rasa"} for cid in cids if cid not in known]  # Rasa-only conversations
    for conv in convs:
        conv["messages"] = [m for m in msgs if m["conversation_id"] == conv["id"]]
        conv["attachments"] = [a for a in shots if a["conversation_id"] == conv["id"]]
        conv["csat"] = next((r for r in ratings if r["conversation_id"] == conv["id"]), None)
        conv["tracker_events"] = [e for e in found.events if e["sender_id"] == conv["id"]]
        conv["incident_subscriptions"] = [s for s in subs if s["conversation_id"] == conv["id"]]
        conv["unlock_audit"] = [u for u in unlocks if u["conversation_id"] == conv["id"]]
    for esc in escs:  # the agents' internal notes, with the escalation they are about
        esc["notes"] = [n for n in note_rows if n["escalation_id"] == esc["id"]]
    for gap in gap_rows:
        gap.pop("vector", None)
        gap.pop("dedupe", None)
    return {
        "format": FORMAT,
        "exported_at": now().isoformat(),
        "pseudonym": subject.pseudonym,
        "counts": counts(found, len(msgs), len(ratings), len(shots)),
        "conversations": convs,
        "escalations": escs,
        "tickets": ticket_rows,
        "knowledge_gaps": gap_rows,
        "service_requests": request_rows,
        "external_tickets": [{"number": t["number"], "sink": t["sink"]} for t in ticket_rows if t["sink"] != "sql"],
    }


def _screenshots(conn: Connection, cids: list[str]) -> list[dict[str, Any]]:
    """The conversations' screenshots, the image as base64 (it is what the person sent, re-encoded)."""
    rows = conn.execute(select(attachments).where(attachments.c.conversation_id.in_(cids)).order_by(attachments.c.id))
    found = []
    for r in rows:
        item = {k: _plain(v) for k, v in r._mapping.items() if k != "content"}
        item["content_base64"] = base64.b64encode(bytes(r.content)).decode("ascii")
        found.append(item)
    return found


def counts(found: Linked, message_count: int, rating_count: int, attachment_count: int = 0) -> dict[str, int]:
    """How many records of each kind (the audit keeps only these)."""
    return {
        "conversations": len(found.conversation_ids),
        "messages": message_count,
        "attachments": attachment_count,
        "escalations": len(found.escalation_ids),
        "escalation_notes": found.note_count,
        "tickets": len(found.ticket_ids),
        "csat_ratings": rating_count,
        "knowledge_gaps": len(found.gap_ids),
        "tracker_events": len(found.events),
        "service_requests": len(found.request_ids),
    }


def _delete(conn: Connection, table: Any, column: Any, values: Iterable[Any]) -> int:
    items, removed = list(values), 0
    for start in range(0, len(items), 500):
        removed += int(conn.execute(delete(table).where(column.in_(items[start : start + 500]))).rowcount)
    return removed


def erase(engine: Engine, tracker: Any, secret: bytes, subject: Subject) -> dict[str, int]:
    """Delete everything linked to the subject; returns how many records of each kind went.

    Rasa's events go first: if that fails (Rasa's database locked for longer than the timeout), the records
    still name the conversations and the request can simply be repeated.
    """
    found = linked(engine, tracker, secret, subject)
    cids = found.conversation_ids
    events = rasa_tracker.delete_events(tracker, cids)
    with engine.begin() as conn:
        removed_messages = _delete(conn, messages, messages.c.conversation_id, cids)
        shots = _delete(conn, attachments, attachments.c.conversation_id, cids)
        ratings = _delete(conn, csat_ratings, csat_ratings.c.conversation_id, cids)
        incident_records.delete_subscriptions(conn, cids)
        _delete(conn, unlock_challenges, unlock_challenges.c.conversation_id, cids)
        # The unlock audit is a security record (which account was unlocked when): it stays, unlinked from the person.
        for start in range(0, len(cids), 500):
            conn.execute(
                update(unlock_audit)
                .where(unlock_audit.c.conversation_id.in_(cids[start : start + 500]))
                .values(conversation_id=ERASED, user_pseudonym=None)
            )
        _delete(conn, tickets, tickets.c.id, found.ticket_ids)
        found.note_count = notes.delete_for(conn, found.escalation_ids)
        _delete(conn, escalations, escalations.c.id, found.escalation_ids)
        _delete(conn, knowledge_gaps, knowledge_gaps.c.id, found.gap_ids)
        _delete(conn, service_requests, service_requests.c.id, found.request_ids)
        _delete(conn, conversations, conversations.c.id, cids)
    result = counts(found, removed_messages, ratings, shots)
    result["tracker_events"] = events
    return result


def log_request(engine: Engine, *, actor: str, kind: str, given: str, counted: dict[str, int]) -> None:
    """The audit of one request: who, when, which kind, how many records (no pseudonym, no content)."""
    if kind not in KINDS or given not in GIVEN:
        raise ValueError(f"unknown request {kind!r} by {given!r}")
    with engine.begin() as conn:
        conn.execute(
            insert(subject_requests).values(
                at=now(),
                actor=actor[:120],
                kind=kind,
                given=given,
                counts={k: int(counted.get(k, 0)) for k in COUNTED},
            )
        )


def requests(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The request audit, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(subject_requests).order_by(subject_requests.c.id.desc()).limit(limit)).all()
    return [{k: _plain(v) for k, v in r._mapping.items()} for r in rows]
