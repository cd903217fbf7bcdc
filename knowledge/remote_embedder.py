"""Vectors from the action server: the web service searches without a model of its own.

The action server holds the embedding model anyway (every chat turn needs it). The web service needs
vectors only for its search API, the editor's Test panel, saving an edit and the gap queue, so it asks
the action server over loopback (``POST /embeddings``) instead of loading a second copy of the model
(~0.5 GB). Which model answers is checked on every reply: vectors of another build are never mixed in.

The fingerprint and dimension are read from the model's files here, without loading it, so a saved
index opens even while the action server is still starting.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from knowledge.embedder import model_fingerprint
from knowledge.source import KnowledgeUnavailable
from settings import KnowledgeSettings

# One request carries at most this many texts; the server refuses more. Passages go in smaller batches, so one
# request stays well inside the timeout even when a whole stale index is re-embedded (~0.1 s per passage).
MAX_TEXTS = 256
PASSAGE_BATCH = 32
KINDS = ("query", "passage")


class EmbeddingsUnavailable(KnowledgeUnavailable):
    """The action server did not give vectors (down, starting, or serving another model)."""


def model_identity(settings: KnowledgeSettings) -> tuple[str, int]:
    """Fingerprint and dimension of the configured backend's model, from its files (nothing is loaded)."""
    if settings.embedding_backend == "onnx":
        folder = settings.onnx_model_path
        meta = json.loads((folder / "prompts.json").read_text(encoding="utf-8"))
        return model_fingerprint(folder), int(meta["dimension"])
    folder = Path(settings.model_path)
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return model_fingerprint(folder), int(pooling["word_embedding_dimension"])


def encode_vectors(matrix: np.ndarray) -> str:
    """float32 rows as base64 (a fifth of the size of JSON numbers, and exact)."""
    return base64.b64encode(np.ascontiguousarray(matrix, dtype=np.float32).tobytes()).decode("ascii")


def decode_vectors(data: str, rows: int, dimension: int) -> np.ndarray:
    """The inverse of :func:`encode_vectors`; a wrong size is an error, not a reshaped guess."""
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    if len(raw) != rows * dimension * 4:
        raise ValueError(f"expected {rows}x{dimension} float32 values, got {len(raw)} bytes")
    return np.frombuffer(raw, dtype=np.float32).reshape(rows, dimension).copy()


class RemoteEmbedder:
    """An :class:`knowledge.embedder.Embedder` whose vectors come from the action server."""

    def __init__(
        self,
        base_url: str,
        fingerprint: str,
        dimension: int,
        timeout_s: float = 60.0,
        wait_s: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``wait_s``: how long passage requests keep retrying while the action server is not up yet."""
        self.url = base_url.rstrip("/") + "/embeddings"
        self._fingerprint = fingerprint
        self._dimension = dimension
        self.wait_s = wait_s
        self._client = httpx.Client(timeout=timeout_s, transport=transport)

    @classmethod
    def of(cls, settings: KnowledgeSettings, action_url: str, wait_s: float = 60.0) -> RemoteEmbedder:
        """The embedder matching the model the action server is configured to serve."""
        fingerprint, dimension = model_identity(settings)
        return cls(action_url, fingerprint, dimension, wait_s=wait_s)

    @property
    def dimension(self) -> int:
        """Vector length of the shared model."""
        return self._dimension

    @property
    def fingerprint(self) -> str:
        """The shared model's fingerprint (the action server's replies are checked against it)."""
        return self._fingerprint

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; a question never waits for a starting action server."""
        return self._embed("query", texts, wait_s=0.0)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors (an edit, a changed article), waiting up to ``wait_s`` for the action server."""
        return self._embed("passage", texts, wait_s=self.wait_s)

    def _embed(self, kind: str, texts: list[str], wait_s: float) -> np.ndarray:
        size = MAX_TEXTS if kind == "query" else PASSAGE_BATCH
        parts = [self._request(kind, texts[i : i + size], wait_s) for i in range(0, len(texts), size)]
        return np.concatenate(parts) if parts else np.zeros((0, self._dimension), np.float32)

    def _request(self, kind: str, texts: list[str], wait_s: float) -> np.ndarray:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                reply = self._client.post(self.url, json={"kind": kind, "texts": texts})
            except httpx.TransportError as exc:
                if time.monotonic() < deadline:
                    time.sleep(1.0)
                    continue
                raise EmbeddingsUnavailable(f"action server unreachable for embeddings: {type(exc).__name__}") from exc
            if reply.status_code == 503 and time.monotonic() < deadline:
                time.sleep(1.0)  # loading its model
                continue
            return self._vectors(reply, len(texts))

    def _vectors(self, reply: httpx.Response, rows: int) -> np.ndarray:
        if reply.status_code != 200:
            raise EmbeddingsUnavailable(f"action server answered {reply.status_code} for embeddings")
        body: dict[str, Any] = reply.json()
        if body.get("fingerprint") != self._fingerprint:
            raise EmbeddingsUnavailable(
                f"action server serves model {body.get('fingerprint')!r}, this process expects {self._fingerprint!r}"
            )
        return decode_vectors(str(body.get("vectors", "")), rows, self._dimension)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
