"""What the knowledge actions leave for the editors: articles shown and questions left unanswered.

Both are statistics: a failure is logged and never changes what the employee sees.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker

from desk import gaps, knowledge_stats
from desk.runtime import LazyDesk
from knowledge.source import KnowledgeSource

logger = logging.getLogger(__name__)


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "de"


async def note_shown(desk: LazyDesk, slug: str) -> None:
    """The chat showed ``slug`` as an answer."""
    try:
        opened = await asyncio.to_thread(desk.get)
        await asyncio.to_thread(knowledge_stats.record_shown, opened.engine, slug)
    except Exception:  # noqa: BLE001 - statistics must never break the answer
        logger.exception("article view not stored")


async def note_gap(
    desk: LazyDesk,
    knowledge: KnowledgeSource,
    tracker: Tracker,
    question: str,
    reason: str,
    article: str | None = None,
) -> None:
    """Keep an unanswered question (redacted, with its embedding) for the gap queue.

    ``article``: the article the employee rated "nicht geholfen" (the queue names it).
    """
    question = (question or "").strip()
    if not question or question.startswith("/"):  # button payloads are not questions
        return
    try:
        opened = await asyncio.to_thread(desk.get)
        kb = await asyncio.to_thread(knowledge.get)
        # The redacted text is embedded: the stored vector must not carry what the text no longer shows.
        vector = (await asyncio.to_thread(kb.embedder.embed_queries, [gaps.redact(question)]))[0]
        await asyncio.to_thread(
            lambda: gaps.record_gap(
                opened.engine,
                secret=opened.secret,
                conversation_id=tracker.sender_id,
                question=question,
                reason=reason,
                language=_language(tracker),
                vector=vector,
                article=article,
            )
        )
    except Exception:  # noqa: BLE001 - the gap report must never break the conversation
        logger.exception("knowledge gap not stored")
