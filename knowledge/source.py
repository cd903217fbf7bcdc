"""What hands a process its knowledge base: the Protocol every caller relies on, and a fixed one for tools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from knowledge.search import KnowledgeBase


class KnowledgeUnavailable(RuntimeError):
    """The knowledge base could not be loaded (model or index missing)."""


class KnowledgeSource(Protocol):
    """Hands out a ready knowledge base; ``/health`` reads ``ready``, ``error`` and ``damaged``."""

    @property
    def ready(self) -> bool:
        """True once the knowledge base is loaded."""
        ...

    @property
    def error(self) -> str | None:
        """Why loading failed, if it did."""
        ...

    @property
    def damaged(self) -> Mapping[str, str]:
        """Articles whose stored text cannot be read (slug -> why), skipped by the index."""
        ...

    def get(self) -> KnowledgeBase:
        """The knowledge base, loading it on first use; :class:`KnowledgeUnavailable` when it cannot be."""
        ...

    def warm_up(self) -> None:
        """Load now, so the first employee does not wait."""
        ...


class StaticKnowledgeSource:
    """An already built knowledge base (tests, benchmarks, offline tools)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        """Wrap ``kb``."""
        self._kb = kb

    @property
    def ready(self) -> bool:
        """Always loaded."""
        return True

    @property
    def error(self) -> str | None:
        """Never failed."""
        return None

    @property
    def damaged(self) -> Mapping[str, str]:
        """Built from articles that all read fine."""
        return {}

    def get(self) -> KnowledgeBase:
        """The wrapped knowledge base."""
        return self._kb

    def warm_up(self) -> None:
        """Nothing to load."""
