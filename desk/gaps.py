"""Knowledge gaps: questions the knowledge base could not answer, PII-redacted, for the editors' queue.

Kept: a question that ended in no answer, in a clarification nobody picked from, in "hat nicht geholfen", or
in an escalation because nothing matched. Stored without user or conversation id; a keyed hash of the two
only stops the same question of one conversation from being counted twice. A 👎 names the article rated
"nicht geholfen"; an editor closes a question by dismissing it or by adding it to an article's questions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import knowledge_gaps, now, utc
from knowledge import redaction
from knowledge.clustering import cluster
from knowledge.lexical import fold

REASONS = ("none", "clarify", "not_helpful", "no_answer")
MAX_QUESTION = 500
# Cosine of e5-small query embeddings above which two questions count as "the same question" (measured on
# paraphrases vs. unrelated IT questions: see tests/unit/test_gaps.py and bench/gaps_bench.py).
CLUSTER_THRESHOLD = 0.89
WINDOW_DAYS = 90
MAX_ROWS = 5000
EXAMPLES = 8


def redact(text: str) -> str:
    """The one redaction (:mod:`knowledge.redaction`), on one line and at most ``MAX_QUESTION`` characters."""
    return " ".join(redaction.redact(text).split())[:MAX_QUESTION]


def _dedupe_key(secret: bytes, conversation_id: str, question: str) -> str:
    return hmac.new(secret, f"gap\n{conversation_id}\n{question}".encode(), hashlib.sha256).hexdigest()[:40]


def dedupe_key(secret: bytes, conversation_id: str, question: str) -> str:
    """The keyed hash a conversation's question is stored under (data-subject requests find their gaps by it)."""
    return _dedupe_key(secret, conversation_id, question.strip())


def record_gap(
    engine: Engine,
    *,
    secret: bytes,
    conversation_id: str,
    question: str,
    reason: str,
    language: str,
    vector: np.ndarray | None = None,
    article: str | None = None,
) -> bool:
    """Keep one unanswered question (redacted); False when this conversation already reported it.

    ``article``: the article rated "nicht geholfen" (reason ``not_helpful``).
    """
    if reason not in REASONS:
        raise ValueError(f"unknown gap reason {reason!r}")
    text = redact(question)
    if not text:
        return False
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(knowledge_gaps).values(
                    question=text,
                    reason=reason,
                    language=language if language in ("de", "en") else "de",
                    dedupe=_dedupe_key(secret, conversation_id, question.strip()),
                    vector=None if vector is None else np.asarray(vector, dtype=np.float32).tobytes(),
                    created_at=now(),
                    article=(article or None) and article[:80],
                )
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Gap:
    """One stored question."""

    id: int
    question: str
    reason: str
    created_at: datetime
    vector: np.ndarray | None
    article: str | None = None


def open_gaps(engine: Engine, days: int = WINDOW_DAYS, limit: int = MAX_ROWS) -> list[Gap]:
    """Not dismissed, from the last ``days`` days, newest first."""
    since = now() - timedelta(days=days)
    with engine.connect() as conn:
        rows = conn.execute(
            select(knowledge_gaps)
            .where(knowledge_gaps.c.dismissed_at.is_(None), knowledge_gaps.c.created_at >= since)
            .order_by(knowledge_gaps.c.id.desc())
            .limit(limit)
        ).all()
    return [
        Gap(
            r.id,
            r.question,
            r.reason,
            utc(r.created_at),
            as_vector(r.vector),
            r.article,
        )
        for r in rows
    ]


def as_vector(raw: bytes | None) -> np.ndarray | None:
    """A stored embedding (float32 bytes) as an array; ``None`` when the question has none yet."""
    return None if raw is None else np.frombuffer(raw, dtype=np.float32)


def store_vectors(engine: Engine, vectors: dict[int, np.ndarray]) -> None:
    """Save embeddings computed later (questions recorded without one)."""
    with engine.begin() as conn:
        for gap_id, vec in vectors.items():
            conn.execute(
                update(knowledge_gaps)
                .where(knowledge_gaps.c.id == gap_id)
                .values(vector=np.asarray(vec, dtype=np.float32).tobytes())
            )


@dataclass(frozen=True)
class Closed:
    """What closing a list of ids did: closed now, closed before, or no such question (never stored, or purged)."""

    closed: list[int]
    already: list[int]
    unknown: list[int]


def _close(engine: Engine, gap_ids: list[int], added_to: str | None) -> Closed:
    wanted = sorted(set(gap_ids))
    if not wanted:
        return Closed([], [], [])
    with engine.begin() as conn:
        rows = conn.execute(
            select(knowledge_gaps.c.id, knowledge_gaps.c.dismissed_at).where(knowledge_gaps.c.id.in_(wanted))
        ).all()
        open_ids = sorted(r.id for r in rows if r.dismissed_at is None)
        if open_ids:
            conn.execute(
                update(knowledge_gaps)
                .where(knowledge_gaps.c.id.in_(open_ids), knowledge_gaps.c.dismissed_at.is_(None))
                .values(dismissed_at=now(), added_to=added_to)
            )
    known = {r.id for r in rows}
    return Closed(open_ids, sorted(known - set(open_ids)), [i for i in wanted if i not in known])


def dismiss_ids(engine: Engine, gap_ids: list[int]) -> Closed:
    """Dismiss questions (they leave the queue for good), saying which ids were closed before or are unknown."""
    return _close(engine, gap_ids, None)


def dismiss(engine: Engine, gap_ids: list[int]) -> int:
    """Mark questions as dismissed; returns how many changed."""
    return len(dismiss_ids(engine, gap_ids).closed)


def mark_added(engine: Engine, gap_ids: list[int], slug: str) -> Closed:
    """The questions were added to article ``slug``'s example questions: they leave the queue as done."""
    return _close(engine, gap_ids, slug)


def questions_of(engine: Engine, gap_ids: list[int]) -> dict[int, str]:
    """The stored (redacted) question of each known id."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(knowledge_gaps.c.id, knowledge_gaps.c.question).where(knowledge_gaps.c.id.in_(gap_ids))
        ).all()
    return {r.id: r.question for r in rows}


def dismissed_count(engine: Engine) -> int:
    """How many questions editors dismissed (not counting those added to an article)."""
    return _closed_count(engine, knowledge_gaps.c.added_to.is_(None))


def added_count(engine: Engine) -> int:
    """How many questions editors added to an article as example questions."""
    return _closed_count(engine, knowledge_gaps.c.added_to.isnot(None))


def _closed_count(engine: Engine, condition: Any) -> int:
    with engine.connect() as conn:
        query = (
            select(func.count()).select_from(knowledge_gaps).where(knowledge_gaps.c.dismissed_at.isnot(None), condition)
        )
        return int(conn.execute(query).scalar_one())


def matching(found: list[Gap], tz: tzinfo, *, q: str = "", reason: str = "", week: str = "") -> list[Gap]:
    """The questions containing every word of ``q`` (umlauts folded, parts of compounds too).

    ``reason`` and ``week`` (ISO, ``2026-W49`` in the desk's time zone) narrow them further when given.
    """
    words = fold(q).split()
    return [
        g
        for g in found
        if (not reason or g.reason == reason)
        and (not week or _week(g.created_at, tz) == week)
        and all(w in fold(g.question) for w in words)
    ]


def facets(found: list[Gap], tz: tzinfo) -> dict[str, Any]:
    """Questions per ISO week (oldest first), per reason and per article rated "nicht geholfen" (most first)."""
    weeks: dict[str, int] = {}
    reasons = dict.fromkeys(REASONS, 0)
    rated: dict[str, int] = {}
    for g in found:
        weeks[_week(g.created_at, tz)] = weeks.get(_week(g.created_at, tz), 0) + 1
        reasons[g.reason] = reasons.get(g.reason, 0) + 1
        if g.article:
            rated[g.article] = rated.get(g.article, 0) + 1
    return {
        "weeks": [{"week": w, "count": c} for w, c in sorted(weeks.items())],
        "reasons": reasons,
        "articles": [{"slug": s, "count": n} for s, n in sorted(rated.items(), key=lambda i: (-i[1], i[0]))],
    }


def _week(at: datetime, tz: tzinfo) -> str:
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def clusters(gaps: list[Gap], tz: tzinfo, threshold: float = CLUSTER_THRESHOLD) -> list[dict[str, Any]]:
    """Gap questions grouped by meaning, largest first, as the editor shows them (gaps need vectors)."""
    usable = [g for g in gaps if g.vector is not None]
    if not usable:
        return []
    matrix = np.stack([g.vector for g in usable if g.vector is not None])
    out = []
    for members in cluster(matrix, threshold):
        group = sorted((usable[i] for i in members), key=lambda g: g.created_at, reverse=True)
        examples: list[str] = []
        for g in group:  # distinct wordings first
            if g.question not in examples:
                examples.append(g.question)
            if len(examples) == EXAMPLES:
                break
        out.append(
            {
                "id": f"g{min(g.id for g in group)}",
                "size": len(group),
                "questions": examples,
                "gap_ids": sorted(g.id for g in group),
                **facets(group, tz),
                "last_at": group[0].created_at.isoformat(),
            }
        )
    return out
