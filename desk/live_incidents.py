"""The active incidents every chatting process matches messages against, kept in step with the database.

Like the articles (:mod:`desk.live_knowledge`), the database is the only channel: a process reads the
``incidents`` change counter at most every ``poll_s`` seconds while messages come in and reloads the published,
active incidents when it moved. A publish, status update or resolution in any instance is therefore matched (or
no longer matched) by every process within ``poll_s`` plus one message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from desk import incidents
from desk.runtime import LazyDesk
from knowledge.embedder import Embedder
from knowledge.incident_match import IncidentHit, IncidentMatcher, IncidentMatchParams
from knowledge.ranking import SearchHit

logger = logging.getLogger(__name__)


class LiveIncidents:
    """Matches messages against the active incidents; cheap while there are none."""

    def __init__(self, desk: LazyDesk, params: IncidentMatchParams | None = None, poll_s: float = 0.5) -> None:
        """Nothing is read here; the model file is read on first use unless ``params`` is given (tests)."""
        self.desk = desk
        self.poll_s = poll_s
        self._params = params
        self._matcher: IncidentMatcher | None = None
        self._lock = threading.Lock()
        self._checked = -1e9
        self._revision = -1
        self._active: list[dict[str, Any]] = []
        self._stale = True  # the matcher does not hold ``_active`` yet

    def _refresh(self, embedder: Embedder) -> IncidentMatcher | None:
        """The matcher over the active incidents; ``None`` while there are none.

        Reloaded when the change counter moved since the last look (read at most every ``poll_s``).
        """
        with self._lock:
            if time.monotonic() - self._checked >= self.poll_s:
                engine = self.desk.get().engine
                revision = incidents.changes(engine)
                if revision != self._revision:
                    self._active, self._revision, self._stale = incidents.active(engine), revision, True
                self._checked = time.monotonic()
            if not self._active:
                return None
            if self._matcher is None or self._matcher.embedder is not embedder:
                self._matcher = IncidentMatcher(embedder, self._params or IncidentMatchParams.load())
                self._stale = True
            if self._stale:
                self._matcher.set_incidents(self._active)
                self._stale = False
            return self._matcher

    def match(
        self, text: str, hits: Sequence[SearchHit], embedder: Embedder, skip: frozenset[int] = frozenset()
    ) -> IncidentHit | None:
        """The active incident ``text`` is about, if any; ``None`` also when the incidents cannot be read."""
        try:
            matcher = self._refresh(embedder)
        except Exception:  # noqa: BLE001 - an unreadable incident list must not stop the chat's answers
            logger.exception("active incidents not readable: answering without them")
            return None
        if matcher is None:
            return None
        return matcher.match(text, hits, skip)
