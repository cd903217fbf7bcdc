"""The saved index in ``var/index``: chunk vectors plus a manifest of what they belong to.

``make index`` writes it; a process that starts reads it, so only articles changed since are embedded. The
manifest names the model and the chunk format; anything that does not match (or does not read) is ignored and
the index is built afresh.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from knowledge.articles import Article, load_articles
from knowledge.embedder import Embedder
from knowledge.embedders import embedder_for
from knowledge.ranking import Thresholds
from knowledge.search import CHUNK_FORMAT, KnowledgeBase, SyncStats
from knowledge.vector_index import FaissIndex, VectorIndex
from settings import KnowledgeSettings

MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
Entries = dict[str, tuple[str, list[int]]]  # slug -> (content hash, chunk ids)


def read(index_dir: Path, fingerprint: str, index: VectorIndex) -> Entries:
    """Load the saved vectors into the empty ``index``; what they belong to, or ``{}`` (index left empty)."""
    manifest_path, vectors_path = index_dir / MANIFEST, index_dir / VECTORS
    if not (manifest_path.is_file() and vectors_path.is_file()):
        return {}
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("model") != fingerprint or manifest.get("format") != CHUNK_FORMAT:
            return {}  # built with another model or chunking: start afresh
        entries = {slug: (e["hash"], list(e["chunks"])) for slug, e in manifest.get("articles", {}).items()}
        index.load(vectors_path)
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # unreadable: start afresh (the build step rewrites both files)
    if sum(len(ids) for _, ids in entries.values()) != len(index):
        index.clear()  # vectors and manifest disagree: start afresh
        return {}
    return entries


def write(index_dir: Path, fingerprint: str, index: VectorIndex, entries: Entries) -> None:
    """Save vectors and manifest (each file atomically)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    index.save(index_dir / VECTORS)
    manifest = {
        "model": fingerprint,
        "format": CHUNK_FORMAT,
        "articles": {s: {"hash": h, "chunks": ids} for s, (h, ids) in sorted(entries.items())},
    }
    tmp = index_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    tmp.replace(index_dir / MANIFEST)


def open_knowledge_base(
    embedder: Embedder,
    articles: Iterable[Article],
    thresholds: Thresholds | None = None,
    index_dir: Path | None = None,
    persist: bool = False,
    index: VectorIndex | None = None,
) -> tuple[KnowledgeBase, SyncStats]:
    """A ready knowledge base, reusing the saved index in ``index_dir`` where it is current.

    ``persist`` writes the result back (only the build step does, so servers never race for the files).
    """
    index = index if index is not None else FaissIndex(embedder.dimension)
    saved = read(index_dir, embedder.fingerprint, index) if index_dir is not None else {}
    kb = KnowledgeBase(embedder, index, thresholds)
    stats = kb.sync(articles, saved)
    if persist and index_dir is not None:
        write(index_dir, embedder.fingerprint, kb.index, kb.entries())
    return kb, stats


def thresholds_of(settings: KnowledgeSettings) -> Thresholds:
    """The calibrated thresholds (defaults when the file is missing)."""
    return Thresholds.load(settings.calibration_file) if settings.calibration_file.is_file() else Thresholds()


def knowledge_base_from_files(settings: KnowledgeSettings, persist: bool = False) -> tuple[KnowledgeBase, SyncStats]:
    """The article files (not the database) with the real model: for offline tools, never for the servers.

    ``make calibrate``, ``make eval-knowledge``, ``make fit-decision`` and the benchmarks fit and measure on the
    committed seed articles; the running servers follow the database (:class:`desk.live_knowledge.LiveKnowledgeSource`).
    """
    return open_knowledge_base(
        embedder_for(settings),
        load_articles(settings.articles_dir),
        thresholds=thresholds_of(settings),
        index_dir=settings.index_dir,
        persist=persist,
    )
