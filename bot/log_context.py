"""Our logging inside Rasa: the web service's request id on Rasa's log lines, and JSON lines when configured.

The web service sends each message with ``metadata: {"request_id": ...}``. Rasa's message handling is wrapped
so that the turn runs with that id as the current one (:mod:`ops.logs`): whatever Rasa or our hooks log while
handling it names the id. Rasa configured its log handlers itself; they get our filter and, with
``SERVICEDESK_LOG_FORMAT=json`` (handed over by ``bot/endpoints.yml``), our JSON formatter. Rasa's level stays
as started (INFO: its debug log contains message texts). Nothing in site-packages is edited.

Python 3.10, Rasa's environment; the only project import is :mod:`ops.logs` (standard library).
"""

from __future__ import annotations

from typing import Any

from ops import logs


def request_id_of(message: Any) -> str | None:
    """The request id in a ``UserMessage``'s metadata, if it carries a valid one."""
    metadata = getattr(message, "metadata", None)
    return logs.valid_request_id(metadata.get(logs.METADATA_KEY)) if isinstance(metadata, dict) else None


def install_request_ids(log_format: str | None) -> None:
    """Annotate Rasa's log handlers and run each message with its request id (idempotent)."""
    from rasa.core.processor import MessageProcessor

    logs.adopt(log_format, "rasa")
    if getattr(MessageProcessor.handle_message, "_servicedesk", False):
        return
    original = MessageProcessor.handle_message

    async def handle_message(self: MessageProcessor, message: Any) -> Any:
        with logs.request_scope(request_id_of(message)):
            return await original(self, message)

    handle_message._servicedesk = True  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
