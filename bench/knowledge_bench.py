"""Knowledge retrieval speed and memory: 60 articles, then with 2,830 German distractor snippets.

Prints index build time, query latency p50/p95 (embedding + search), top-1 on the dev set, and RSS.
The distractor index is cached in var/bench/ (its build time is printed when it is built).
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import date
from pathlib import Path

from bench.common import percentile, rss_mb
from knowledge.articles import Article, Section, load_articles
from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.evaluate import load_dev_set
from knowledge.index_files import open_knowledge_base
from knowledge.search import Thresholds
from settings import ROOT, KnowledgeSettings

DISTRACTORS = ROOT.parent / "shared" / "data" / "ms-alchemyinsights-de" / "articles_de.jsonl"
_MD = re.compile(r"<[^>]+>|\[|\]\([^)]*\)|[#*`]")


def distractor_articles(path: Path) -> list[Article]:
    """Each snippet becomes one article with one section (title + first 1,000 characters)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        body = _MD.sub("", d["text"]).strip()[:1000] or d["title"]
        slug = "ms-" + re.sub(r"[^a-z0-9]+", "-", d["id"].lower()).strip("-")
        out.append(
            Article(
                slug, d["title"], "de", ("microsoft",), "extern", date(2021, 10, 7), "Admin", body, (Section("", body),)
            )
        )
    return out


def query_latencies(kb, questions: list[str]) -> list[float]:
    kb.search("Aufwärmen")  # first call pays one-off costs
    out = []
    for q in questions:
        t0 = time.perf_counter()
        kb.search(q, k=5)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def top1(kb, dev) -> float:
    inscope = [d for d in dev if d.slug != "none"]
    return sum(1 for d in inscope if (h := kb.search(d.q, k=1).best) and h.slug == d.slug) / len(inscope)


def main() -> None:
    settings = KnowledgeSettings()
    thresholds = Thresholds.load(settings.calibration_file)
    dev = load_dev_set(ROOT / "tests/data/knowledge_dev.yml")
    questions = [d.q for d in dev]
    articles = load_articles(settings.articles_dir)
    embedder = SentenceTransformerEmbedder(settings.model_path)
    t0 = time.perf_counter()
    embedder.warm_up()
    print(
        f"model load: {time.perf_counter() - t0:.1f} s   torch threads: {os.environ.get('OMP_NUM_THREADS', 'default')}"
    )

    t0 = time.perf_counter()
    kb, stats = open_knowledge_base(embedder, articles, thresholds)
    build = time.perf_counter() - t0
    lat = query_latencies(kb, questions)
    print(
        f"\n60 articles: {stats.embedded_chunks} chunks, index build {build:.1f} s "
        f"({build / stats.embedded_chunks * 1000:.0f} ms/chunk)"
    )
    print(
        f"  query latency over {len(lat)} dev questions: p50 {percentile(lat, 50):.1f} ms   "
        f"p95 {percentile(lat, 95):.1f} ms"
    )
    print(f"  dev top-1 (in scope): {top1(kb, dev):.3f}   RSS {rss_mb(os.getpid()):.0f} MB")

    if not DISTRACTORS.is_file():
        print(f"\n(distractor corpus not found at {DISTRACTORS}; skipped that part)")
        return
    extra = distractor_articles(DISTRACTORS)
    cache = ROOT / "var" / "bench" / "distractors"
    t0 = time.perf_counter()
    big, stats = open_knowledge_base(embedder, articles + extra, thresholds, index_dir=cache, persist=True)
    build = time.perf_counter() - t0
    note = (
        "from cache" if stats.embedded_chunks == 0 else f"{build / max(stats.embedded_chunks, 1) * 1000:.0f} ms/chunk"
    )
    print(
        f"\n60 articles + {len(extra)} distractors: {len(big)} articles, {stats.embedded_chunks} chunks embedded "
        f"now, build/load {build:.1f} s ({note})"
    )
    lat = query_latencies(big, questions)
    print(
        f"  query latency over {len(lat)} dev questions: p50 {percentile(lat, 50):.1f} ms   "
        f"p95 {percentile(lat, 95):.1f} ms"
    )
    print(f"  dev top-1 (in scope, distractors competing): {top1(big, dev):.3f}   RSS {rss_mb(os.getpid()):.0f} MB")


if __name__ == "__main__":
    main()
