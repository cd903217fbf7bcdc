"""The embedder the servers use: the configured backend, with a cache of query vectors in front.

``embedding_backend = "torch"`` (default) serves the sentence-transformers folder; ``"onnx"`` serves
its int8 export (``make build`` writes it; no torch in the serving processes). The web service borrows
the action server's model unless ``web_model = "own"`` (:mod:`knowledge.remote_embedder`). Queries come
one at a time, and on an outage morning the same questions repeat: the last ``query_cache_size`` query
vectors are kept (0 turns the cache off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from knowledge.embedder import Embedder, SentenceTransformerEmbedder
from knowledge.onnx_embedder import OnnxEmbedder
from knowledge.remote_embedder import RemoteEmbedder
from settings import KnowledgeSettings

BACKENDS = ("onnx", "torch")


class CachedEmbedder:
    """Keeps the vectors of the last ``size`` distinct queries; passages are never cached."""

    def __init__(self, inner: Embedder, size: int) -> None:
        """Wrap ``inner``; ``size`` distinct query texts are kept, the least recently used leave first."""
        self.inner = inner
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def warm_up(self) -> None:
        """Load the inner model now."""
        warm = getattr(self.inner, "warm_up", None)
        if warm is not None:
            warm()

    @property
    def dimension(self) -> int:
        """Vector length of the inner model."""
        return self.inner.dimension

    @property
    def fingerprint(self) -> str:
        """The inner model's: the cache changes no vector."""
        return self.inner.fingerprint

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Cached vectors where known, the rest from the inner model in one call."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
            self.hits += sum(1 for t in texts if t in found)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self.inner.embed_queries(missing)
            with self._lock:
                self.misses += len(missing)
                for text, vector in zip(missing, fresh, strict=True):
                    vector = np.array(vector, dtype=np.float32)
                    vector.setflags(write=False)  # shared between callers: nobody may change it
                    found[text] = vector
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passages change with every edit: straight to the inner model."""
        return self.inner.embed_passages(texts)


def embedder_for(settings: KnowledgeSettings) -> Embedder:
    """The serving embedder of ``settings``: backend, then the query cache when it has a size."""
    if settings.embedding_backend not in BACKENDS:
        raise ValueError(f"SERVICEDESK_EMBEDDING_BACKEND must be one of {', '.join(BACKENDS)}")
    inner: Embedder
    if settings.embedding_backend == "onnx":
        inner = OnnxEmbedder(settings.onnx_model_path, batch_size=1)
    else:
        inner = SentenceTransformerEmbedder(settings.model_path)
    return _cached(inner, settings)


def web_embedder(settings: KnowledgeSettings, action_url: str) -> Embedder:
    """The web service's embedder: the action server's model (``web_model = "shared"``) or its own copy."""
    if settings.web_model == "own":
        return embedder_for(settings)
    return _cached(RemoteEmbedder.of(settings, action_url), settings)


def _cached(inner: Embedder, settings: KnowledgeSettings) -> Embedder:
    return CachedEmbedder(inner, settings.query_cache_size) if settings.query_cache_size > 0 else inner
