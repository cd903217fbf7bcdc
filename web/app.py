"""Application factory for the web service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sanic import Request, Sanic
from sanic.response import HTTPResponse, file

from desk import accounts, leases, retention
from desk.directory import Directory
from desk.directory.staff import StaffDirectory
from desk.live_knowledge import LiveKnowledgeSource, seed_if_empty
from desk.requests import flow
from desk.requests.catalogue import watched
from desk.runtime import LazyDesk
from knowledge import redaction
from knowledge.embedders import web_embedder
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from ops import logs
from settings import Settings, Staff
from web.admin.routes import bp as admin_bp
from web.assets import bp as assets_bp
from web.auth.routes import bp as auth_bp
from web.chat.routes import bp as chat_bp
from web.chat.routes import cors_headers
from web.chat.service import ChatService
from web.console.routes import bp as console_bp
from web.console.team import bp as console_team_bp
from web.context import AppContext
from web.editor.routes import bp as editor_bp
from web.errors import install as install_errors
from web.handoff.service import HandoffService
from web.health.routes import bp as health_bp
from web.incidents.banner import bp as incident_banner_bp
from web.incidents.routes import bp as incidents_bp
from web.incidents.surge_job import surges_forever
from web.incidents.surges import bp as incident_surges_bp
from web.input_policy import install as install_input_policy
from web.insights.routes import bp as insights_bp
from web.knowledge.routes import bp as knowledge_bp
from web.legal.routes import bp as legal_bp
from web.live import Notifier
from web.metrics import middleware as request_middleware
from web.metrics.routes import bp as metrics_bp
from web.rasa import HttpRasaClient, RasaClient, Upstream
from web.requests.routes import bp as requests_bp
from web.security_headers import add_security_headers

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
LISTEN_START_S = 5.0  # PostgreSQL: how long a starting web service waits for its LISTEN connection


def create_app(
    settings: Settings,
    knowledge: KnowledgeSource | None = None,
    *,
    name: str = "servicedesk",
    warm_up: bool = True,
    desk: LazyDesk | None = None,
    upstream: Upstream | None = None,
    rasa: RasaClient | None = None,
    sweep_interval_s: float = 2.0,
    directory: Directory | None = None,
) -> Sanic:
    """Build the app; each test builds its own (with a stand-in ``rasa`` or an ``upstream`` transport).

    ``directory`` is the staff sign-in's directory for tests; by default the configured one (when sign-in is on).

    Nothing is opened here: the records, the knowledge base and the connections open when the server starts.
    """
    servers = settings.servers
    desk = desk or LazyDesk.of(settings)
    upstream = upstream or Upstream(servers.upstream_timeout_s)
    rasa = rasa or HttpRasaClient(upstream, servers.rasa_url, servers.public_url)
    notifier = Notifier(desk)
    handoff = HandoffService(desk, rasa, servers.public_url, watched(settings.requests.catalogue).get)
    context = AppContext(
        settings=settings,
        desk=desk,
        # Published articles from the database, followed live (edits are searchable within a second or so).
        knowledge=knowledge
        or LiveKnowledgeSource(
            settings.knowledge, desk, embedder=web_embedder(settings.knowledge, settings.servers.action_url)
        ),
        upstream=upstream,
        rasa=rasa,
        notifier=notifier,
        handoff=handoff,
        chat=ChatService(
            desk,
            rasa,
            handoff,
            notifier,
            max_chars=settings.knowledge.max_query_chars,
            csat_inactivity_s=settings.chat.csat_inactivity_s,
        ),
        staff_directory=StaffDirectory.of(settings.directory, directory),
    )
    app = Sanic(name, ctx=context, configure_logging=False)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    for blueprint in (
        health_bp,
        knowledge_bp,
        legal_bp,
        assets_bp,
        chat_bp,
        auth_bp,
        console_bp,
        console_team_bp,
        incident_surges_bp,  # before incidents_bp: /api/incidents/surges is no incident id
        incidents_bp,
        incident_banner_bp,
        insights_bp,
        editor_bp,
        admin_bp,
        metrics_bp,
        requests_bp,
    ):
        app.blueprint(blueprint)
    # Our own scripts (ES modules), styles and pages; Sanic refuses paths outside the folder.
    app.static("/static", STATIC, name="static")

    @app.get("/openapi.yaml", name="openapi")
    async def openapi(_request: object) -> HTTPResponse:
        return await file(STATIC / "openapi.yaml", mime_type="application/yaml")

    request_middleware.install(app)  # the request id and the figures of every request, first of all
    install_input_policy(app)  # every API request is checked before its handler runs
    install_errors(app)

    @app.on_response
    async def _headers(request: object, response: HTTPResponse) -> None:
        add_security_headers(response)
        cors_headers(request, response)  # type: ignore[arg-type]
        public_file(request, response)  # type: ignore[arg-type]

    @app.before_server_start
    async def _start(app: Sanic) -> None:
        opened = await asyncio.to_thread(desk.get)
        await asyncio.to_thread(ensure_admin, opened.engine, settings.staff, settings.handoff.team_name)
        await asyncio.to_thread(seed_if_empty, desk, settings.knowledge)  # a fresh database gets the article files
        await asyncio.to_thread(notifier.prime)
        notifier.start()
        if not await notifier.connected(LISTEN_START_S):  # serve with it (PostgreSQL): no change goes unheard
            logger.warning("live updates: not listening yet; /health says so until connected")
        sweep = _sweep_forever(handoff, desk, settings, sweep_interval_s)
        context.tasks.append(asyncio.get_running_loop().create_task(sweep))
        context.tasks.append(asyncio.get_running_loop().create_task(_purge_forever(desk, settings)))
        surge_job = surges_forever(desk, context.knowledge, settings)
        context.tasks.append(asyncio.get_running_loop().create_task(surge_job))
        if warm_up:
            await asyncio.to_thread(redaction.warm_up)  # messages are stored redacted: the rules load now
            try:
                await asyncio.to_thread(context.knowledge.warm_up)
            except KnowledgeUnavailable as exc:  # /health reports it; the rest of the site still works
                logger.error("knowledge base not loaded: %s", exc)

    @app.before_server_stop
    async def _stop_tasks(_app: Sanic) -> None:
        for task in context.tasks:
            task.cancel()
        context.tasks.clear()
        await notifier.stop()
        # The knowledge follower is a daemon thread: it ends with the process, not with a server cycle.

    @app.after_server_stop
    async def _stop(_app: Sanic) -> None:
        await upstream.aclose()

    return app


def public_file(request: Request, response: HTTPResponse) -> None:
    """Our static files may be read from any page: the widget imports its chat module from the intranet's pages."""
    if request.path.startswith("/static/") and response.status == 200:
        response.headers["Access-Control-Allow-Origin"] = "*"


def ensure_admin(engine: object, staff: Staff, team_name: str) -> None:
    """With no accounts yet, create the first admin from SERVICEDESK_ADMIN_USER / _PASSWORD.

    Without a configured password the launcher (``scripts/run.py``) creates one and prints it once; the web
    service never writes a password anywhere.
    """
    password = staff.admin_password.get_secret_value()
    if password and accounts.count_users(engine) == 0:  # type: ignore[arg-type]
        try:
            accounts.create_user(
                engine,  # type: ignore[arg-type]
                username=staff.admin_user,
                password=password,
                roles=("admin",),
                display_name=team_name,
            )
            logger.info("created the first admin account %r", staff.admin_user)
        except accounts.AccountError as exc:
            logger.error("first admin not created: %s", exc)


async def _sweep_forever(handoff: HandoffService, desk: LazyDesk, settings: Settings, interval: float) -> None:
    """Unclaimed escalations become tickets; failed ticket creations (escalations, requests) are retried.

    Every instance may run this.
    """
    while True:
        await asyncio.sleep(interval)
        try:
            await handoff.sweep()
        except Exception:  # noqa: BLE001 - one failed round must not end the sweeper
            logger.exception("escalation sweep failed")
        try:
            requests = await asyncio.to_thread(lambda: flow.for_settings(desk.get(), settings))
            await asyncio.to_thread(flow.retry_tickets, requests)
        except Exception:  # noqa: BLE001 - the same for the requests' tickets
            logger.exception("request ticket retry failed")


async def _purge_forever(desk: LazyDesk, settings: Settings) -> None:
    """The retention purge, hourly: every instance asks, the one that takes the lease in the database runs it."""
    holder = leases.holder_id()
    interval = settings.retention.purge_interval_s
    while True:
        await asyncio.sleep(min(300, interval))
        try:
            opened = await asyncio.to_thread(desk.get)
            report = await asyncio.to_thread(
                retention.purge_when_due,
                opened.engine,
                settings.retention,
                tz=opened.hours.tz,
                tracker=settings.servers,
                holder=holder,
            )
            if report is not None:
                logger.info("retention purge: %s", ", ".join(f"{k} {v}" for k, v in report.items()))
        except Exception:  # noqa: BLE001 - one failed round must not end the purge
            logger.exception("retention purge failed")


def main() -> None:
    """Run on loopback at the configured port."""
    settings = Settings.load()
    logs.configure(settings.servers.log_level, settings.servers.log_format, "web")
    app = create_app(settings)
    app.run(
        host=settings.servers.host, port=settings.servers.web_port, single_process=True, access_log=False, motd=False
    )


if __name__ == "__main__":
    main()
