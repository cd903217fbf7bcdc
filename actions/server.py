"""The action server: rasa-sdk's app with our actions sharing one knowledge base."""

from __future__ import annotations

import logging
import os

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.handoff import ActionEscalate, ActionTicketStatus
from actions.knowledge_answer import ActionAnswerFromKnowledge, ActionHandleFeedback
from knowledge.runtime import LazyKnowledgeSource
from knowledge.settings import Settings

logger = logging.getLogger(__name__)


def create_action_app(settings: Settings, knowledge: LazyKnowledgeSource | None = None) -> Sanic:
    """Build the Sanic app; the knowledge base loads before the server accepts requests."""
    knowledge = knowledge or LazyKnowledgeSource(settings)
    executor = ActionExecutor()
    for action in (
        ActionAnswerFromKnowledge(knowledge, settings),
        ActionHandleFeedback(knowledge, settings),
        ActionEscalate(),
        ActionTicketStatus(settings),
    ):
        executor.register_action(action)
    app = create_app(executor, cors_origins=None)

    @app.before_server_start
    async def _load_knowledge(app: Sanic) -> None:
        logger.info("loading knowledge base ...")
        knowledge.warm_up()
        logger.info("knowledge base ready")

    return app


def main() -> None:
    """Run on loopback at the configured port."""
    logging.basicConfig(
        level=os.environ.get("SERVICEDESK_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = Settings.from_env()
    app = create_action_app(settings)
    app.run(host=settings.host, port=settings.action_port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
