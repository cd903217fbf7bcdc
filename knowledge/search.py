"""Hybrid search over articles with a calibrated three-way outcome: answer, clarify or none.

``KnowledgeBase(embedder, index)`` keeps the articles, their chunks, the chunk vectors (any
:class:`~knowledge.vector_index.VectorIndex`) and a BM25 index in step, applies article changes while searches go
on, and ranks. Saving and loading the index is :mod:`knowledge.index_files`; the scores and the outcome are
:mod:`knowledge.ranking`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from knowledge.articles import Article, Chunk, chunk_article
from knowledge.embedder import Embedder
from knowledge.lexical import BM25
from knowledge.ranking import (
    Candidate,
    Outcome,
    SearchHit,
    SearchResult,
    Thresholds,
    best_per_article,
    blend,
    candidate,
    decide,
    fuse,
)
from knowledge.vector_index import VectorIndex

DENSE_CANDIDATES = 64
# Bump when chunk_article() or the embedding of chunks changes: saved vectors are then rebuilt.
CHUNK_FORMAT = 2
LEXICAL_CANDIDATES = 24
Vectors = Mapping[str, tuple[list[int], np.ndarray]]  # content hash -> (chunk ids, their vectors)


@dataclass(frozen=True)
class SyncStats:
    """What a sync changed."""

    articles: int
    embedded_chunks: int
    removed_articles: int


@dataclass(frozen=True)
class _Draft:
    """An unsaved article's chunks, embedded for one test search."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray
    is_question: np.ndarray


class KnowledgeBase:
    """Articles, their chunk vectors and a BM25 index; safe for concurrent searches."""

    def __init__(self, embedder: Embedder, index: VectorIndex, thresholds: Thresholds | None = None) -> None:
        """An empty knowledge base over ``index`` (empty, or loaded by :mod:`knowledge.index_files`)."""
        if index.dimension != embedder.dimension:
            raise ValueError(f"index has {index.dimension} dimensions, the embedder {embedder.dimension}")
        self.embedder = embedder
        self.index = index
        self.thresholds = thresholds or Thresholds()
        self._articles: dict[str, Article] = {}
        self._chunks: dict[int, Chunk] = {}
        self._article_chunks: dict[str, list[int]] = {}
        self._hashes: dict[str, str] = {}
        self._matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # slug -> (chunk vectors, is_question)
        self._bm25 = BM25()
        self._lock = threading.RLock()  # guards the search structures; held briefly
        self._sync_lock = threading.Lock()  # one update at a time, searches go on meanwhile

    # -- content -----------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of articles."""
        return len(self._articles)

    def article(self, slug: str) -> Article | None:
        """The article with this slug, if known."""
        return self._articles.get(slug)

    def articles(self) -> list[Article]:
        """All articles, sorted by slug."""
        return [self._articles[s] for s in sorted(self._articles)]

    @property
    def vector_key(self) -> str:
        """Names model and chunking: stored chunk vectors are reusable only under the same key."""
        return f"{self.embedder.fingerprint}:chunks-v{CHUNK_FORMAT}"

    def entries(self) -> dict[str, tuple[str, list[int]]]:
        """What the index holds per article: content hash and chunk ids (what :mod:`knowledge.index_files` saves)."""
        with self._lock:
            return {s: (self._hashes[s], list(self._article_chunks.get(s, []))) for s in sorted(self._hashes)}

    # -- updates -----------------------------------------------------------------------------
    def sync(self, articles: Iterable[Article], saved: Mapping[str, tuple[str, list[int]]] | None = None) -> SyncStats:
        """Make the index match ``articles``, embedding only new or changed ones.

        ``saved`` names what the index already holds when it was loaded from disk (content hash and chunk ids per
        article); those articles are not embedded again while their content is unchanged.
        """
        with self._sync_lock:
            wanted = {a.slug: a for a in articles}
            with self._lock:
                for slug, (content_hash, ids) in (saved or {}).items():
                    self._hashes[slug] = content_hash
                    self._article_chunks[slug] = list(ids)
                removed = sorted(s for s in set(self._hashes) | set(self._articles) if s not in wanted)
            embedded = self._apply(list(wanted.values()), removed, {})
            with self._lock:
                self._restore_unchanged()
            return SyncStats(len(wanted), embedded, len(removed))

    def embed_article(self, article: Article) -> tuple[list[int], np.ndarray]:
        """Chunk ids and vectors of an article, as :meth:`apply` would compute them."""
        chunks = chunk_article(article)
        return [c.chunk_id for c in chunks], self._embed_chunks(chunks)

    def apply(self, upserts: Iterable[Article], removals: Iterable[str], vectors: Vectors | None = None) -> int:
        """Add or replace some articles and drop others, touching only their chunks; returns chunks embedded.

        ``vectors`` (by content hash) are chunk vectors computed elsewhere; articles without them are
        embedded here. Searches go on during the update and see either the old or the new state of an article.
        """
        with self._sync_lock:
            embedded = self._apply(list(upserts), list(removals), vectors or {})
            with self._lock:
                self._restore_unchanged()
            return embedded

    def _apply(self, upserts: list[Article], removals: list[str], given: Vectors) -> int:
        with self._lock:
            changed = [a for a in upserts if self._hashes.get(a.slug) != a.content_hash]
        # Embed outside the lock: searches go on against the old vectors meanwhile.
        new_chunks: list[Chunk] = []
        parts: list[np.ndarray] = []
        embedded = 0
        for a in changed:
            chunks = chunk_article(a)
            ids, matrix = given.get(a.content_hash, ([], np.zeros((0, self.embedder.dimension), np.float32)))
            if ids != [c.chunk_id for c in chunks] or matrix.shape[1] != self.embedder.dimension:
                matrix = self._embed_chunks(chunks)
                embedded += len(chunks)
            new_chunks.extend(chunks)
            parts.append(matrix)
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.embedder.dimension), np.float32)
        with self._lock:
            for slug in removals + [a.slug for a in changed]:
                self._drop(slug)
            self.index.upsert([c.chunk_id for c in new_chunks], vectors)
            for a in changed:
                self._hashes[a.slug] = a.content_hash
            for c in new_chunks:
                self._chunks[c.chunk_id] = c
                self._article_chunks.setdefault(c.slug, []).append(c.chunk_id)
            for a in changed:
                self._cache_matrix(a.slug)
            for slug in removals:
                self._articles.pop(slug, None)
            for a in upserts:  # metadata (owner, review date) may change without touching the vectors
                self._articles[a.slug] = a
            for a in changed:
                for cid in self._article_chunks.get(a.slug, []):
                    self._bm25.add(cid, self._chunks[cid].text)
        return embedded

    def _embed_chunks(self, chunks: list[Chunk]) -> np.ndarray:
        """Passages with the passage prompt, editor-collected questions with the query prompt."""
        vectors = np.zeros((len(chunks), self.embedder.dimension), np.float32)
        for kind, embed in (("passage", self.embedder.embed_passages), ("question", self.embedder.embed_queries)):
            idx = [i for i, c in enumerate(chunks) if c.kind == kind]
            if idx:
                vectors[idx] = embed([chunks[i].text for i in idx])
        return vectors

    def _cache_matrix(self, slug: str) -> None:
        ids = self._article_chunks.get(slug, [])
        matrix = np.stack([self.index.vector(i) for i in ids]) if ids else np.zeros((0, 1), np.float32)
        self._matrices[slug] = (matrix, np.array([self._chunks[i].kind == "question" for i in ids], dtype=bool))

    def _drop(self, slug: str) -> None:
        self._matrices.pop(slug, None)
        ids = self._article_chunks.pop(slug, [])
        self.index.remove(ids)
        for i in ids:
            self._chunks.pop(i, None)
            self._bm25.remove(i)
        self._hashes.pop(slug, None)

    def _restore_unchanged(self) -> None:
        """Vectors loaded from disk come without chunk texts: rebuild those (no embedding needed)."""
        for slug, article in self._articles.items():
            ids = self._article_chunks.get(slug, [])
            if ids and all(i in self._chunks for i in ids):
                continue
            chunks = chunk_article(article)
            self._article_chunks[slug] = [c.chunk_id for c in chunks]
            for c in chunks:
                self._chunks[c.chunk_id] = c
                self._bm25.add(c.chunk_id, c.text)
            self._cache_matrix(slug)

    # -- search ------------------------------------------------------------------------------
    def candidates(self, query: str, draft: Article | None = None) -> list[Candidate]:
        """Unfused per-article scores (dense blend and best chunk's BM25) for a query.

        With ``draft``, scored as if that unsaved article were published in place of its slug (nothing changes):
        its chunks are embedded on the fly and its BM25 statistics come from a copy of the lexical index.
        """
        query = query.strip()
        if not query:
            return []
        swap = self._embed_draft(draft) if draft is not None else None
        qvec = self.embedder.embed_queries([query])[0]
        with self._lock:
            if len(self.index) == 0 and swap is None:
                return []
            dense_chunks = dict(self.index.search(qvec, DENSE_CANDIDATES))
            if swap is None:
                found, _ = self._score(
                    query, dense_chunks, self._bm25, self._chunk_slug, lambda slug: blend(*self._matrices[slug], qvec)
                )
                return found
            bm25 = self._bm25.copy()
            slug_of = {cid: c.slug for cid, c in self._chunks.items()}
            matrices = dict(self._matrices)
        slug = swap.article.slug
        for cid in [i for i, s in slug_of.items() if s == slug]:
            bm25.remove(cid)
        for c in swap.chunks:
            bm25.add(c.chunk_id, c.text)
            slug_of[c.chunk_id] = c.slug

        def stored(other: str) -> tuple[float, float, float] | None:
            # The stored version of the draft's article is replaced by the draft itself.
            return blend(*matrices[other], qvec) if other != slug and other in matrices else None

        found, lexical = self._score(query, dense_chunks, bm25, slug_of.get, stored)
        return [*found, candidate(slug, blend(swap.vectors, swap.is_question, qvec), lexical.get(slug, 0.0))]

    def _score(
        self,
        query: str,
        dense_chunks: Mapping[int, float],
        bm25: BM25,
        slug_of: Callable[[int], str | None],
        dense_of: Callable[[str], tuple[float, float, float] | None],
    ) -> tuple[list[Candidate], dict[str, float]]:
        """Articles with a chunk among the dense or lexical candidates, and each article's best BM25 score."""
        lexical_chunks = bm25.scores(query)
        top_lexical = sorted(lexical_chunks, key=lexical_chunks.__getitem__, reverse=True)[:LEXICAL_CANDIDATES]
        slugs = {s for c in list(dense_chunks) + top_lexical if (s := slug_of(c)) is not None}
        lexical = best_per_article(top_lexical, lexical_chunks, {c: s for c in top_lexical if (s := slug_of(c))})
        found = []
        for slug in slugs:
            dense = dense_of(slug)
            if dense is not None:
                found.append(candidate(slug, dense, lexical.get(slug, 0.0)))
        return found, lexical

    def _chunk_slug(self, chunk_id: int) -> str | None:
        chunk = self._chunks.get(chunk_id)
        return chunk.slug if chunk is not None else None

    def _embed_draft(self, draft: Article) -> _Draft:
        chunks = chunk_article(draft)
        is_question = np.array([c.kind == "question" for c in chunks], dtype=bool)
        return _Draft(draft, chunks, self._embed_chunks(chunks), is_question)

    def rank(
        self, query: str, candidates: list[Candidate], k: int = 5, extra: dict[str, Article] | None = None
    ) -> SearchResult:
        """Fuse candidate scores with the current thresholds and decide the outcome.

        ``extra`` supplies articles not (or not in this form) in the base, e.g. an editor's unsaved draft.
        """
        t = self.thresholds
        hits = []
        for c in candidates:
            article = (extra or {}).get(c.slug) or self._articles.get(c.slug)
            if article is not None:
                hits.append(
                    SearchHit(
                        c.slug, article.title, fuse(c, t), c.dense, c.lexical, article.lead[:240], c.passage, c.question
                    )
                )
        hits.sort(key=lambda h: h.score, reverse=True)
        return SearchResult(query.strip(), decide(hits[:2], t), tuple(hits[:k]))

    def search_with_draft(self, query: str, draft: Article, k: int = 5) -> SearchResult:
        """Rank as if ``draft`` were published (replacing a stored article of the same slug); nothing changes."""
        if not query.strip():
            return SearchResult("", "none", ())
        return self.rank(query, self.candidates(query, draft), k, extra={draft.slug: draft})

    def coverage(self, query: str) -> tuple[int, int]:
        """Known and total distinct terms of ``query`` in the knowledge vocabulary (an IT-ness signal)."""
        with self._lock:
            return self._bm25.coverage(query)

    def search(self, query: str, k: int = 5) -> SearchResult:
        """Rank articles for ``query`` and decide answer / clarify / none."""
        return self.rank(query, self.candidates(query), k)


__all__ = [
    "CHUNK_FORMAT",
    "Candidate",
    "KnowledgeBase",
    "Outcome",
    "SearchHit",
    "SearchResult",
    "SyncStats",
    "Thresholds",
    "decide",
    "fuse",
]
