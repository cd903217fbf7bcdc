"""Articles in the database: lossless files, versions, conflicts, audit, and the live index in two processes."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from desk import article_files
from desk import articles as store
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import LazyDesk
from knowledge.articles import ArticleError, chunk_article, load_articles, parse_article, serialize_article
from knowledge.embedder import HashingEmbedder
from knowledge.search import KnowledgeBase
from tests.conftest import ARTICLES_DIR, plain_settings, stand_in_kb

BEAMER = parse_article(
    """---
slug: beamer-sitzungssaal
title: Beamer im Sitzungssaal verbinden
language: de
tags: [beamer, projektor, sitzungssaal, hdmi]
questions:
  - "Wie verbinde ich den Beamer im Sitzungssaal?"
owner: Team Arbeitsplatz
reviewed: 2026-11-27
audience: alle Beschäftigten
---
Mit dem Beamer zeigen Sie Ihren Bildschirm im Sitzungssaal.

## So gehen Sie vor
1. Stecken Sie das HDMI-Kabel am Rednerpult in Ihr Notebook.
2. Drücken Sie Windows-Taste + P und wählen Sie „Duplizieren“.
"""
)


def test_every_seed_file_round_trips_byte_for_byte(articles) -> None:
    for path in sorted(ARTICLES_DIR.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert serialize_article(parse_article(text, str(path))) == text, path.name


def test_import_then_export_gives_the_same_files_and_a_second_import_changes_nothing(desk, articles, tmp_path):
    stats = article_files.import_articles(desk.engine, articles)
    assert (stats.created, stats.updated, stats.unchanged) == (len(articles), 0, 0)
    out = tmp_path / "export"
    assert article_files.export_articles(desk.engine, out) == len(articles)
    for path in sorted(ARTICLES_DIR.glob("*.md")):
        assert (out / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    again = article_files.import_articles(desk.engine, load_articles(out))
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(articles))


def test_drafts_retired_articles_notes_and_review_dates_survive_export_and_import(desk, tmp_path) -> None:
    article = replace(BEAMER, notes="Fragen aus der Lückenliste:\n- Beamer?", review_by=date(2027, 3, 1))
    store.create(desk.engine, replace(article, status="draft"), "Erika")
    article_files.export_articles(desk.engine, tmp_path)
    (back,) = load_articles(tmp_path)
    assert back.status == "draft" and back.notes == article.notes and back.review_by == date(2027, 3, 1)
    store.set_status(desk.engine, BEAMER.slug, "retired", "Erika")
    article_files.export_articles(desk.engine, tmp_path)
    assert load_articles(tmp_path)[0].status == "retired"


def test_saves_are_versions_and_a_stale_save_is_a_conflict_not_an_overwrite(desk) -> None:
    v1 = store.create(desk.engine, replace(BEAMER, status="draft"), "Erika")
    assert v1.version == 1 and v1.status == "draft"
    v2 = store.save(desk.engine, replace(BEAMER, title="Beamer verbinden"), 1, "Erika")
    assert v2.version == 2 and v2.article.title == "Beamer verbinden" and v2.status == "draft"
    with pytest.raises(store.Conflict) as conflict:
        store.save(desk.engine, replace(BEAMER, owner="Team X"), 1, "Max")
    assert conflict.value.current.version == 2 and conflict.value.current.updated_by == "Erika"
    assert store.get(desk.engine, BEAMER.slug).article.owner == "Team Arbeitsplatz"  # nothing overwritten
    history = store.versions(desk.engine, BEAMER.slug)
    assert [(v.version, v.author, v.change) for v in history] == [
        (2, "Erika", "Titel geändert"),
        (1, "Erika", "Angelegt"),
    ]
    assert "-title: Beamer im Sitzungssaal verbinden" in store.diff(history[1].source, history[0].source, "1", "2")


def test_two_editors_saving_at_once_one_wins(desk) -> None:
    store.create(desk.engine, BEAMER, "Erika")
    results: list[str] = []

    def edit(name: str) -> None:
        try:
            store.save(desk.engine, replace(BEAMER, owner=name), 1, name)
            results.append("saved")
        except store.Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=edit, args=(f"Editor{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 3 + ["saved"]
    assert store.get(desk.engine, BEAMER.slug).version == 2


def test_publish_retire_restore_are_audited_and_restore_is_a_new_version(desk) -> None:
    store.create(desk.engine, replace(BEAMER, status="draft"), "Erika")
    store.save(desk.engine, replace(BEAMER, body=BEAMER.body + "\n\nNeu."), 1, "Erika")
    published = store.set_status(desk.engine, BEAMER.slug, "published", "Max")
    assert published.status == "published" and published.version == 3
    restored = store.restore(desk.engine, BEAMER.slug, 1, 3, "Erika")
    assert restored.version == 4 and restored.article.body == BEAMER.body and restored.status == "published"
    with pytest.raises(store.Conflict):
        store.restore(desk.engine, BEAMER.slug, 1, 3, "Erika")
    store.set_status(desk.engine, BEAMER.slug, "retired", "Max")
    actions = [(e.action, e.actor) for e in store.audit(desk.engine, BEAMER.slug)]
    assert actions == [("retire", "Max"), ("restore", "Erika"), ("publish", "Max"), ("create", "Erika")]


def test_bad_front_matter_is_reported_per_field_in_german() -> None:
    from knowledge.articles import build_article

    with pytest.raises(ArticleError) as exc:
        build_article({"slug": "Mit Leerzeichen", "title": "", "reviewed": "gestern", "language": "fr"}, "  ")
    fields = exc.value.fields
    assert set(fields) >= {"slug", "title", "reviewed", "language", "body", "owner", "audience", "tags"}
    assert fields["title"] == "Bitte füllen Sie „Titel“ aus." and "JJJJ-MM-TT" in fields["reviewed"]


def _live(desk, kb: KnowledgeBase, *, follow: bool = False) -> LiveKnowledgeSource:
    # Most tests apply the changes themselves (refresh() names what it applied); a follower thread polling
    # every few milliseconds (or woken by PostgreSQL's NOTIFY) would race them and sometimes apply a change first.
    knowledge = plain_settings().knowledge
    return LiveKnowledgeSource(knowledge, LazyDesk.ready(desk), poll_s=0.05 if follow else 3600, kb=kb, listen=follow)


def _kb() -> KnowledgeBase:
    return stand_in_kb()


def test_two_processes_follow_publish_edit_and_retire_through_the_database(desk) -> None:
    first, second = _live(desk, _kb()), _live(desk, _kb())
    try:
        assert len(first.get()) == 60 and len(second.get()) == 60  # seeded from the files once
        store.create(desk.engine, replace(BEAMER, status="draft"), "Erika")
        first.refresh(), second.refresh()
        assert first.get().article(BEAMER.slug) is None  # drafts are not searchable
        store.set_status(desk.engine, BEAMER.slug, "published", "Erika")
        for source in (first, second):
            applied = source.refresh()
            assert applied.upserted == 1
            assert source.get().search("Beamer im Sitzungssaal verbinden").best.slug == BEAMER.slug
        store.save(desk.engine, replace(BEAMER, title="Projektor im Ratssaal anschließen"), 2, "Erika")
        second.refresh()
        assert second.get().article(BEAMER.slug).title == "Projektor im Ratssaal anschließen"
        store.set_status(desk.engine, BEAMER.slug, "retired", "Erika")
        second.refresh()
        assert second.get().article(BEAMER.slug) is None
        assert all(h.slug != BEAMER.slug for h in second.get().search("Beamer Sitzungssaal HDMI").hits)
    finally:
        first.stop(), second.stop()


def test_the_follower_thread_applies_changes_without_being_asked(desk) -> None:
    source = _live(desk, _kb(), follow=True)
    try:
        source.get()
        store.create(desk.engine, BEAMER, "Erika")  # created published
        for _ in range(100):
            if source.get().article(BEAMER.slug) is not None:
                break
            threading.Event().wait(0.05)
        assert source.get().article(BEAMER.slug) is not None
    finally:
        source.stop()


def test_apply_embeds_only_the_changed_article_and_searches_keep_working_meanwhile(articles) -> None:
    kb = _kb()
    kb.sync(articles)
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            try:
                assert kb.search("Drucker druckt nicht").hits
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    worker = threading.Thread(target=search_forever)
    worker.start()
    try:
        for i in range(20):
            embedded = kb.apply([replace(BEAMER, title=f"Beamer {i}")], [])
            assert embedded == len(chunk_article(BEAMER))
        assert kb.apply([], [BEAMER.slug]) == 0
    finally:
        stop.set()
        worker.join()
    assert not errors
    assert len(kb) == 60 and kb.article(BEAMER.slug) is None


def test_the_draft_test_ranks_the_unsaved_draft_and_leaves_the_base_alone(articles) -> None:
    kb = _kb()
    kb.sync(articles)
    before = kb.search("Beamer im Sitzungssaal verbinden")
    result = kb.search_with_draft("Beamer im Sitzungssaal verbinden", BEAMER)
    assert result.best.slug == BEAMER.slug and result.best.title == BEAMER.title
    assert kb.article(BEAMER.slug) is None
    assert kb.search("Beamer im Sitzungssaal verbinden") == before
    # A draft of an existing article replaces it in the test, not in the base.
    printer = kb.article("drucker-druckt-nicht")
    changed = replace(printer, title="Beamer im Sitzungssaal verbinden", questions=BEAMER.questions)
    assert kb.search_with_draft("Beamer im Sitzungssaal verbinden", changed).best.slug == "drucker-druckt-nicht"
    assert kb.article("drucker-druckt-nicht") == printer


class CountingEmbedder(HashingEmbedder):
    """Counts the passages it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts: list[str]):  # noqa: ANN201 - np.ndarray
        self.passages += len(texts)
        return super().embed_passages(texts)


def test_an_edit_is_embedded_once_by_the_saving_process_and_followers_reuse_its_vectors(desk) -> None:
    from desk.live_knowledge import prepare_vectors

    follower_kb = stand_in_kb(CountingEmbedder())
    follower = _live(desk, follower_kb)
    try:
        follower.get()
        before = follower_kb.embedder.passages
        prepare_vectors(_kb(), LazyDesk.ready(desk), BEAMER)  # the web process handling the PUT
        store.create(desk.engine, BEAMER, "Erika")
        assert follower.refresh().upserted == 1
        assert follower_kb.embedder.passages == before  # nothing embedded here
        assert follower.get().search("Beamer im Sitzungssaal verbinden").best.slug == BEAMER.slug
        # Content without stored vectors (e.g. an import) is embedded by the follower itself.
        store.save(desk.engine, replace(BEAMER, title="Beamer anschließen"), 1, "Import")
        follower.refresh()
        assert follower_kb.embedder.passages > before
    finally:
        follower.stop()


def test_seeding_is_all_or_nothing_when_two_processes_start_at_once(desk, articles) -> None:
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(article_files.seed_articles(desk.engine, articles)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, len(articles)]
    revision, records, _ = store.changed_since(desk.engine, -1)
    assert len(records) == len(articles) and {r.revision for r in records} == {records[0].revision}
