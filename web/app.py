"""Application factory for the web service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from sanic import Sanic
from sanic.response import HTTPResponse, file

from knowledge.runtime import KnowledgeSource, KnowledgeUnavailable, LazyKnowledgeSource
from knowledge.settings import Settings
from web.chat.routes import bp as chat_bp
from web.health.routes import bp as health_bp
from web.knowledge.routes import bp as knowledge_bp

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings,
    knowledge: KnowledgeSource | None = None,
    name: str = "servicedesk",
    warm_up: bool = True,
) -> Sanic:
    """Build the app; each test builds its own. The knowledge base loads before serving."""
    app = Sanic(name, configure_logging=False)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.knowledge = knowledge or LazyKnowledgeSource(settings)
    app.blueprint(health_bp)
    app.blueprint(knowledge_bp)
    app.blueprint(chat_bp)

    @app.get("/openapi.yaml", name="openapi")
    async def openapi(_request: object) -> HTTPResponse:
        return await file(STATIC / "openapi.yaml", mime_type="application/yaml")

    @app.on_response
    async def _security_headers(_request: object, response: HTTPResponse) -> None:
        # Our pages load only our own scripts; inline styles are used by the article pages.
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")

    @app.before_server_start
    async def _start(app: Sanic) -> None:
        app.ctx.http = httpx.AsyncClient(timeout=settings.upstream_timeout_s)
        if warm_up and hasattr(app.ctx.knowledge, "warm_up"):
            try:
                await asyncio.to_thread(app.ctx.knowledge.warm_up)
            except KnowledgeUnavailable as exc:  # /health reports it; the rest of the site still works
                logger.error("knowledge base not loaded: %s", exc)

    @app.after_server_stop
    async def _stop(app: Sanic) -> None:
        await app.ctx.http.aclose()

    return app


def main() -> None:
    """Run on loopback at the configured port."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.web_port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
