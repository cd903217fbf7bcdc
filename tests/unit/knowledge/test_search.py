from dataclasses import replace

import numpy as np

from knowledge import index_files
from knowledge.articles import split_sections
from knowledge.embedder import HashingEmbedder
from knowledge.index_files import open_knowledge_base
from knowledge.search import Candidate, KnowledgeBase, SearchHit, Thresholds, decide, fuse
from knowledge.vector_index import FaissIndex, NumpyIndex


class CountingEmbedder:
    """Counts how many chunk texts were embedded (passages and editor questions alike)."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.dimension = self.inner.dimension
        self.fingerprint = self.inner.fingerprint
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_queries(texts)


def hit(slug: str, score: float) -> SearchHit:
    return SearchHit(slug, slug, score, score, 0.0, "")


def test_decide_three_outcomes() -> None:
    t = Thresholds(answer=0.85, margin=0.01, clarify=0.80)
    assert decide([hit("a", 0.90), hit("b", 0.85)], t) == "answer"
    assert decide([hit("a", 0.90), hit("b", 0.895)], t) == "clarify"  # too close to the runner-up
    assert decide([hit("a", 0.82)], t) == "clarify"
    assert decide([hit("a", 0.79)], t) == "none"
    assert decide([], t) == "none"


def test_lexical_bonus_only_adds() -> None:
    t = Thresholds(lexical_weight=0.1, lexical_scale=5.0)
    assert fuse(Candidate("a", 0.8, 0.0), t) == 0.8
    assert 0.8 < fuse(Candidate("a", 0.8, 5.0), t) <= 0.9
    assert fuse(Candidate("a", 0.8, 50.0), t) < 0.9  # saturates


def test_sync_embeds_only_changed_articles_and_drops_removed(articles) -> None:
    emb = CountingEmbedder()
    kb, stats = open_knowledge_base(emb, articles)
    first = emb.passages
    assert stats.articles == len(articles) and first == stats.embedded_chunks > len(articles)
    edited = replace(articles[0], body=articles[0].body + "\n\nNeuer Hinweis zum Beamer im Sitzungssaal.")
    stats2 = kb.sync([edited] + articles[2:])
    assert stats2.removed_articles == 1
    assert emb.passages - first == stats2.embedded_chunks == len(edited.sections) + len(edited.questions)
    assert kb.article(articles[1].slug) is None
    assert kb.article(edited.slug).body.endswith("Sitzungssaal.")
    before = emb.passages
    assert all(h.slug != articles[1].slug for h in kb.search(articles[1].title, k=10).hits)
    assert emb.passages == before + 1  # the query itself


def test_saved_index_is_reused_without_embedding(articles, tmp_path) -> None:
    open_knowledge_base(CountingEmbedder(), articles, index_dir=tmp_path, persist=True)
    emb = CountingEmbedder()
    kb, stats = open_knowledge_base(emb, articles, index_dir=tmp_path)
    assert emb.passages == 0 and stats.embedded_chunks == 0
    result = kb.search("Drucker druckt nicht Warteschlange", k=3)
    assert result.hits and result.hits[0].slug.startswith("drucker")


def test_index_from_another_model_is_rebuilt(articles, tmp_path) -> None:
    open_knowledge_base(CountingEmbedder(), articles[:3], index_dir=tmp_path, persist=True)
    other = HashingEmbedder(dimension=128)
    kb, stats = open_knowledge_base(other, articles[:3], index_dir=tmp_path)
    assert stats.embedded_chunks > 0 and len(kb) == 3


def test_exact_error_code_finds_its_article_through_the_lexical_signal(hashing_kb: KnowledgeBase) -> None:
    result = hashing_kb.search("0xC004F074", k=3)
    assert result.hits[0].slug == "office-aktivierung"
    assert result.hits[0].lexical > 0


def test_empty_query_is_none(hashing_kb: KnowledgeBase) -> None:
    assert hashing_kb.search("   ").outcome == "none"


def test_saved_index_with_an_edited_and_a_removed_article(articles, tmp_path) -> None:
    open_knowledge_base(CountingEmbedder(), articles, index_dir=tmp_path, persist=True)
    body = articles[3].body + "\n\nZusatz: Codewort XQ7Z9QK."
    edited = replace(articles[3], body=body, sections=split_sections(body))
    emb = CountingEmbedder()
    kb, stats = open_knowledge_base(emb, [edited] + articles[5:], index_dir=tmp_path)
    assert stats.embedded_chunks == emb.passages == len(edited.sections) + len(edited.questions)
    assert stats.removed_articles == 4 and len(kb) == len(articles) - 4
    lexical = {c.slug for c in kb.candidates("XQ7Z9QK") if c.lexical > 0}
    assert lexical == {edited.slug}  # the edit is searchable, old text of unchanged articles too
    assert all(h.slug != articles[0].slug for h in kb.search(articles[0].title, k=20).hits)


def test_a_corrupt_or_mismatched_saved_index_is_rebuilt(articles, tmp_path) -> None:
    open_knowledge_base(CountingEmbedder(), articles[:4], index_dir=tmp_path, persist=True)
    (tmp_path / index_files.VECTORS).write_bytes(b"not a faiss file")
    emb = CountingEmbedder()
    kb, stats = open_knowledge_base(emb, articles[:4], index_dir=tmp_path)
    assert stats.embedded_chunks > 0 and len(kb) == 4
    assert kb.search(articles[2].title, k=1).hits[0].slug == articles[2].slug


def test_the_knowledge_base_ranks_the_same_on_any_vector_index(articles) -> None:
    """``KnowledgeBase(embedder, index)``: the NumPy reference index gives the FAISS ranking."""
    emb = HashingEmbedder()
    faiss_kb, _ = open_knowledge_base(emb, articles, index=FaissIndex(emb.dimension))
    numpy_kb, _ = open_knowledge_base(emb, articles, index=NumpyIndex(emb.dimension))
    for query in ("Drucker druckt nicht", "VPN Fehler 809", "Passwort vergessen", "0xC004F074"):
        mine, theirs = numpy_kb.search(query, 5), faiss_kb.search(query, 5)
        assert [h.slug for h in mine.hits] == [h.slug for h in theirs.hits] and mine.outcome == theirs.outcome


def test_the_draft_test_is_the_normal_search_with_the_draft_in_place(hashing_kb: KnowledgeBase) -> None:
    """An unchanged draft ranks exactly like the stored article; a changed one moves only its own article."""
    stored = hashing_kb.article("vpn-fehler")
    assert stored is not None
    for query in ("VPN Verbindung bricht ab Fehler 809", "Drucker druckt nicht"):
        normal, draft = hashing_kb.search(query), hashing_kb.search_with_draft(query, stored)
        assert [(h.slug, round(h.score, 6)) for h in draft.hits] == [(h.slug, round(h.score, 6)) for h in normal.hits]
    body = stored.body + "\n\nZusatz: Codewort XQ7Z9QK."
    changed = replace(stored, body=body, sections=split_sections(body))
    assert hashing_kb.search_with_draft("XQ7Z9QK", changed).hits[0].slug == "vpn-fehler"
    assert all(h.slug != "vpn-fehler" or h.lexical == 0 for h in hashing_kb.search("XQ7Z9QK").hits)  # nothing saved
