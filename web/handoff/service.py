"""The handoff between the bot and the service desk: agents' steps on an escalation, waking the bot, the sweeper.

Used by the console (claim, reply, resolve, hand back, ticket), by the chat (a handoff that ended while Rasa was
down resumes the bot before the next message) and by the sweeper every web process runs. Every step writes the
database first (status, then the message the employee sees); Rasa is told last, so a Rasa hiccup never loses a
state change or a message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from desk import attachments, automation, conversations, escalations, incident_chat, notes
from desk.accounts import Account
from desk.escalations import DETAIL_LABELS, REASON_TEXT, URGENCY_RANK, VERDICT_TEXT, Escalation, TransitionError
from desk.notices import notice, ticket_notice
from desk.requests.catalogue import Catalogue
from desk.runtime import Desk, LazyDesk
from desk.ticketing import create_ticket
from web.rasa import RasaClient, Reply, UpstreamError

logger = logging.getLogger(__name__)
RESUME = "resume"  # bot_wake value: resume without saying anything
TitleOf = Callable[[str], str | None]


class NotYours(PermissionError):
    """Another agent holds this conversation."""


def window(esc: Escalation, after: int = 0) -> tuple[int, int | None]:
    """The message ids an agent may read for this escalation: from its start to its end, nothing else."""
    return max(after, esc.messages_from), esc.messages_until


def list_json(esc: Escalation) -> dict[str, Any]:
    """A queue entry."""
    urgency = esc.details.get("urgency", "")
    return {
        "id": esc.id,
        "status": esc.status,
        "reason": esc.reason,
        "reason_label": REASON_TEXT.get(esc.reason, esc.reason),
        "summary": list(esc.summary),
        "language": esc.language,
        "waiting_seconds": esc.waiting_seconds(),
        "claimed_seconds": esc.claimed_seconds(),
        "urgency": urgency if urgency in URGENCY_RANK else "",
        "urgency_label": esc.detail_text("urgency"),
        "urgency_rank": esc.urgency_rank,
        "agent_name": esc.agent_name,
        "ticket_number": esc.ticket_number,
        "incident_id": esc.incident_id,
        "created_at": esc.created_at.isoformat(),
    }


def article_link(text: str, public_url: str, title_of: TitleOf) -> dict[str, str] | None:
    """The first link to one of our own articles in an agent reply, as an article card for the chat."""
    m = re.search(re.escape(public_url.rstrip("/")) + r"/kb/([a-z0-9-]+)", text)
    if not m:
        return None
    title = title_of(m.group(1))
    return {"slug": m.group(1), "title": title, "url": m.group(0)} if title else None


def bot_items(replies: list[Reply]) -> list[tuple[str, str, dict]]:
    """Rasa's replies as messages to store: (role, text, data)."""
    return [("bot", str(r.get("text", "")), {k: v for k, v in r.items() if k != "text"}) for r in replies]


def _owner(account: Account) -> int | None:
    """Whose claim a step must match; admins may act on any conversation."""
    return None if "admin" in account.roles else account.id


class HandoffService:
    """One web process's handoff: the records, Rasa, and where our article pages live."""

    def __init__(
        self, desk: LazyDesk, rasa: RasaClient, public_url: str, catalogue: Callable[[], Catalogue] | None = None
    ) -> None:
        """``public_url`` makes article links in replies and context cards; ``catalogue`` names request kinds."""
        self.lazy = desk
        self.rasa = rasa
        self.public_url = public_url
        self.catalogue = catalogue

    @property
    def desk(self) -> Desk:
        """The opened records."""
        return self.lazy.get()

    def article_url(self, slug: str) -> str:
        """Public link to an article page."""
        return f"{self.public_url.rstrip('/')}/kb/{slug}"

    # -- reading -----------------------------------------------------------------------------
    def _since(self, esc: Escalation) -> list[conversations.MessageRow]:
        """The conversation's messages from the moment it was escalated until the handoff ended."""
        start, end = window(esc)
        return conversations.messages_after(self.desk.engine, esc.conversation_id, start, limit=2000, until=end)

    def record_json(self, esc: Escalation) -> dict[str, Any]:
        """The full record: context card, transcript before the handoff, and the live messages since."""
        live = self._since(esc)
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
                    "url": self.article_url(a["slug"]),
                }
                for a in esc.articles
            ],
            "transcript": list(esc.transcript),
            "attachments": attachments.ids_of(self.desk.engine, esc.conversation_id, window(esc)[1]),
            "messages": live,
            "notes": [n.as_json() for n in notes.for_escalation(self.desk.engine, esc.id)],  # staff only
            "incident": incident_chat.linked(self.desk.engine, esc.incident_id, esc.user_pseudonym),
            "actions": automation.actions(
                self.desk.engine,
                esc.conversation_id,
                self.catalogue() if self.catalogue else None,
                until=esc.closed_at,
            ),
            "last_message_id": live[-1]["id"] if live else 0,
            "claimed_at": esc.claimed_at.isoformat() if esc.claimed_at else None,
            "closed_at": esc.closed_at.isoformat() if esc.closed_at else None,
        }

    # -- the bot -----------------------------------------------------------------------------
    async def wake_bot(self, esc: Escalation) -> bool:
        """Resume the bot after the handoff (``esc.bot_wake`` says whether it also reacts to an external intent).

        The wish is stored with the status change; it is cleared only when Rasa took it, else the sweeper (or the
        employee's next message) retries, so a Rasa outage never leaves the conversation paused for good.
        """
        if not esc.bot_wake:
            return True
        engine = self.desk.engine
        try:
            await self.rasa.resume(esc.conversation_id)
            if esc.bot_wake != RESUME:
                items = bot_items(await self.rasa.trigger(esc.conversation_id, esc.bot_wake))
                if items:
                    await asyncio.to_thread(conversations.add_messages, engine, esc.conversation_id, items)
        except UpstreamError as exc:
            logger.error("Rasa not told about escalation %s (%s); will retry", esc.id, exc)
            await asyncio.to_thread(escalations.set_wake, engine, esc.id, esc.bot_wake)
            return False
        await asyncio.to_thread(escalations.set_wake, engine, esc.id, None)
        return True

    async def wake_if_pending(self, esc: Escalation | None) -> None:
        """Before relaying a message: a handoff that ended while Rasa was down resumes the bot first."""
        if esc is not None and esc.bot_wake and esc.status not in escalations.ACTIVE:
            await self.wake_bot(esc)

    def _system(self, esc: Escalation, key: str, **values: str) -> None:
        text = notice(key, esc.language, **values)
        conversations.add_message(self.desk.engine, esc.conversation_id, "system", text)

    # -- agents' steps -----------------------------------------------------------------------
    async def claim(self, *, escalation_id: int, account: Account) -> Escalation:
        """Take a waiting escalation; the employee learns who they are talking to."""
        esc = await asyncio.to_thread(
            escalations.transition,
            self.desk.engine,
            escalation_id,
            allowed=("waiting",),
            to="claimed",
            agent_id=account.id,
            agent_name=account.display_name,
        )
        agent = account.display_name or self.desk.handoff.team_name
        await asyncio.to_thread(self._system, esc, "connected", agent=agent)
        return esc

    def _held_by(self, escalation_id: int, account: Account) -> Escalation:
        esc = escalations.get(self.desk.engine, escalation_id)
        if esc is None:
            raise LookupError(escalation_id)
        if esc.status != "claimed":
            raise TransitionError(f"escalation {escalation_id} is {esc.status}")
        if esc.agent_id != account.id and "admin" not in account.roles:
            raise NotYours(escalation_id)
        return esc

    async def reply(
        self, *, escalation_id: int, account: Account, text: str, title_of: TitleOf = lambda _slug: None
    ) -> conversations.MessageRow:
        """An agent message to the employee (stored only while this agent holds the conversation)."""
        esc = await asyncio.to_thread(self._held_by, escalation_id, account)
        data: dict[str, Any] = {"agent": account.display_name}
        card = article_link(text, self.public_url, title_of)
        if card:
            data["article"] = card
        engine = self.desk.engine
        mid = await asyncio.to_thread(
            escalations.add_agent_message, engine, escalation_id, agent_id=_owner(account), text=text, data=data
        )
        rows = await asyncio.to_thread(conversations.messages_after, engine, esc.conversation_id, mid - 1, 1)
        return rows[0]

    async def _end(self, *, escalation_id: int, account: Account, to: str, notice_key: str, wake: str) -> Escalation:
        await asyncio.to_thread(self._held_by, escalation_id, account)
        esc = await asyncio.to_thread(
            escalations.transition,
            self.desk.engine,
            escalation_id,
            allowed=("claimed",),
            to=to,
            owner=_owner(account),
            bot_wake=wake,
        )
        await asyncio.to_thread(self._system, esc, notice_key)
        await self.wake_bot(esc)
        return esc

    async def resolve(self, *, escalation_id: int, account: Account) -> Escalation:
        """Done: the bot comes back and asks the closing question."""
        return await self._end(
            escalation_id=escalation_id,
            account=account,
            to="resolved",
            notice_key="resolved",
            wake="EXTERNAL_agent_resolved",
        )

    async def hand_back(self, *, escalation_id: int, account: Account) -> Escalation:
        """The bot takes over again, knowing the topic."""
        return await self._end(
            escalation_id=escalation_id,
            account=account,
            to="handed_back",
            notice_key="handed_back",
            wake="EXTERNAL_handed_back",
        )

    # -- the employee's step -------------------------------------------------------------------
    async def withdraw(self, *, conversation_id: str) -> Escalation:
        """The employee no longer needs the desk: a waiting escalation leaves the queue and the bot resumes.

        One conditional UPDATE from ``waiting``: a claim racing the withdrawal is decided once (the loser gets
        :class:`TransitionError`); an escalation already claimed is the agent's to end.
        """
        engine = self.desk.engine
        held = await asyncio.to_thread(escalations.active_for, engine, conversation_id)
        if held is None:
            raise TransitionError(f"nothing waits in conversation {conversation_id}")
        esc = await asyncio.to_thread(
            escalations.transition, engine, held.id, allowed=("waiting",), to="withdrawn", bot_wake=RESUME
        )
        await asyncio.to_thread(self._system, esc, "withdrawn")
        await self.wake_bot(esc)
        return esc

    # -- tickets -----------------------------------------------------------------------------
    def _ticket_transcript(self, esc: Escalation) -> Escalation:
        """The ticket gets the bot transcript plus what was said during the handoff."""
        live = [m for m in self._since(esc) if m["role"] in ("user", "agent")]
        extra = tuple({"role": m["role"], "text": m["text"], "ts": m["created_at"]} for m in live)
        return Escalation(**{**esc.__dict__, "transcript": esc.transcript + extra})

    async def to_ticket(self, *, escalation_id: int, why: str, account: Account | None = None) -> Escalation:
        """Make it a ticket (an agent's decision, or nobody claimed in time); the bot resumes afterwards.

        The status changes first, so only one instance converts; a failed sink leaves ``ticket`` without a number,
        which the sweeper retries.
        """
        engine = self.desk.engine
        if account is not None:
            current = await asyncio.to_thread(escalations.get, engine, escalation_id)
            if current is not None and current.status == "claimed":
                await asyncio.to_thread(self._held_by, escalation_id, account)
            allowed: tuple[str, ...] = ("waiting", "claimed")
            owner = _owner(account)
        else:
            allowed, owner = ("waiting",), None
        # The owner check is part of the UPDATE: a colleague's claim in between makes this fail, not convert.
        esc = await asyncio.to_thread(
            escalations.transition, engine, escalation_id, allowed=allowed, to="ticket", owner=owner, bot_wake=RESUME
        )
        return await self.finish_ticket(esc, why=why)

    async def finish_ticket(self, esc: Escalation, *, why: str) -> Escalation:
        """Create the ticket for an escalation in status ``ticket`` and tell the employee its number."""
        desk = self.desk
        full = await asyncio.to_thread(self._ticket_transcript, esc)
        ref = await asyncio.to_thread(create_ticket, desk.engine, desk.sink, full)
        if ref is None:
            if why != "retry":
                await asyncio.to_thread(self._system, esc, "ticket_pending")
                await self.wake_bot(esc)
            return esc
        text = ticket_notice(
            number=ref.number,
            language=esc.language,
            hours=desk.hours,
            response_hours=desk.handoff.ticket_response_hours,
            at=escalations.now(),
            why=why,
            spec=desk.handoff.service_hours,
        )
        await asyncio.to_thread(conversations.add_message, desk.engine, esc.conversation_id, "system", text)
        if why != "retry":
            await self.wake_bot(esc)
        updated = await asyncio.to_thread(escalations.get, desk.engine, esc.id)
        assert updated is not None
        return updated

    async def sweep(self) -> int:
        """Turn escalations nobody claimed in time into tickets, retry failed tickets and un-paused bots.

        Every instance may run this at the same time: conversions are conditional updates and a retry first
        takes a lease, so each ticket is created once.
        """
        desk = self.desk
        done = 0
        timeout = desk.handoff.handoff_timeout_s
        for eid in await asyncio.to_thread(escalations.overdue, desk.engine, timeout_s=timeout):
            esc = await asyncio.to_thread(escalations.get, desk.engine, eid)
            if esc is None:
                continue
            try:
                if esc.status == "waiting":
                    await self.to_ticket(escalation_id=eid, why="no_agent")
                elif await asyncio.to_thread(escalations.claim_ticket_attempt, desk.engine, eid):
                    await self.finish_ticket(esc, why="retry")
                else:
                    continue
                done += 1
            except TransitionError:
                continue  # claimed or converted by someone else meanwhile
        for esc in await asyncio.to_thread(escalations.pending_wakes, desk.engine):
            done += await self.wake_bot(esc)
        return done
