"""Hybrid search over articles with a calibrated three-way outcome: answer, clarify or none."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from knowledge.articles import Article, Chunk, chunk_article
from knowledge.embedder import Embedder
from knowledge.lexical import BM25
from knowledge.vector_index import FaissIndex

Outcome = Literal["answer", "clarify", "none"]
DENSE_CANDIDATES = 64
# Bump when chunk_article() or the embedding of chunks changes: saved vectors are then rebuilt.
CHUNK_FORMAT = 2
LEXICAL_CANDIDATES = 24


@dataclass(frozen=True)
class Thresholds:
    """Decision parameters; calibrated by ``knowledge/calibrate.py`` and stored in config."""

    answer: float = 0.86
    margin: float = 0.005
    clarify: float = 0.83
    lexical_weight: float = 0.05
    lexical_scale: float = 8.0

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        """Read the calibration file; unknown keys are an error, missing keys keep defaults."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(data) - set(asdict(cls()))
        if unknown:
            raise ValueError(f"{path}: unknown calibration keys {sorted(unknown)}")
        return cls(**{k: float(v) for k, v in data.items()})


@dataclass(frozen=True)
class SearchHit:
    """One article found for a query, with the parts of its score."""

    slug: str
    title: str
    score: float
    dense: float
    lexical: float
    snippet: str
    passage: float = 0.0  # best section cosine
    question: float = 0.0  # best editor-question cosine (0 when the article has none)


@dataclass(frozen=True)
class Candidate:
    """Unfused scores of one article for one query."""

    slug: str
    dense: float
    lexical: float
    passage: float = 0.0
    question: float = 0.0


def fuse(c: Candidate, t: Thresholds) -> float:
    """Dense cosine plus a saturating lexical bonus: a lexical miss never lowers a score."""
    if c.lexical <= 0:
        return c.dense
    return c.dense + t.lexical_weight * c.lexical / (c.lexical + t.lexical_scale)


@dataclass(frozen=True)
class SearchResult:
    """The ranked hits and what the assistant should do with them."""

    query: str
    outcome: Outcome
    hits: tuple[SearchHit, ...]

    @property
    def best(self) -> SearchHit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None


def decide(hits: tuple[SearchHit, ...] | list[SearchHit], t: Thresholds) -> Outcome:
    """Answer when the top hit is confident and clear of the runner-up; clarify when merely plausible."""
    if not hits:
        return "none"
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    if top >= t.answer and top - second >= t.margin:
        return "answer"
    if top >= t.clarify:
        return "clarify"
    return "none"


@dataclass(frozen=True)
class SyncStats:
    """What a sync changed."""

    articles: int
    embedded_chunks: int
    removed_articles: int


class KnowledgeBase:
    """Articles, their chunk vectors (FAISS) and a BM25 index; safe for concurrent searches."""

    MANIFEST = "manifest.json"
    VECTORS = "vectors.faiss"

    def __init__(self, embedder: Embedder, thresholds: Thresholds | None = None) -> None:
        """Empty knowledge base; call :meth:`sync` to load articles."""
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self._articles: dict[str, Article] = {}
        self._chunks: dict[int, Chunk] = {}
        self._article_chunks: dict[str, list[int]] = {}
        self._hashes: dict[str, str] = {}
        self._index: FaissIndex | None = None
        self._matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # slug -> (chunk vectors, is_question)
        self._bm25 = BM25()
        self._lock = threading.RLock()  # guards the search structures; held briefly
        self._sync_lock = threading.Lock()  # one sync at a time, searches go on meanwhile

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

    def sync(self, articles: Iterable[Article], index_dir: Path | None = None, persist: bool = False) -> SyncStats:
        """Make the index match ``articles``, embedding only new or changed ones.

        With ``index_dir`` a saved index is reused when it was built with the same model;
        ``persist`` writes the result back (only the build step does, so servers never race).
        """
        with self._sync_lock:
            return self._sync(articles, index_dir, persist)

    def _sync(self, articles: Iterable[Article], index_dir: Path | None, persist: bool) -> SyncStats:
        wanted = {a.slug: a for a in articles}
        with self._lock:
            if self._index is None:
                self._index = FaissIndex(self.embedder.dimension)
                if index_dir is not None:
                    self._load_saved(index_dir)
            removed = sorted(s for s in set(self._hashes) | set(self._articles) if s not in wanted)
        embedded = self._apply(list(wanted.values()), removed, {})
        with self._lock:
            self._restore_unchanged()
            if persist and index_dir is not None:
                self._save(index_dir)
        return SyncStats(len(wanted), embedded, len(removed))

    @property
    def vector_key(self) -> str:
        """Names model and chunking: stored chunk vectors are reusable only under the same key."""
        return f"{self.embedder.fingerprint}:chunks-v{CHUNK_FORMAT}"

    def embed_article(self, article: Article) -> tuple[list[int], np.ndarray]:
        """Chunk ids and vectors of an article, as :meth:`apply` would compute them."""
        chunks = chunk_article(article)
        return [c.chunk_id for c in chunks], self._embed_chunks(chunks)

    def apply(
        self,
        upserts: Iterable[Article],
        removals: Iterable[str],
        vectors: Mapping[str, tuple[list[int], np.ndarray]] | None = None,
    ) -> int:
        """Add or replace some articles and drop others, touching only their chunks; returns chunks embedded.

        ``vectors`` (by content hash) are chunk vectors computed elsewhere; articles without them are
        embedded here. Searches go on during the update and see either the old or the new state of an article.
        """
        with self._sync_lock:
            with self._lock:
                if self._index is None:
                    self._index = FaissIndex(self.embedder.dimension)
            embedded = self._apply(list(upserts), list(removals), vectors or {})
            with self._lock:
                self._restore_unchanged()
            return embedded

    def _apply(
        self, upserts: list[Article], removals: list[str], given: Mapping[str, tuple[list[int], np.ndarray]]
    ) -> int:
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
            assert self._index is not None
            self._index.upsert([c.chunk_id for c in new_chunks], vectors)
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
            self._rebuild_lexical_for(changed)
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
        assert self._index is not None
        ids = self._article_chunks.get(slug, [])
        matrix = np.stack([self._index.reconstruct(i) for i in ids]) if ids else np.zeros((0, 1), np.float32)
        self._matrices[slug] = (matrix, np.array([self._chunks[i].kind == "question" for i in ids], dtype=bool))

    def _drop(self, slug: str) -> None:
        self._matrices.pop(slug, None)
        ids = self._article_chunks.pop(slug, [])
        if self._index is not None:
            self._index.remove(ids)
        for i in ids:
            self._chunks.pop(i, None)
            self._bm25.remove(i)
        self._hashes.pop(slug, None)

    def _rebuild_lexical_for(self, changed: list[Article]) -> None:
        for a in changed:
            for cid in self._article_chunks.get(a.slug, []):
                self._bm25.add(cid, self._chunks[cid].text)

    def _load_saved(self, index_dir: Path) -> None:
        manifest_path, vectors_path = index_dir / self.MANIFEST, index_dir / self.VECTORS
        if not (manifest_path.is_file() and vectors_path.is_file()):
            return
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            index = FaissIndex.load(vectors_path)
        except (OSError, ValueError, RuntimeError):
            return  # unreadable: start afresh (the build step rewrites both files)
        if manifest.get("model") != self.embedder.fingerprint or manifest.get("format") != CHUNK_FORMAT:
            return  # built with another model or chunking: start afresh
        expected = sum(len(e["chunks"]) for e in manifest.get("articles", {}).values())
        if expected != len(index) or index.dimension != self.embedder.dimension:
            return  # vectors and manifest disagree: start afresh
        self._index = index
        # Chunks are rebuilt from the articles when they are synced; hashes say which vectors are current.
        for slug, entry in manifest.get("articles", {}).items():
            self._hashes[slug] = entry["hash"]
            self._article_chunks[slug] = list(entry["chunks"])

    def _save(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        assert self._index is not None
        self._index.save(index_dir / self.VECTORS)
        manifest = {
            "model": self.embedder.fingerprint,
            "format": CHUNK_FORMAT,
            "articles": {
                s: {"hash": self._hashes[s], "chunks": self._article_chunks.get(s, [])} for s in sorted(self._hashes)
            },
        }
        tmp = index_dir / (self.MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        tmp.replace(index_dir / self.MANIFEST)

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
    def candidates(self, query: str) -> list[Candidate]:
        """Unfused per-article scores (best chunk's cosine and best chunk's BM25) for a query."""
        query = query.strip()
        if not query:
            return []
        qvec = self.embedder.embed_queries([query])[0]
        with self._lock:
            if self._index is None or len(self._index) == 0:
                return []
            dense_chunks = dict(self._index.search(qvec, DENSE_CANDIDATES))
            lexical_chunks = self._bm25.scores(query)
            top_lexical = sorted(lexical_chunks, key=lexical_chunks.__getitem__, reverse=True)[:LEXICAL_CANDIDATES]
            slugs = {self._chunks[c].slug for c in list(dense_chunks) + top_lexical if c in self._chunks}
            dense_by_article = {slug: self._article_score(slug, qvec) for slug in slugs}
            slug_of = {cid: c.slug for cid in top_lexical if (c := self._chunks.get(cid)) is not None}
            lexical_by_article = _best_per_article(top_lexical, lexical_chunks, slug_of)
            return [_candidate(slug, d, lexical_by_article.get(slug, 0.0)) for slug, d in dense_by_article.items()]

    def _article_score(self, slug: str, qvec: np.ndarray) -> tuple[float, float, float]:
        """The article's dense score and its parts: see :func:`_blend`."""
        matrix, is_question = self._matrices[slug]
        return _blend(matrix, is_question, qvec)

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
        """Rank as if ``draft`` were published (replacing a stored article of the same slug); nothing changes.

        The editor's "Test" panel: the draft's chunks are embedded on the fly and scored like stored ones,
        its BM25 statistics come from a copy of the lexical index with the draft swapped in.
        """
        query = query.strip()
        if not query:
            return SearchResult("", "none", ())
        chunks = chunk_article(draft)
        vectors = self._embed_chunks(chunks)
        is_question = np.array([c.kind == "question" for c in chunks], dtype=bool)
        qvec = self.embedder.embed_queries([query])[0]
        with self._lock:
            bm25 = self._bm25.copy()
            dense_chunks = dict(self._index.search(qvec, DENSE_CANDIDATES)) if self._index is not None else {}
            slug_of = {cid: c.slug for cid, c in self._chunks.items()}
        for cid in [i for i, slug in slug_of.items() if slug == draft.slug]:
            bm25.remove(cid)
        for c in chunks:
            bm25.add(c.chunk_id, c.text)
            slug_of[c.chunk_id] = c.slug
        lexical_chunks = bm25.scores(query)
        top_lexical = sorted(lexical_chunks, key=lexical_chunks.__getitem__, reverse=True)[:LEXICAL_CANDIDATES]
        slugs = {slug_of[c] for c in list(dense_chunks) + top_lexical if c in slug_of} - {draft.slug}
        with self._lock:
            dense = {slug: self._article_score(slug, qvec) for slug in slugs if slug in self._matrices}
        dense[draft.slug] = _blend(vectors, is_question, qvec)
        lexical = _best_per_article(top_lexical, lexical_chunks, slug_of)
        candidates = [_candidate(slug, d, lexical.get(slug, 0.0)) for slug, d in dense.items()]
        return self.rank(query, candidates, k, extra={draft.slug: draft})

    def coverage(self, query: str) -> tuple[int, int]:
        """Known and total distinct terms of ``query`` in the knowledge vocabulary (an IT-ness signal)."""
        with self._lock:
            return self._bm25.coverage(query)

    def search(self, query: str, k: int = 5) -> SearchResult:
        """Rank articles for ``query`` and decide answer / clarify / none."""
        return self.rank(query, self.candidates(query), k)


def _candidate(slug: str, dense: tuple[float, float, float], lexical: float) -> Candidate:
    """A candidate from :func:`_blend`'s three numbers and the article's best BM25 score."""
    return Candidate(slug, dense=dense[0], lexical=lexical, passage=dense[1], question=dense[2])


def _best_per_article(chunk_ids: list[int], scores: dict[int, float], slug_of: Mapping[int, str]) -> dict[str, float]:
    """The best chunk score of each article among ``chunk_ids`` (chunks of unknown articles are skipped)."""
    best: dict[str, float] = {}
    for cid in chunk_ids:
        slug = slug_of.get(cid)
        if slug is not None:
            best[slug] = max(best.get(slug, 0.0), scores[cid])
    return best


def _blend(matrix: np.ndarray, is_question: np.ndarray, qvec: np.ndarray) -> tuple[float, float, float]:
    """Half the best section, half the mean of the two best editor questions (when there are any).

    Question-to-question cosines run higher than question-to-passage ones, so taking the plain
    maximum let the question lists dominate; the blend measured best on the dev set. Returns the
    blend, the best section cosine and the best question cosine (0 without questions).
    """
    scores = matrix @ qvec
    passages, questions = scores[~is_question], scores[is_question]
    best_p = float(passages.max()) if len(passages) else 0.0
    best_q = float(questions.max()) if len(questions) else 0.0
    if not len(questions):
        return best_p, best_p, 0.0
    if not len(passages):
        return float(np.sort(questions)[-2:].mean()), 0.0, best_q
    return 0.5 * best_p + 0.5 * float(np.sort(questions)[-2:].mean()), best_p, best_q


def open_knowledge_base(
    embedder: Embedder,
    articles: Iterable[Article],
    thresholds: Thresholds | None = None,
    index_dir: Path | None = None,
    persist: bool = False,
) -> tuple[KnowledgeBase, SyncStats]:
    """Build a ready knowledge base, reusing a saved index where it is current."""
    kb = KnowledgeBase(embedder, thresholds)
    stats = kb.sync(articles, index_dir=index_dir, persist=persist)
    return kb, stats
