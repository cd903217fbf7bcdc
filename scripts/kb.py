"""Knowledge content on the command line: build the search index, import and export article files.

    python -m scripts.kb index               # seed an empty database from the files, save the index
    python -m scripts.kb import [DIR]         # files -> database (new versions for changed articles)
    python -m scripts.kb export [DIR]         # database -> files (every status; lossless round trip)

The database is the source of truth at run time; ``knowledge/articles/`` is the seed content and the
format for keeping articles in Git.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from desk import article_files
from desk import articles as store
from desk.live_knowledge import seed_if_empty
from desk.runtime import LazyDesk
from knowledge.articles import ArticleError, load_articles
from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.index_files import open_knowledge_base
from settings import Settings


def build_index(settings: Settings) -> int:
    """Bring the saved index in ``var/index`` up to date with the published articles in the database."""
    start = time.perf_counter()
    desk = LazyDesk.of(settings)
    seeded = seed_if_empty(desk, settings.knowledge)
    if seeded:
        print(f"Knowledge: database seeded with {seeded} articles from {settings.knowledge.articles_dir}", flush=True)
    published = [r.article for r in store.all_records(desk.get().engine) if r.status == "published"]
    print(f"Knowledge index: {len(published)} published articles -> {settings.knowledge.index_dir} ...", flush=True)
    _, stats = open_knowledge_base(
        SentenceTransformerEmbedder(settings.knowledge.model_path),
        published,
        index_dir=settings.knowledge.index_dir,
        persist=True,
    )
    print(
        f"Knowledge index: {stats.embedded_chunks} chunks embedded, {stats.removed_articles} removed, "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return 0 if published else 1


def import_dir(settings: Settings, directory: Path) -> int:
    """Files -> database; running searches pick the changes up within seconds."""
    start = time.perf_counter()
    try:
        found = load_articles(directory)
    except ArticleError as exc:
        print(f"kb import: nothing imported, {exc}", file=sys.stderr)
        return 2
    stats = article_files.import_articles(LazyDesk.of(settings).get().engine, found)
    print(
        f"kb import: {len(found)} files from {directory}: {stats.created} new, {stats.updated} updated, "
        f"{stats.unchanged} unchanged ({time.perf_counter() - start:.2f} s)"
    )
    return 0


def export_dir(settings: Settings, directory: Path) -> int:
    """Database -> files (drafts and retired articles carry a ``status:`` line)."""
    start = time.perf_counter()
    engine = LazyDesk.of(settings).get().engine
    n = article_files.export_articles(engine, directory)
    extra = sorted(
        p.name for p in directory.glob("*.md") if store.get(engine, p.stem) is None
    )  # files of articles the database does not know
    print(f"kb export: {n} articles -> {directory} ({time.perf_counter() - start:.2f} s)")
    if extra:
        print(f"kb export: {len(extra)} file(s) there are not in the database: {', '.join(extra[:10])}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch the subcommand."""
    parser = argparse.ArgumentParser(prog="python -m scripts.kb", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("index", help="seed an empty database and save the search index")
    for name in ("import", "export"):
        p = sub.add_parser(name, help=f"{name} article files")
        p.add_argument("directory", nargs="?", type=Path, help="default: knowledge/articles")
    args = parser.parse_args(argv)
    settings = Settings.load()
    if args.command == "index":
        return build_index(settings)
    directory = args.directory or settings.knowledge.articles_dir
    return import_dir(settings, directory) if args.command == "import" else export_dir(settings, directory)


if __name__ == "__main__":
    sys.exit(main())
