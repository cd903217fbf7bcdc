"""Wire a knowledge base from settings: the one entry point servers and scripts use."""

from __future__ import annotations

import threading
from typing import Protocol

from knowledge.articles import load_articles
from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.search import KnowledgeBase, SyncStats, Thresholds, open_knowledge_base
from settings import KnowledgeSettings


def knowledge_base_from_settings(settings: KnowledgeSettings, persist: bool = False) -> tuple[KnowledgeBase, SyncStats]:
    """Load articles, the embedding model and the saved index; embed only what changed."""
    embedder = SentenceTransformerEmbedder(settings.model_path)
    thresholds = Thresholds.load(settings.calibration_file) if settings.calibration_file.is_file() else Thresholds()
    return open_knowledge_base(
        embedder,
        load_articles(settings.articles_dir),
        thresholds=thresholds,
        index_dir=settings.index_dir,
        persist=persist,
    )


class KnowledgeUnavailable(RuntimeError):
    """The knowledge base could not be loaded (model or index missing)."""


class KnowledgeSource(Protocol):
    """Hands out a ready knowledge base."""

    def get(self) -> KnowledgeBase:
        """The knowledge base, loading it on first use."""
        ...


class LazyKnowledgeSource:
    """Loads the knowledge base once, on first use or at :meth:`warm_up`; thread-safe."""

    def __init__(self, settings: KnowledgeSettings | None = None) -> None:
        """Nothing is loaded here (the SDK imports and constructs actions freely)."""
        self._settings = settings
        self._kb: KnowledgeBase | None = None
        self._lock = threading.Lock()
        self.error: str | None = None

    @property
    def loaded(self) -> bool:
        """True once the knowledge base is ready."""
        return self._kb is not None

    def get(self) -> KnowledgeBase:
        """The knowledge base; raises :class:`KnowledgeUnavailable` if it cannot be loaded."""
        if self._kb is None:
            with self._lock:
                if self._kb is None:
                    try:
                        self._kb, _ = knowledge_base_from_settings(self._settings or KnowledgeSettings())
                        self.error = None
                    except Exception as exc:  # noqa: BLE001 - any failure means "not available", reported by /health
                        self.error = f"{type(exc).__name__}: {exc}"
                        raise KnowledgeUnavailable(self.error) from exc
        return self._kb

    def warm_up(self) -> None:
        """Load now, so the first employee does not wait."""
        self.get()


class StaticKnowledgeSource:
    """An already built knowledge base (tests, benchmarks)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        """Wrap ``kb``."""
        self._kb = kb

    @property
    def loaded(self) -> bool:
        """Always loaded."""
        return True

    def get(self) -> KnowledgeBase:
        """The wrapped knowledge base."""
        return self._kb
