"""CLI: bring the saved index in ``var/index`` up to date with the article files."""

from __future__ import annotations

import sys
import time

from knowledge.runtime import knowledge_base_from_settings
from knowledge.settings import Settings


def main() -> int:
    """Sync and persist; prints what changed."""
    settings = Settings.from_env()
    start = time.perf_counter()
    print(f"Knowledge index: syncing {settings.articles_dir} -> {settings.index_dir} ...", flush=True)
    kb, stats = knowledge_base_from_settings(settings, persist=True)
    print(
        f"Knowledge index: {stats.articles} articles, {stats.embedded_chunks} chunks embedded, "
        f"{stats.removed_articles} removed, {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return 0 if len(kb) else 1


if __name__ == "__main__":
    sys.exit(main())
