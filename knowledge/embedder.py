"""Text embeddings behind a small protocol, so tests can pass a cheap stand-in."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors."""

    @property
    def dimension(self) -> int:
        """Vector length."""
        ...

    @property
    def fingerprint(self) -> str:
        """Identifies the model: an index built with another model must be rebuilt."""
        ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for questions."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors for article chunks."""
        ...


# The weight files of a model folder, by format: sentence-transformers (safetensors, bin) or the ONNX export.
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.onnx")


def weights_digest(folder: Path) -> str:
    """SHA-256 (first 16 hex digits) of the model's weight files; cached beside them by size and mtime.

    Hashing ~470 MB takes about a second, so the result is kept in ``.weights-sha256`` and reused while
    the files' sizes and modification times are unchanged.
    """
    files = next((found for pattern in WEIGHT_FILES if (found := sorted(folder.glob(pattern)))), [])
    stat = ";".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    cache = folder / ".weights-sha256"
    if cache.is_file():
        cached_stat, _, digest = cache.read_text().strip().partition("\n")
        if cached_stat == stat and digest:
            return digest
    h = hashlib.sha256()
    for p in files:
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()[:16]
    try:
        cache.write_text(f"{stat}\n{digest}\n")
    except OSError:
        pass  # a read-only model folder: hash again next time
    return digest


def model_fingerprint(folder: Path) -> str:
    """Folder name plus a digest of the weights: vectors from another build are never mixed in."""
    return f"{folder.name}:{weights_digest(folder)}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder; never touches a model hub."""

    def __init__(self, model_path: Path, batch_size: int = 32) -> None:
        """Load lazily from ``model_path`` on first use (importing this module does nothing)."""
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self._model: Any = None
        self._fingerprint: str | None = None

    def _load(self) -> Any:
        if self._model is None:
            if not (self.model_path / "modules.json").is_file():
                raise FileNotFoundError(
                    f"embedding model not found at {self.model_path}: run 'make model' "
                    "(or set SERVICEDESK_MODEL_PATH to a sentence-transformers folder)"
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - heavy import

            self._model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        return self._model

    def warm_up(self) -> None:
        """Load the model now (servers call this before they accept traffic)."""
        self._load()

    @property
    def dimension(self) -> int:
        """Vector length reported by the model."""
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def fingerprint(self) -> str:
        """Folder name plus a digest of the weights: vectors from another build are never mixed in."""
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self.model_path)
        return self._fingerprint

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        model = self._load()
        prompts = getattr(model, "prompts", {}) or {}
        vecs = model.encode(
            texts,
            prompt_name=prompt_name if prompt_name in prompts else None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Encode with the model's ``query`` prompt (E5: ``query: ``)."""
        return self._encode(texts, "query")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Encode with the model's ``passage`` prompt (E5: ``passage: ``)."""
        return self._encode(texts, "passage")


class HashingEmbedder:
    """Bag of hashed character trigrams: deterministic and fast, for unit tests only."""

    def __init__(self, dimension: int = 256) -> None:
        """Vectors of ``dimension`` floats."""
        self._dim = dimension

    @property
    def dimension(self) -> int:
        """Vector length."""
        return self._dim

    @property
    def fingerprint(self) -> str:
        """Fixed per dimension."""
        return f"hashing-{self._dim}"

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        t = f"  {text.lower()}  "
        for i in range(len(t) - 2):
            h = int.from_bytes(hashlib.md5(t[i : i + 3].encode()).digest()[:4], "little")
            v[h % self._dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Same as passages: the stand-in has no prompts."""
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Encode passages."""
        return self.embed_queries(texts)
