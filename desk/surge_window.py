"""The surge detection's window: the employees' latest free-text messages, grouped by meaning (issue 13).

The messages come from the records database, so every web instance's traffic counts. They are read as stored:
redacted when written (:mod:`desk.conversations`, by the one redaction of :mod:`knowledge.redaction` that the gap
queue uses too), and tied to a conversation id that is itself pseudonymous. The conversation id only counts
distinct conversations here; a :class:`Group` carries no id out. Grouping is the gap queue's clustering
(:func:`knowledge.clustering.cluster`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select

from desk.db import incident_matches, incidents, messages, utc
from desk.gaps import MAX_QUESTION
from knowledge.clustering import cluster

# "danke", "ja", "Hallo": too short to say what is wrong; thousands of thanks must not look like an outage.
MIN_WORDS = 3
MAX_ROWS = 5000
EXAMPLES = 5
# The second half of the window against the first: this factor either way is "rising" or "falling".
TREND_FACTOR = 1.25


@dataclass(frozen=True)
class Message:
    """One free-text message of the window (stored redacted)."""

    conversation_id: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Group:
    """Similar messages above the threshold: what the console shows, and the centre to find it again by."""

    centroid: np.ndarray
    messages: int
    conversations: int
    examples: tuple[str, ...]
    label: str
    trend: dict[str, Any]
    first_seen: datetime
    last_seen: datetime


def free_text(text: str, data: dict[str, Any] | None) -> bool:
    """Typed by the employee (not a button, a command or a screenshot) and long enough to describe a problem."""
    found = data or {}
    if "payload" in found or "attachment" in found or text.startswith("/"):
        return False
    return len(text.split()) >= MIN_WORDS


def _answered_by_incident(conn: Connection, conversation_ids: Iterable[str]) -> set[str]:
    """Of these conversations, those the chat answered with an incident that is still active."""
    wanted = sorted(set(conversation_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found |= set(
            conn.execute(
                select(incident_matches.c.conversation_id)
                .join(incidents, incidents.c.id == incident_matches.c.incident_id)
                .where(incidents.c.status == "active", incident_matches.c.conversation_id.in_(chunk))
            ).scalars()
        )
    return found


def recent(engine: Engine, since: datetime, limit: int = MAX_ROWS) -> list[Message]:
    """Free-text messages from ``since`` on (at most ``limit``, the newest), oldest first.

    Conversations the chat answered with an active incident are left out: that incident explains them already.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.conversation_id, messages.c.text, messages.c.data, messages.c.created_at)
            .where(messages.c.role == "user", messages.c.created_at >= since)
            .order_by(messages.c.id.desc())
            .limit(limit)
        ).all()
        rows = [r for r in rows if free_text(r.text, r.data)]
        known = _answered_by_incident(conn, (r.conversation_id for r in rows))
    return [
        Message(r.conversation_id, " ".join(r.text.split())[:MAX_QUESTION], utc(r.created_at))
        for r in reversed(rows)
        if r.conversation_id not in known
    ]


def trend(times: list[datetime], since: datetime, minutes: int) -> dict[str, Any]:
    """Messages per minute of the window (oldest first), the two halves, and the direction between them."""
    per_minute = [0] * minutes
    for at in times:
        slot = int((at - since) / timedelta(minutes=1))
        per_minute[min(max(slot, 0), minutes - 1)] += 1
    half = since + timedelta(minutes=minutes / 2)
    recent_half = sum(1 for at in times if at >= half)
    earlier = len(times) - recent_half
    direction = "steady"
    if recent_half > earlier * TREND_FACTOR:
        direction = "rising"
    elif earlier > recent_half * TREND_FACTOR:
        direction = "falling"
    return {"per_minute": per_minute, "earlier": earlier, "recent": recent_half, "direction": direction}


def _group(found: list[Message], vectors: np.ndarray, members: list[int], since: datetime, minutes: int) -> Group:
    centroid = vectors[members].mean(axis=0)
    centroid = (centroid / (np.linalg.norm(centroid) or 1.0)).astype(np.float32)
    closest = sorted(members, key=lambda i: -float(vectors[i] @ centroid))
    examples: list[str] = []
    for i in closest:  # the most typical wordings first, each once
        if found[i].text not in examples:
            examples.append(found[i].text)
        if len(examples) == EXAMPLES:
            break
    times = sorted(found[i].at for i in members)
    return Group(
        centroid=centroid,
        messages=len(members),
        conversations=len({found[i].conversation_id for i in members}),
        examples=tuple(examples),
        label=examples[0][:200],
        trend=trend(times, since, minutes),
        first_seen=times[0],
        last_seen=times[-1],
    )


def groups(
    found: list[Message],
    vectors: np.ndarray,
    *,
    similarity: float,
    min_messages: int,
    min_conversations: int,
    since: datetime,
    minutes: int,
) -> list[Group]:
    """The clusters of ``found`` (one vector a message) with enough messages from enough conversations."""
    if not found:
        return []
    out = []
    for members in cluster(np.asarray(vectors, dtype=np.float32), similarity):
        if len(members) < min_messages:
            break  # largest first: the rest are smaller
        if len({found[i].conversation_id for i in members}) >= min_conversations:
            out.append(_group(found, vectors, members, since, minutes))
    return out
