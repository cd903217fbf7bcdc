"""Exact inner-product search over normalized vectors, editable by id: the Protocol and two implementations.

``FaissIndex`` is what runs; ``NumpyIndex`` is the plain reference both are checked against (one shared contract
test class, ``tests/unit/knowledge/test_vector_index.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorIndex(Protocol):
    """Vectors keyed by int64 ids; search returns (id, cosine) pairs, best first."""

    dimension: int

    def __len__(self) -> int:
        """Number of vectors."""
        ...

    def upsert(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any with the same ids."""
        ...

    def remove(self, ids: Sequence[int]) -> None:
        """Remove vectors by id (unknown ids are ignored)."""
        ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with their scores, best first."""
        ...

    def vector(self, vector_id: int) -> np.ndarray:
        """The stored vector of an id (``KeyError`` when unknown)."""
        ...

    def save(self, path: Path) -> None:
        """Write the index to one file, atomically."""
        ...

    def load(self, path: Path) -> None:
        """Replace the contents with an index written by :meth:`save` (``ValueError`` when unreadable)."""
        ...

    def clear(self) -> None:
        """Remove every vector."""
        ...


def _matrix(ids: Sequence[int], vectors: np.ndarray, dimension: int) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), dimension)


class FaissIndex:
    """``IndexIDMap2(IndexFlatIP)``: exact, supports removal and saving to disk."""

    def __init__(self, dimension: int) -> None:
        """An empty index for vectors of ``dimension`` floats."""
        self.dimension = dimension
        self._index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    def upsert(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any with the same ids."""
        if not len(ids):
            return
        self.remove(ids)
        self._index.add_with_ids(_matrix(ids, vectors, self.dimension), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        """Remove vectors by id."""
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # SWIG accepts arrays

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with cosine scores."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dimension)
        scores, ids = self._index.search(q, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def vector(self, vector_id: int) -> np.ndarray:
        """The stored vector for an id."""
        try:
            return np.asarray(self._index.reconstruct(int(vector_id)), dtype=np.float32)
        except RuntimeError as exc:  # FAISS says so in a RuntimeError
            raise KeyError(vector_id) from exc

    def save(self, path: Path) -> None:
        """Write atomically (temp file, then rename), so a reader never sees half a file."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        tmp.replace(path)

    def load(self, path: Path) -> None:
        """Read an index written by :meth:`save`."""
        try:
            raw = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ValueError(f"{path}: not a FAISS index ({exc})") from None
        if raw.d != self.dimension:
            raise ValueError(f"{path}: {raw.d} dimensions, expected {self.dimension}")
        self._index = raw

    def clear(self) -> None:
        """Remove every vector."""
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))


class NumpyIndex:
    """The same contract in plain NumPy: a dictionary of vectors and one matrix product per search."""

    def __init__(self, dimension: int) -> None:
        """An empty index for vectors of ``dimension`` floats."""
        self.dimension = dimension
        self._vectors: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        """Number of vectors."""
        return len(self._vectors)

    def upsert(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any with the same ids."""
        for i, v in zip(ids, _matrix(ids, vectors, self.dimension), strict=True):
            self._vectors[int(i)] = v.copy()

    def remove(self, ids: Sequence[int]) -> None:
        """Remove vectors by id."""
        for i in ids:
            self._vectors.pop(int(i), None)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with inner-product scores (ties: lower id first)."""
        if not self._vectors or k <= 0:
            return []
        ids = np.array(sorted(self._vectors), dtype=np.int64)
        scores = np.stack([self._vectors[int(i)] for i in ids]) @ np.asarray(vector, dtype=np.float32).reshape(-1)
        order = np.lexsort((ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def vector(self, vector_id: int) -> np.ndarray:
        """The stored vector for an id."""
        return self._vectors[int(vector_id)].copy()

    def save(self, path: Path) -> None:
        """Ids and vectors in one ``.npz`` file, written atomically."""
        tmp = path.with_name(path.name + ".tmp.npz")
        ids = np.array(sorted(self._vectors), dtype=np.int64)
        matrix = np.stack([self._vectors[int(i)] for i in ids]) if len(ids) else np.zeros((0, self.dimension))
        np.savez(tmp, ids=ids, vectors=matrix.astype(np.float32))
        tmp.replace(path)

    def load(self, path: Path) -> None:
        """Read a file written by :meth:`save`."""
        try:
            with np.load(path) as data:
                ids, vectors = data["ids"], data["vectors"]
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}: not a saved NumPy index ({exc})") from None
        if len(ids) and vectors.shape[1] != self.dimension:
            raise ValueError(f"{path}: {vectors.shape[1]} dimensions, expected {self.dimension}")
        self._vectors = {int(i): v.astype(np.float32) for i, v in zip(ids, vectors, strict=True)}

    def clear(self) -> None:
        """Remove every vector."""
        self._vectors = {}
