"""A request that finds the records database down gets 503 with Retry-After, not "internal error" (kill -9 matrix)."""

from __future__ import annotations

import logging

import pytest
from sanic import Request
from sqlalchemy.exc import OperationalError

from knowledge.source import StaticKnowledgeSource
from tests.conftest import web_app


@pytest.mark.parametrize("path", ["/api/records-down", "/records-down"])
async def test_a_database_outage_is_503_with_retry_after_and_one_log_line(
    settings, hashing_kb, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    app = web_app(settings, StaticKnowledgeSource(hashing_kb))

    @app.get(path)
    async def down(request: Request) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    with caplog.at_level(logging.WARNING, logger="web.errors"):
        _, resp = await app.asgi_client.get(path)
    assert resp.status == 503 and resp.headers["retry-after"] == "2"
    if path.startswith("/api/"):
        assert (
            resp.json["error"]
            == "Der Dienst ist gerade kurz nicht erreichbar. Bitte versuchen Sie es in einigen Sekunden noch einmal."
        )
    else:
        assert "briefly unavailable" in resp.text
    logged = [r for r in caplog.records if r.name == "web.errors"]
    assert [r.getMessage() for r in logged] == [f"records database unavailable in GET {path} (ConnectionRefusedError)"]
    assert all(r.exc_info is None for r in logged)
