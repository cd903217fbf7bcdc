"""Agent actions on an escalation, and the sweeper that turns unclaimed ones into tickets.

Every step writes the database first (status, then the message the employee sees); Rasa is told last, so a
Rasa hiccup never loses a state change or a message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import httpx

from desk import conversations, escalations
from desk.accounts import Account
from desk.escalations import DETAIL_LABELS, REASON_TEXT, VERDICT_TEXT, Escalation, TransitionError
from desk.notices import notice, ticket_notice
from desk.runtime import Desk
from desk.ticketing import create_ticket
from web import rasa_api
from web.chat.service import UpstreamError

logger = logging.getLogger(__name__)


class NotYours(PermissionError):
    """Another agent holds this conversation."""


def _since(desk: Desk, esc: Escalation) -> list[conversations.MessageRow]:
    """The conversation's messages from the moment it was escalated."""
    rows = conversations.messages_after(desk.engine, esc.conversation_id, 0)
    return [m for m in rows if datetime.fromisoformat(m["created_at"]) >= esc.created_at]


def list_json(esc: Escalation) -> dict[str, Any]:
    """A queue entry."""
    return {
        "id": esc.id,
        "status": esc.status,
        "reason": esc.reason,
        "reason_label": REASON_TEXT.get(esc.reason, esc.reason),
        "summary": list(esc.summary),
        "language": esc.language,
        "waiting_seconds": esc.waiting_seconds(),
        "agent_name": esc.agent_name,
        "ticket_number": esc.ticket_number,
        "created_at": esc.created_at.isoformat(),
    }


def record_json(desk: Desk, esc: Escalation) -> dict[str, Any]:
    """The full record: context card, transcript before the handoff, and the live messages since."""
    live = _since(desk, esc)
    return {
        **list_json(esc),
        "conversation_id": esc.conversation_id,
        "details": {k: esc.detail_text(k) for k in DETAIL_LABELS},
        "detail_labels": DETAIL_LABELS,
        "intents": list(esc.intents),
        "articles": [
            {
                **a,
                "verdict_label": VERDICT_TEXT.get(a.get("verdict", "shown"), ""),
                "url": desk.settings.article_url(a["slug"]),
            }
            for a in esc.articles
        ],
        "transcript": list(esc.transcript),
        "messages": live,
        "last_message_id": live[-1]["id"] if live else 0,
        "claimed_at": esc.claimed_at.isoformat() if esc.claimed_at else None,
        "closed_at": esc.closed_at.isoformat() if esc.closed_at else None,
    }


def _bot_messages(desk: Desk, conversation_id: str, replies: list[dict]) -> None:
    items = [("bot", str(r.get("text", "")), {k: v for k, v in r.items() if k != "text"}) for r in replies]
    if items:
        conversations.add_messages(desk.engine, conversation_id, items)


async def _wake_bot(desk: Desk, http: httpx.AsyncClient, esc: Escalation, intent: str | None) -> None:
    """Resume the bot; with ``intent`` it also says something (stored like every bot message)."""
    settings = desk.settings
    try:
        await rasa_api.resume(http, settings.rasa_url, esc.conversation_id)
        if intent:
            replies = await rasa_api.trigger(http, settings.rasa_url, settings.public_url, esc.conversation_id, intent)
            await asyncio.to_thread(_bot_messages, desk, esc.conversation_id, replies)
    except UpstreamError as exc:
        # The state change and the notice are stored; the bot resumes with the next message at the latest.
        logger.error("Rasa not told about escalation %s (%s)", esc.id, exc)


def _system(desk: Desk, esc: Escalation, key: str, **values: str) -> None:
    conversations.add_message(desk.engine, esc.conversation_id, "system", notice(key, esc.language, **values))


async def claim(desk: Desk, *, escalation_id: int, account: Account) -> Escalation:
    """Take a waiting escalation; the employee learns who they are talking to."""
    esc = await asyncio.to_thread(
        escalations.transition,
        desk.engine,
        escalation_id,
        allowed=("waiting",),
        to="claimed",
        agent_id=account.id,
        agent_name=account.display_name,
    )
    await asyncio.to_thread(_system, desk, esc, "connected", agent=account.display_name or desk.settings.team_name)
    return esc


def _held_by(desk: Desk, escalation_id: int, account: Account) -> Escalation:
    esc = escalations.get(desk.engine, escalation_id)
    if esc is None:
        raise LookupError(escalation_id)
    if esc.status != "claimed":
        raise TransitionError(f"escalation {escalation_id} is {esc.status}")
    if esc.agent_id != account.id and "admin" not in account.roles:
        raise NotYours(escalation_id)
    return esc


async def reply(desk: Desk, *, escalation_id: int, account: Account, text: str) -> conversations.MessageRow:
    """An agent message to the employee (stored, then delivered by the employee's long-poll)."""
    esc = await asyncio.to_thread(_held_by, desk, escalation_id, account)
    mid = await asyncio.to_thread(
        conversations.add_message, desk.engine, esc.conversation_id, "agent", text, {"agent": account.display_name}
    )
    rows = await asyncio.to_thread(conversations.messages_after, desk.engine, esc.conversation_id, mid - 1, 1)
    return rows[0]


async def resolve(desk: Desk, http: httpx.AsyncClient, *, escalation_id: int, account: Account) -> Escalation:
    """Done: the bot comes back and asks the closing question."""
    await asyncio.to_thread(_held_by, desk, escalation_id, account)
    esc = await asyncio.to_thread(
        escalations.transition, desk.engine, escalation_id, allowed=("claimed",), to="resolved"
    )
    await asyncio.to_thread(_system, desk, esc, "resolved")
    await _wake_bot(desk, http, esc, "EXTERNAL_agent_resolved")
    return esc


async def hand_back(desk: Desk, http: httpx.AsyncClient, *, escalation_id: int, account: Account) -> Escalation:
    """The bot takes over again, knowing the topic."""
    await asyncio.to_thread(_held_by, desk, escalation_id, account)
    esc = await asyncio.to_thread(
        escalations.transition, desk.engine, escalation_id, allowed=("claimed",), to="handed_back"
    )
    await asyncio.to_thread(_system, desk, esc, "handed_back")
    await _wake_bot(desk, http, esc, "EXTERNAL_handed_back")
    return esc


def _ticket_transcript(desk: Desk, esc: Escalation) -> Escalation:
    """The ticket gets the bot transcript plus what was said during the handoff."""
    live = [m for m in _since(desk, esc) if m["role"] in ("user", "agent")]
    extra = tuple({"role": m["role"], "text": m["text"], "ts": m["created_at"]} for m in live)
    return Escalation(**{**esc.__dict__, "transcript": esc.transcript + extra})


async def to_ticket(
    desk: Desk, http: httpx.AsyncClient, *, escalation_id: int, why: str, account: Account | None = None
) -> Escalation:
    """Make it a ticket (an agent's decision, or nobody claimed in time); the bot resumes afterwards.

    The status changes first, so only one instance converts; a failed sink leaves ``ticket`` without a number,
    which the sweeper retries.
    """
    if account is not None:
        current = await asyncio.to_thread(escalations.get, desk.engine, escalation_id)
        if current is not None and current.status == "claimed":
            await asyncio.to_thread(_held_by, desk, escalation_id, account)
        allowed: tuple[str, ...] = ("waiting", "claimed")
    else:
        allowed = ("waiting",)
    esc = await asyncio.to_thread(escalations.transition, desk.engine, escalation_id, allowed=allowed, to="ticket")
    return await finish_ticket(desk, http, esc, why=why)


async def finish_ticket(desk: Desk, http: httpx.AsyncClient, esc: Escalation, *, why: str) -> Escalation:
    """Create the ticket for an escalation in status ``ticket`` and tell the employee its number."""
    full = await asyncio.to_thread(_ticket_transcript, desk, esc)
    ref = await asyncio.to_thread(create_ticket, desk.engine, desk.sink, full)
    if ref is None:
        if esc.ticket_number is None and why != "retry":
            await asyncio.to_thread(_system, desk, esc, "ticket_pending")
        await _wake_bot(desk, http, esc, None)
        return esc
    text = ticket_notice(
        number=ref.number,
        language=esc.language,
        hours=desk.hours,
        response_hours=desk.settings.ticket_response_hours,
        at=escalations.now(),
        why=why,
        spec=desk.settings.service_hours,
    )
    await asyncio.to_thread(conversations.add_message, desk.engine, esc.conversation_id, "system", text)
    await _wake_bot(desk, http, esc, None)
    updated = await asyncio.to_thread(escalations.get, desk.engine, esc.id)
    assert updated is not None
    return updated


async def sweep(desk: Desk, http: httpx.AsyncClient) -> int:
    """Turn escalations nobody claimed in time into tickets; retry tickets whose sink failed."""
    done = 0
    for eid in await asyncio.to_thread(escalations.overdue, desk.engine, timeout_s=desk.settings.handoff_timeout_s):
        esc = await asyncio.to_thread(escalations.get, desk.engine, eid)
        if esc is None:
            continue
        try:
            if esc.status == "waiting":
                await to_ticket(desk, http, escalation_id=eid, why="no_agent")
            else:
                await finish_ticket(desk, http, esc, why="retry")
            done += 1
        except TransitionError:
            continue  # claimed or converted by someone else meanwhile
    return done
