"""``POST /embeddings``: the action server's model, lent to the web service over loopback.

The web service holds no model of its own (see :mod:`knowledge.remote_embedder`). The action server binds
to loopback only, like Rasa's endpoint for it. A bad request gets a 400 with the reason; while the model is
still loading the answer is 503, which the web service's passage requests wait out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from knowledge.remote_embedder import KINDS, MAX_TEXTS, encode_vectors
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from knowledge.text_policy import LIMITS

MAX_CHARS = LIMITS["body"]  # a passage is a chunk of an article body at most


def problem(body: Any) -> str | None:
    """Why ``body`` is not an embeddings request, or ``None``."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with 'kind' and 'texts'"
    if body.get("kind") not in KINDS:
        return f"'kind' must be one of {', '.join(KINDS)}"
    texts = body.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return "'texts' must be a list of strings"
    if not 1 <= len(texts) <= MAX_TEXTS:
        return f"'texts' must hold 1 to {MAX_TEXTS} strings"
    if any(len(t) > MAX_CHARS for t in texts):
        return f"each text may have at most {MAX_CHARS} characters"
    return None


def add_embeddings_route(app: Sanic, knowledge: KnowledgeSource) -> None:
    """Register ``POST /embeddings`` on the action server's app."""

    async def embeddings(request: Request) -> HTTPResponse:
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - Sanic raises its own error type for malformed JSON
            body = None
        why = problem(body)
        if why is not None:
            return json({"error": why}, status=400)
        try:
            kb = await asyncio.to_thread(knowledge.get)
        except KnowledgeUnavailable:
            return json({"error": "the model is not loaded"}, status=503)
        embed = kb.embedder.embed_queries if body["kind"] == "query" else kb.embedder.embed_passages
        matrix = await asyncio.to_thread(embed, body["texts"])
        return json(
            {
                "fingerprint": kb.embedder.fingerprint,
                "dimension": kb.embedder.dimension,
                "vectors": encode_vectors(matrix),
            }
        )

    app.add_route(embeddings, "/embeddings", methods=["POST"], name="embeddings")
