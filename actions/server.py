"""The action server: rasa-sdk's app with our actions sharing one knowledge base and one records handle."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sanic import Sanic

from actions.csat import ActionAskCsat, ActionStoreCsat, ActionStoreCsatComment
from actions.embeddings import add_embeddings_route
from actions.handoff import (
    ActionAskEscDescription,
    ActionHandedBack,
    ActionStartEscalation,
    ActionSubmitEscalation,
    ValidateEscalationForm,
)
from actions.requests import (
    ActionAskRequestAnswer,
    ActionRequestCancel,
    ActionRequestSummary,
    ActionSubmitRequest,
    ValidateRequestForm,
)
from actions.respond import ActionRespond
from actions.ticket_status import ActionTicketStatus
from desk import escalations
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import LazyDesk
from knowledge import redaction
from ops import logs
from settings import Settings

logger = logging.getLogger(__name__)


class GuardedExecutor(ActionExecutor):
    """Refuses to speak for a conversation that is queued for or held by an agent.

    Rasa itself is paused for such conversations; this is the second, independent guarantee.
    """

    def __init__(self, desk: LazyDesk) -> None:
        """``desk`` gives the shared escalation records."""
        super().__init__()
        self.desk = desk

    async def run(
        self,
        action_call: dict[str, Any],
        sink: asyncio.Queue | None = None,
        dispatcher: CollectingDispatcher | None = None,
    ) -> Any:
        """Run the action unless an agent has the conversation; its log lines carry the turn's request id."""
        with logs.request_scope(request_id_of(action_call)):
            return await self._run(action_call, sink, dispatcher)

    async def _run(
        self, action_call: dict[str, Any], sink: asyncio.Queue | None, dispatcher: CollectingDispatcher | None
    ) -> Any:
        sender = str(action_call.get("sender_id") or "")
        desk = await asyncio.to_thread(self.desk.get)
        held = await asyncio.to_thread(escalations.active_for, desk.engine, sender) if sender else None
        if held is not None:
            logger.warning(
                "action %s refused: conversation is with an agent (%s)", action_call.get("next_action"), held.status
            )
            return self._create_api_response([], [])
        return await super().run(action_call, sink=sink, dispatcher=dispatcher)


def request_id_of(action_call: dict[str, Any]) -> str | None:
    """The web service's request id, which Rasa hands on in the latest user message's metadata."""
    tracker = action_call.get("tracker")
    latest = tracker.get("latest_message") if isinstance(tracker, dict) else None
    metadata = latest.get("metadata") if isinstance(latest, dict) else None
    return logs.valid_request_id(metadata.get(logs.METADATA_KEY)) if isinstance(metadata, dict) else None


def create_action_app(
    settings: Settings, knowledge: LiveKnowledgeSource | None = None, desk: LazyDesk | None = None
) -> Sanic:
    """Build the Sanic app; the knowledge base and the records open before the server accepts requests."""
    desk = desk or LazyDesk.of(settings)
    # Published articles from the database, followed live like in the web service.
    knowledge = knowledge or LiveKnowledgeSource(settings.knowledge, desk)
    executor = GuardedExecutor(desk)
    respond = ActionRespond(knowledge, settings, desk)
    for action in (
        respond,
        ActionStartEscalation(desk, settings),
        ValidateEscalationForm(),
        ActionAskEscDescription(),
        ActionSubmitEscalation(desk, settings, knowledge),
        ActionHandedBack(),
        ActionTicketStatus(desk, settings),
        ValidateRequestForm(settings),
        ActionAskRequestAnswer(settings),
        ActionRequestSummary(settings),
        ActionSubmitRequest(desk, settings),
        ActionRequestCancel(),
        ActionAskCsat(desk, settings),
        ActionStoreCsat(desk, settings),
        ActionStoreCsatComment(desk, settings),
    ):
        executor.register_action(action)
    app = create_app(executor, cors_origins=None)
    add_embeddings_route(app, knowledge)  # the web service's vectors: one model on the machine

    @app.before_server_start
    async def _load(app: Sanic) -> None:
        logger.info("loading knowledge base and records ...")
        desk.get()
        knowledge.warm_up()
        redaction.warm_up()  # escalations and CSAT comments are stored redacted: the rules load now
        _ = respond.params  # a missing or broken decision file stops the start, not the first employee
        logger.info("ready")

    return app


def main() -> None:
    """Run on loopback at the configured port."""
    settings = Settings.load()
    logs.configure(settings.servers.log_level, settings.servers.log_format, "actions")
    app = create_action_app(settings)
    app.run(
        host=settings.servers.host, port=settings.servers.action_port, single_process=True, access_log=False, motd=False
    )


if __name__ == "__main__":
    main()
