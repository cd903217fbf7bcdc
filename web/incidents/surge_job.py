"""The surge detection in the web service: every ``SERVICEDESK_SURGE_INTERVAL_S`` seconds, one instance at a time.

Every instance asks; the one that takes the lease in the records database runs :func:`desk.surges.detect` over
everybody's messages, with the knowledge base's embedder (the query cache keeps repeated questions).
"""

from __future__ import annotations

import asyncio
import logging

from desk import leases, surges
from desk.runtime import LazyDesk
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from settings import Settings

logger = logging.getLogger(__name__)


def run_once(desk: LazyDesk, knowledge: KnowledgeSource, settings: Settings, holder: str) -> surges.Run | None:
    """One attempt: ``None`` when another instance holds the lease."""
    engine = desk.get().engine
    embedder = knowledge.get().embedder
    keep = settings.retention.conversations_days
    return surges.run_when_due(engine, embedder, settings.surges, keep_days=keep, holder=holder)


async def surges_forever(desk: LazyDesk, knowledge: KnowledgeSource, settings: Settings) -> None:
    """Run until cancelled; a failed round is logged (without any message text) and the next one comes."""
    holder = leases.holder_id()
    while True:
        await asyncio.sleep(settings.surges.interval_s)
        try:
            done = await asyncio.to_thread(run_once, desk, knowledge, settings, holder)
        except KnowledgeUnavailable:
            continue  # /health reports it; nothing to embed with yet
        except Exception:  # noqa: BLE001 - one failed round must not end the detection
            logger.exception("surge detection failed")
            continue
        if done is not None and done.groups:
            logger.info("surge detection: %d messages, %d groups, %d open", done.messages, done.groups, done.open)
