"""The web service's vectors come from the action server's ``POST /embeddings``: the same vectors, checked."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from sanic import Sanic

from actions.embeddings import add_embeddings_route
from knowledge.embedder import HashingEmbedder
from knowledge.remote_embedder import EmbeddingsUnavailable, RemoteEmbedder, decode_vectors, encode_vectors
from knowledge.source import KnowledgeUnavailable, StaticKnowledgeSource


class Unavailable:
    def get(self):  # noqa: ANN201 - a knowledge source that has not loaded
        raise KnowledgeUnavailable("loading")


def action_app(source, name: str) -> Sanic:  # noqa: ANN001
    app = Sanic(name)
    add_embeddings_route(app, source)
    return app


async def test_the_route_returns_the_models_vectors_and_refuses_bad_requests(hashing_kb) -> None:
    app = action_app(StaticKnowledgeSource(hashing_kb), "emb_ok")
    texts = ["Drucker druckt nicht", "VPN Fehler 809"]
    _, reply = await app.asgi_client.post("/embeddings", json={"kind": "passage", "texts": texts})
    assert reply.status == 200 and reply.json["fingerprint"] == hashing_kb.embedder.fingerprint
    got = decode_vectors(reply.json["vectors"], 2, hashing_kb.embedder.dimension)
    assert np.allclose(got, hashing_kb.embedder.embed_passages(texts))
    for bad in ({"kind": "both", "texts": ["x"]}, {"kind": "query", "texts": []}, {"kind": "query", "texts": [3]}, []):
        _, reply = await app.asgi_client.post("/embeddings", json=bad)
        assert reply.status == 400 and reply.json["error"]
    _, reply = await app.asgi_client.post("/embeddings", json={"kind": "query", "texts": ["x"] * 257})
    assert reply.status == 400


async def test_a_loading_model_is_503() -> None:
    _, reply = await action_app(Unavailable(), "emb_503").asgi_client.post(
        "/embeddings", json={"kind": "query", "texts": ["x"]}
    )
    assert reply.status == 503


async def test_the_web_side_reads_what_the_route_wrote_and_checks_the_model(hashing_kb) -> None:
    app = action_app(StaticKnowledgeSource(hashing_kb), "emb_pair")
    texts = ["Kennwort vergessen"]
    _, reply = await app.asgi_client.post("/embeddings", json={"kind": "query", "texts": texts})
    body = reply.json
    seen: list[dict] = []

    def action_server(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Response(200, content=request.content).json())
        return httpx.Response(200, json=body)

    e = hashing_kb.embedder
    remote = RemoteEmbedder(
        "http://127.0.0.1:1", e.fingerprint, e.dimension, transport=httpx.MockTransport(action_server)
    )
    assert np.allclose(remote.embed_queries(texts), e.embed_queries(texts))
    assert seen == [{"kind": "query", "texts": texts}]
    other = RemoteEmbedder(
        "http://127.0.0.1:1", "another-model:0", e.dimension, transport=httpx.MockTransport(action_server)
    )
    with pytest.raises(EmbeddingsUnavailable, match="another-model"):
        other.embed_queries(texts)  # vectors of another build are never mixed into an index


def test_an_unreachable_action_server_is_knowledge_unavailable() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    remote = RemoteEmbedder("http://127.0.0.1:1", "m:1", 8, transport=httpx.MockTransport(refused))
    with pytest.raises(KnowledgeUnavailable):  # the web routes answer 503, as for a missing model
        remote.embed_queries(["x"])


def test_long_lists_go_in_several_requests() -> None:
    inner = HashingEmbedder(8)
    sizes: list[int] = []

    def action_server(request: httpx.Request) -> httpx.Response:
        texts = httpx.Response(200, content=request.content).json()["texts"]
        sizes.append(len(texts))
        vectors = encode_vectors(inner.embed_passages(texts))
        return httpx.Response(200, json={"fingerprint": inner.fingerprint, "vectors": vectors})

    remote = RemoteEmbedder("http://x", inner.fingerprint, 8, transport=httpx.MockTransport(action_server))
    texts = [f"Abschnitt {i}" for i in range(300)]
    assert np.allclose(remote.embed_passages(texts), inner.embed_passages(texts))
    assert sizes == [256, 44]


def test_a_truncated_reply_is_an_error_not_a_reshaped_guess() -> None:
    with pytest.raises(ValueError, match="expected 2x4"):
        decode_vectors(encode_vectors(np.zeros((1, 4), np.float32)), 2, 4)
