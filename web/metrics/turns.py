"""The outcome of one chat turn, read from what the chat service answered (the decision itself is not touched).

- ``answered``: a reply carries an article card;
- ``clarified``: the bot offers articles to choose from;
- ``incident``: the bot answered with a declared major incident (its buttons: subscribe, another problem, a person);
- ``escalation_offered``: the bot offers the service desk (also when it found nothing: that offer comes with it);
- ``with_agent``: after the turn an agent has the conversation or it waits for one (the message went there);
- ``other``: anything else the bot said (greeting, form question, closing question ...);
- ``refused``: the chat refused the message (4xx); ``upstream_error``: Rasa did not answer (502).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OUTCOMES = (
    "answered",
    "clarified",
    "incident",
    "escalation_offered",
    "with_agent",
    "other",
    "refused",
    "upstream_error",
)


def turn_outcome(reply: Mapping[str, Any]) -> str:
    """Which of :data:`OUTCOMES` a successful turn's reply (``web.chat.service.ChatReply``) shows."""
    if reply.get("handoff"):
        return "with_agent"
    data = [m.get("data") or {} for m in reply.get("messages") or [] if m.get("role") == "bot"]
    if any(d.get("article") for d in data):
        return "answered"
    payloads = set(_payloads(data))
    if any(p.startswith("/choose_article") for p in payloads):
        return "clarified"
    if "/incident_subscribe" in payloads:
        return "incident"
    if "/request_human" in payloads:
        return "escalation_offered"
    return "other"


def refused_outcome(status: int) -> str:
    """The outcome of a turn the chat refused with ``status``."""
    return "upstream_error" if status >= 500 else "refused"


def _payloads(data: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for d in data:
        for button in d.get("buttons") or []:
            if isinstance(button, Mapping) and isinstance(button.get("payload"), str):
                yield button["payload"]
