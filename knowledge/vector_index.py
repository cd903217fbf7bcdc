"""Exact inner-product search over normalized vectors with FAISS, editable by id."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorIndex(Protocol):
    """Vectors keyed by int64 ids; search returns (id, cosine) pairs, best first."""

    def __len__(self) -> int:
        """Number of vectors."""
        ...

    def upsert(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any with the same ids."""
        ...

    def remove(self, ids: list[int]) -> None:
        """Remove vectors by id (unknown ids are ignored)."""
        ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with their scores."""
        ...


class FaissIndex:
    """``IndexIDMap2(IndexFlatIP)``: exact, supports removal and saving to disk."""

    def __init__(self, dimension: int) -> None:
        """An empty index for vectors of ``dimension`` floats."""
        self.dimension = dimension
        self._index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    def upsert(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any with the same ids."""
        if not ids:
            return
        self.remove(ids)
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> None:
        """Remove vectors by id."""
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # SWIG accepts arrays

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with cosine scores."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dimension)
        scores, ids = self._index.search(q, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def reconstruct(self, vector_id: int) -> np.ndarray:
        """The stored vector for an id."""
        return np.asarray(self._index.reconstruct(int(vector_id)), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write atomically (temp file, then rename), so a reader never sees half a file."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FaissIndex:
        """Read an index written by :meth:`save`."""
        raw = faiss.read_index(str(path))
        obj = cls(raw.d)
        obj._index = raw
        return obj
