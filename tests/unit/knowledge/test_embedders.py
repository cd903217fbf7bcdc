"""The serving embedder: backend by setting, and the query cache in front of it."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embedder import HashingEmbedder, SentenceTransformerEmbedder
from knowledge.embedders import CachedEmbedder, embedder_for
from knowledge.onnx_embedder import OnnxEmbedder


class Counting(HashingEmbedder):
    """Counts the texts the model itself had to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.passages: list[str] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += texts
        return super().embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += texts
        return super().embed_passages(texts)


def test_a_repeated_question_is_embedded_once_with_the_same_vector() -> None:
    inner = Counting()
    cached = CachedEmbedder(inner, size=8)
    first = cached.embed_queries(["Outlook startet nicht"])
    again = cached.embed_queries(["Outlook startet nicht", "VPN Fehler 809", "VPN Fehler 809"])
    assert inner.queries == ["Outlook startet nicht", "VPN Fehler 809"]
    np.testing.assert_array_equal(again[0], first[0])
    direct = HashingEmbedder().embed_queries(["Outlook startet nicht", "VPN Fehler 809", "VPN Fehler 809"])
    np.testing.assert_array_equal(again, direct)
    assert (cached.hits, cached.misses) == (1, 2)


def test_the_least_recently_used_question_leaves_first() -> None:
    inner = Counting()
    cached = CachedEmbedder(inner, size=2)
    cached.embed_queries(["a"])
    cached.embed_queries(["b"])
    cached.embed_queries(["a"])  # a is now the most recent
    cached.embed_queries(["c"])  # b leaves
    inner.queries.clear()
    cached.embed_queries(["a", "b"])
    assert inner.queries == ["b"]


def test_cached_vectors_cannot_be_changed_by_a_caller() -> None:
    cached = CachedEmbedder(Counting(), size=4)
    cached.embed_queries(["Drucker"])
    stored = cached._vectors["Drucker"]
    with pytest.raises(ValueError):
        stored[0] = 1.0
    returned = cached.embed_queries(["Drucker"])
    returned[0, 0] = 5.0  # the caller's copy only
    assert cached.embed_queries(["Drucker"])[0, 0] != 5.0


def test_passages_are_never_cached_and_the_fingerprint_is_the_models() -> None:
    inner = Counting()
    cached = CachedEmbedder(inner, size=4)
    cached.embed_passages(["Artikel"])
    cached.embed_passages(["Artikel"])
    assert inner.passages == ["Artikel", "Artikel"]
    assert cached.fingerprint == inner.fingerprint and cached.dimension == inner.dimension


def test_backend_and_cache_follow_the_settings(settings) -> None:
    knowledge = settings.knowledge
    served = embedder_for(knowledge)
    assert isinstance(served, CachedEmbedder) and isinstance(served.inner, OnnxEmbedder)
    assert served.inner.batch_size == 1 and served.inner.folder.name.endswith("-onnx-fp32")
    assert served.size == knowledge.query_cache_size == 4096
    torch = embedder_for(knowledge.model_copy(update={"embedding_backend": "torch"}))
    assert isinstance(torch, CachedEmbedder) and isinstance(torch.inner, SentenceTransformerEmbedder)
    int8 = knowledge.model_copy(update={"onnx_precision": "int8"})
    assert embedder_for(int8).inner.folder.name.endswith("-onnx")  # type: ignore[attr-defined]
    assert not isinstance(embedder_for(knowledge.model_copy(update={"query_cache_size": 0})), CachedEmbedder)
    with pytest.raises(ValueError, match="SERVICEDESK_EMBEDDING_BACKEND"):
        embedder_for(knowledge.model_copy(update={"embedding_backend": "gpu"}))


def test_the_backend_setting_is_checked_at_load(tmp_path) -> None:
    from settings import Settings, SettingsError

    env = {"SERVICEDESK_EMBEDDING_BACKEND": "gpu", "SERVICEDESK_VAR_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match="SERVICEDESK_EMBEDDING_BACKEND"):
        Settings.load(env=env, dotenv=tmp_path / "no.env")


def test_a_missing_onnx_export_names_the_command(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="make build"):
        OnnxEmbedder(tmp_path / "nothing").embed_queries(["x"])
