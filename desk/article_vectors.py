"""Chunk vectors of article contents, embedded once by the saving process and shared through the database."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from desk.db import article_vectors, now


def put_vectors(engine: Engine, content_hash: str, model: str, chunk_ids: list[int], matrix: np.ndarray) -> None:
    """Keep an article content's chunk vectors (idempotent: the same content gives the same vectors)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(article_vectors).values(
                    content_hash=content_hash,
                    model=model,
                    chunk_ids=[int(i) for i in chunk_ids],
                    vectors=np.ascontiguousarray(matrix, dtype=np.float32).tobytes(),
                    created_at=now(),
                )
            )
    except IntegrityError:
        pass  # stored already (another process saved the same content)


def has_vectors(engine: Engine, content_hash: str, model: str) -> bool:
    """Whether vectors for this content and model are stored."""
    with engine.connect() as conn:
        row = conn.execute(
            select(article_vectors.c.content_hash).where(
                article_vectors.c.content_hash == content_hash, article_vectors.c.model == model
            )
        ).first()
    return row is not None


def get_vectors(engine: Engine, model: str, content_hashes: list[str]) -> dict[str, tuple[list[int], np.ndarray]]:
    """Stored vectors by content hash: ``(chunk ids, matrix)``."""
    if not content_hashes:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(article_vectors).where(
                article_vectors.c.model == model, article_vectors.c.content_hash.in_(content_hashes)
            )
        ).all()
    out = {}
    for r in rows:
        ids = [int(i) for i in r.chunk_ids]
        out[r.content_hash] = (ids, np.frombuffer(r.vectors, dtype=np.float32).reshape(len(ids), -1))
    return out
