"""Which button payloads a client may send: what the bot offered in this conversation, or a fixed few.

Rasa reads a message starting with ``/`` as an intent with entities (``/intent{"slot": ...}``), so a client
that could send any payload could set slots the bot never offered. The web service keeps the offered
buttons with the stored bot messages; a payload the bot did not offer lately (and that is not in
:data:`FIXED`) goes to Rasa as plain text, so the decision sees words, not an intent.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select

from desk.db import messages

# Payloads any client may send: the widget's own actions, and what a person may always ask for.
FIXED = frozenset({"/greet", "/request_human", "/affirm", "/deny", "/rephrase"})
# The closing question's five buttons (they are offered too; these are accepted while the question is open).
CSAT = re.compile(r'/csat\{"csat_score": ?"[1-5]"\}')
RECENT = 20  # bot messages whose buttons still count as offered


def offered(conn: Connection, conversation_id: str, recent: int = RECENT) -> frozenset[str]:
    """Payloads of the buttons in the conversation's latest bot messages (inside the caller's transaction)."""
    rows = conn.execute(
        select(messages.c.data)
        .where(messages.c.conversation_id == conversation_id, messages.c.role == "bot")
        .order_by(messages.c.id.desc())
        .limit(recent)
    ).all()
    found: set[str] = set()
    for (data,) in rows:
        buttons: Any = (data or {}).get("buttons") if isinstance(data, dict) else None
        for button in buttons if isinstance(buttons, list) else []:
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                found.add(button["payload"])
    return frozenset(found)


def is_payload(text: str) -> bool:
    """Rasa would read this text as an intent (it strips the text first, as we did)."""
    return text.startswith("/")


def accepted(text: str, offered_now: frozenset[str]) -> bool:
    """A payload the bot offered, one of the fixed few, or a closing-question score."""
    return text in FIXED or text in offered_now or CSAT.fullmatch(text) is not None


def as_plain_text(text: str) -> str:
    """What Rasa gets instead of a payload nobody offered: the words without the leading slashes."""
    return text.lstrip("/").strip()
