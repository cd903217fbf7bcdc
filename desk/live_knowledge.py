"""The knowledge base every searching process uses, kept in step with the articles in the database.

Each process (web service, action server, a second instance on another machine) polls one number, the
"knowledge" counter, a few times a second (SQLite); on PostgreSQL it waits for that counter's NOTIFY instead and
looks once a second besides (desk/notify.py). When it grew, the process reads the articles changed since and
re-embeds only their chunks; searches go on meanwhile. The database is the only channel, so this holds for
any number of processes and machines sharing it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from desk import article_files, notify
from desk import article_vectors as vectors_store
from desk import articles as store
from desk.runtime import LazyDesk
from knowledge.articles import Article, load_articles
from knowledge.embedder import Embedder
from knowledge.embedders import embedder_for
from knowledge.index_files import open_knowledge_base, thresholds_of
from knowledge.search import KnowledgeBase
from knowledge.source import KnowledgeUnavailable
from settings import KnowledgeSettings

logger = logging.getLogger(__name__)
LISTEN_CHECK_S = 1.0  # on PostgreSQL: the longest wait for a signal before looking anyway


@dataclass(frozen=True)
class Applied:
    """What one catch-up applied."""

    revision: int
    upserted: int
    removed: int
    damaged: dict[str, str] = field(default_factory=dict)  # slug -> why its text cannot be read
    readable: list[str] = field(default_factory=list)  # slugs read fine (a repaired article leaves `damaged`)


def prepare_vectors(kb: KnowledgeBase, engine_desk: LazyDesk, article: Article) -> None:
    """Embed an article's content once and store it, before the edit is saved, for every follower."""
    engine = engine_desk.get().engine
    if not vectors_store.has_vectors(engine, article.content_hash, kb.vector_key):
        ids, matrix = kb.embed_article(article)
        vectors_store.put_vectors(engine, article.content_hash, kb.vector_key, ids, matrix)


def seed_if_empty(engine_desk: LazyDesk, settings: KnowledgeSettings) -> int:
    """A fresh database gets the article files (the seed content); returns how many were created."""
    engine = engine_desk.get().engine
    if store.count(engine):
        return 0
    created = article_files.seed_articles(engine, load_articles(settings.articles_dir))
    if created:
        logger.info("knowledge: seeded %d articles from %s", created, settings.articles_dir)
    return created


def catch_up(kb: KnowledgeBase, engine_desk: LazyDesk, seen: int) -> Applied:
    """Apply every article change after revision ``seen`` to ``kb``.

    An article whose stored text cannot be read is taken out of the index (its last text is unknown) and
    reported in ``damaged``; the other changes are applied as usual.
    """
    revision, records, damaged = store.changed_since(engine_desk.get().engine, seen)
    if not records and not damaged:
        return Applied(revision, 0, 0)
    live = [r.article for r in records if r.status == "published"]
    gone = [r.slug for r in records if r.status != "published"] + [d.slug for d in damaged]
    # Vectors stored by the process that saved the edit: applying it here costs no embedding.
    vectors = vectors_store.get_vectors(engine_desk.get().engine, kb.vector_key, [a.content_hash for a in live])
    kb.apply(live, gone, vectors)
    return Applied(revision, len(live), len(gone), {d.slug: d.error for d in damaged}, [r.slug for r in records])


class LiveKnowledgeSource:
    """Loads the published articles from the database on first use and follows their changes.

    The knowledge source of every server (a :class:`knowledge.source.KnowledgeSource`).
    """

    def __init__(
        self,
        settings: KnowledgeSettings,
        desk: LazyDesk,
        poll_s: float = 0.25,
        kb: KnowledgeBase | None = None,
        embedder: Embedder | None = None,
        listen: bool = True,
    ) -> None:
        """Nothing is loaded here; ``kb`` lets tests pass a base built with a stand-in embedder.

        ``embedder`` replaces the configured backend (the web service passes the action server's). ``listen``: on
        PostgreSQL, follow the counter's NOTIFY (looking every :data:`LISTEN_CHECK_S` besides) rather than poll.
        """
        self.settings = settings
        self.embedder = embedder
        self.desk = desk
        self.poll_s = poll_s
        self.listen = listen
        self._kb = kb
        self._loaded = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.revision = -1
        self.error: str | None = None
        # Articles whose stored text cannot be read: skipped, logged, named in /health and the editor.
        self.damaged: dict[str, str] = {}

    @property
    def ready(self) -> bool:
        """True once the knowledge base is loaded."""
        return self._loaded

    def get(self) -> KnowledgeBase:
        """The knowledge base; raises :class:`KnowledgeUnavailable` if it cannot be loaded."""
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    try:
                        self._load()
                    except Exception as exc:  # noqa: BLE001 - any failure means "not available", /health says why
                        self.error = f"{type(exc).__name__}: {exc}"
                        raise KnowledgeUnavailable(self.error) from exc
        assert self._kb is not None
        if self._thread is None or not self._thread.is_alive():
            self._start_following()  # also after stop(): a server that starts again follows again
        return self._kb

    def _start_following(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._follow, args=(self._stop,), name="knowledge-follow", daemon=True
            )
            self._thread.start()

    def warm_up(self) -> None:
        """Load now, so the first employee does not wait."""
        self.get()

    def _load(self) -> None:
        seed_if_empty(self.desk, self.settings)
        engine = self.desk.get().engine
        revision, records, damaged = store.changed_since(engine, -1)
        self.damaged = {d.slug: d.error for d in damaged}
        published = [r.article for r in records if r.status == "published"]
        if self._kb is None:
            s = self.settings
            # The saved index (``make index``) spares embedding what has not changed since it was built.
            self._kb, _ = open_knowledge_base(
                self.embedder or embedder_for(s), published, thresholds_of(s), index_dir=s.index_dir
            )
        else:
            self._kb.sync(published)
        self.revision = revision
        self.error = None
        self._loaded = True

    def refresh(self) -> Applied:
        """Apply pending changes now (the follower thread calls this; tests may too)."""
        assert self._kb is not None
        applied = catch_up(self._kb, self.desk, self.revision)
        damaged = {k: v for k, v in self.damaged.items() if k not in applied.readable}
        self.damaged = damaged | applied.damaged
        if applied.upserted or applied.removed:
            logger.info(
                "knowledge: revision %d, %d article(s) updated, %d removed",
                applied.revision,
                applied.upserted,
                applied.removed,
            )
        self.revision = applied.revision
        return applied

    def _follow(self, stop: threading.Event) -> None:
        engine = self.desk.get().engine
        waiter = notify.CounterWaiter(engine, "knowledge") if self.listen and notify.listens(engine) else None
        try:
            while not (stop.is_set() if waiter else stop.wait(self.poll_s)):
                if waiter is not None:
                    waiter.wait(LISTEN_CHECK_S)
                try:
                    self.refresh()
                except Exception:  # noqa: BLE001 - a database hiccup must not end the follower; retried next tick
                    logger.exception("knowledge: catching up failed")
                    time.sleep(min(5.0, self.poll_s * 8))
        finally:
            if waiter is not None:
                waiter.close()

    def stop(self) -> None:
        """End the follower thread (tests, shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
