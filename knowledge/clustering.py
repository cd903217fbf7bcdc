"""Group similar questions by meaning: greedy neighbourhood clustering over normalized embeddings.

The question with the most close neighbours (cosine >= threshold) seeds a cluster of those neighbours; repeat
with what is left. Deterministic, no cluster count to guess, and O(n^2) in blocks, so thousands of questions
take well under a second.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1024


def neighbours(vectors: np.ndarray, threshold: float) -> list[np.ndarray]:
    """For each row, the indices of rows at least ``threshold`` similar (itself included)."""
    out: list[np.ndarray] = []
    for start in range(0, len(vectors), BLOCK):
        sims = vectors[start : start + BLOCK] @ vectors.T
        out.extend(np.flatnonzero(row >= threshold) for row in sims)
    return out


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Clusters as lists of row indices, largest first; every row ends up in exactly one cluster."""
    n = len(vectors)
    if n == 0:
        return []
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    near = neighbours(vectors, threshold)
    assigned = np.zeros(n, dtype=bool)
    clusters: list[list[int]] = []
    # Seeds by neighbourhood size (ties: earlier rows first), re-checked against what is still free.
    for seed in sorted(range(n), key=lambda i: (-len(near[i]), i)):
        if assigned[seed]:
            continue
        members = [int(j) for j in near[seed] if not assigned[j]]
        assigned[members] = True
        clusters.append(sorted(members))
    clusters = _attach_strays(vectors, clusters, threshold)
    clusters.sort(key=lambda c: (-len(c), c[0]))
    return clusters


def _attach_strays(vectors: np.ndarray, clusters: list[list[int]], threshold: float) -> list[list[int]]:
    """A question left alone joins the group whose centre it is closest to, if that is within ``threshold``.

    The seed's neighbourhood misses paraphrases that are close to the group as a whole but not to the seed.
    """
    groups = [c for c in clusters if len(c) > 1]
    strays = [c[0] for c in clusters if len(c) == 1]
    if not groups or not strays:
        return clusters
    centres = np.stack([vectors[g].mean(axis=0) for g in groups])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    sims = vectors[strays] @ centres.T
    alone = []
    for row, stray in zip(sims, strays, strict=True):
        best = int(row.argmax())
        if row[best] >= threshold:
            groups[best].append(stray)
        else:
            alone.append([stray])
    return [sorted(g) for g in groups] + alone
