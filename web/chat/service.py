"""The employee's chat as a service: one message in, the stored replies out; history, opening, ending.

Routes parse the request and render the result; everything here is keyword-only and knows nothing of Sanic. A
message is one transaction before Rasa (conversation, payload check, the stored user message, the handoff state)
and one after it (the stored replies), so a turn costs two thread hops, not seven.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection

from desk import attachments, conversations, csat, escalations, ordering, unlock_records
from desk.attachments import NewAttachment
from desk.conversations import MessageRow
from desk.db import now
from desk.escalations import Escalation, TransitionError
from desk.identity import ChatSession
from desk.notices import notice
from desk.runtime import Desk, LazyDesk
from desk.unlock import code_in, mask_code
from knowledge.text_policy import char_problem
from texts import text as catalogue_text
from web.chat import payloads
from web.handoff.service import HandoffService, bot_items
from web.live import Notifier
from web.rasa import RasaClient, UpstreamError

logger = logging.getLogger(__name__)
QUOTE_CHARS = 200  # the screenshot's text as quoted back; Rasa and the search get all of it


class ChatRefused(Exception):
    """The chat cannot do this: an HTTP status and the catalogue code (``error.<code>``) of the reason."""

    def __init__(self, status: int, code: str, field: str | None = None) -> None:
        """``field``: the request field at fault, if one is."""
        super().__init__(code)
        self.status, self.code, self.field = status, code, field


class ChatReply(TypedDict):
    """What a sent message gets back: its id, the stored replies, and whether an agent has the conversation."""

    user_message_id: int
    messages: list[MessageRow]
    handoff: str | None


class ChatState(TypedDict):
    """The open conversation as the widget shows it."""

    messages: list[MessageRow]
    handoff: str | None
    csat: str  # none | asked | answered


@dataclass(frozen=True)
class _Turn:
    """What the transaction before Rasa found and wrote."""

    conversation_id: str
    message_id: int
    rasa_text: str
    held: Escalation | None
    wake: Escalation | None


def clean_text(raw: Any, limit: int) -> str:
    """A non-empty string no longer than ``limit``, without control characters; :class:`ChatRefused` otherwise."""
    if not isinstance(raw, str) or not raw.strip():
        raise ChatRefused(400, "chat.empty", "text")
    text = raw.strip()
    if len(text) > limit:
        raise ChatRefused(400, "chat.too_long", "text")
    if char_problem(text, multiline=True):
        raise ChatRefused(400, "chat.characters", "text")
    return text


def quote(ocr_text: str, limit: int = QUOTE_CHARS) -> str:
    """The OCR text as the chat quotes it: at most ``limit`` characters, cut at a word."""
    if len(ocr_text) <= limit:
        return ocr_text
    return ocr_text[:limit].rsplit(" ", 1)[0] + " …"


def _begin_turn(
    desk: Desk,
    user: str,
    text: str,
    label: str | None,
    signed_in: bool = False,
    shot: NewAttachment | None = None,
) -> _Turn:
    """One transaction: the conversation (new if needed), the payload check, the user message, the handoff state.

    With a screenshot (``shot``) the stored message is ``text`` with the screenshot attached, and Rasa gets the
    screenshot's OCR text.
    """
    with desk.engine.begin() as conn:
        found = conversations.current_in(conn, user)
        conversation = found or conversations.start_in(conn, user, signed_in=signed_in)
        ordering.lock_conversation(conn, conversation)  # the handoff state read below stays true until commit
        rasa_text, shown = text, text
        attachment_id = attachments.insert_in(conn, conversation, shot) if shot is not None else None
        if shot is not None:
            rasa_text = shot.ocr_text
        elif payloads.is_payload(text):
            if payloads.accepted(text, payloads.offered(conn, conversation)):
                shown = label or text  # the button's title is what the employee saw; it is stored for the history
            else:
                rasa_text = payloads.as_plain_text(text)
                if not rasa_text:
                    raise ChatRefused(400, "chat.empty", "text")
        held = escalations.active_in(conn, conversation)
        if rasa_text.startswith("/csat"):
            _check_rating(conn, conversation, held)
        data: dict[str, Any] = {"payload": text} if shown != text else {}
        if attachment_id is not None:
            data = {"attachment": attachment_id}
        if shot is None and code_in(shown) and unlock_records.awaiting_code_in(conn, conversation, now()):
            shown, data = mask_code(shown), {}  # a one-time unlock code: Rasa gets it, the history never (issue 19)
        (message_id,) = conversations.insert_messages(conn, conversation, [("user", shown, data)])
        if attachment_id is not None:
            attachments.link_message_in(conn, attachment_id, message_id)
        latest = escalations.latest_in(conn, conversation) if held is None else None
        wake = latest if latest is not None and latest.bot_wake else None
    return _Turn(conversation, message_id, rasa_text, held, wake)


def _check_rating(conn: Connection, conversation: str, held: Escalation | None) -> None:
    """A rating is taken only after the question was asked, and not while an agent has the conversation."""
    if held is not None:
        raise ChatRefused(409, "chat.rate_later")
    if not conversations.csat_asked_in(conn, conversation):
        raise ChatRefused(409, "chat.rate_at_end")


def _finish_turn(desk: Desk, conversation: str, after: int, items: list[tuple[str, str, dict]]) -> ChatReply:
    """One transaction: store the answers, read them back with their ids, and the handoff state."""
    with desk.engine.begin() as conn:
        ids = conversations.insert_messages(conn, conversation, items) if items else []
        stored = conversations.rows_after(conn, conversation, min(ids) - 1) if ids else []
        held = escalations.active_in(conn, conversation)
    return ChatReply(
        user_message_id=after, messages=[m for m in stored if m["id"] in ids], handoff=held.status if held else None
    )


class ChatService:
    """One web process's chat: the records, Rasa, the handoff (to wake a paused bot) and the change notifier."""

    def __init__(
        self,
        desk: LazyDesk,
        rasa: RasaClient,
        handoff: HandoffService,
        notifier: Notifier,
        *,
        max_chars: int,
        csat_inactivity_s: int,
    ) -> None:
        """The limits come from the settings (``knowledge.max_query_chars``, ``chat.csat_inactivity_s``)."""
        self.lazy = desk
        self.rasa = rasa
        self.handoff = handoff
        self.notifier = notifier
        self.max_chars = max_chars
        self.csat_inactivity = timedelta(seconds=csat_inactivity_s)

    @property
    def desk(self) -> Desk:
        """The opened records."""
        return self.lazy.get()

    def _conversation(self, session: ChatSession) -> str | None:
        return conversations.current(self.desk.engine, session.user(self.desk.secret))

    async def post_message(self, *, session: ChatSession, text: Any, label: str | None = None) -> ChatReply:
        """Store and relay one message.

        While the conversation is queued for or held by an agent the bot is paused: the message is stored for the
        agent and not sent to Rasa; the answer comes from the agent through the events.
        """
        clean = clean_text(text, self.max_chars)
        if clean.startswith("/EXTERNAL_"):
            raise ChatRefused(400, "chat.not_allowed", "text")
        return await self._relay(session, clean, label)

    async def post_screenshot(self, *, session: ChatSession, shot: NewAttachment, language: str) -> ChatReply:
        """Store a screenshot as the employee's message and relay its OCR text as their question.

        The answer starts with the quoted text ("In Ihrem Screenshot steht: …"); without readable text the
        employee is asked to type the error instead, and Rasa is not asked at all.
        """
        shown = catalogue_text("screenshot.sent", language)
        if not shot.ocr_text:
            lead = catalogue_text("screenshot.unreadable", language)
        else:
            lead = catalogue_text("screenshot.quote", language, quote=quote(shot.ocr_text))
        return await self._relay(session, shown, None, shot, lead)

    async def _relay(
        self, session: ChatSession, clean: str, label: str | None, shot: NewAttachment | None = None, lead: str = ""
    ) -> ChatReply:
        """The turn: stored, then relayed to Rasa unless an agent has the conversation; ``lead`` goes first."""
        desk = self.desk
        user = session.user(desk.secret)
        turn = await asyncio.to_thread(_begin_turn, desk, user, clean, label, session.kind == "e", shot)
        if turn.held is not None:
            waiting: list[tuple[str, str, dict]] = [("system", notice("still_waiting", turn.held.language), {})]
            items = waiting if turn.held.status == "waiting" else []
            return await asyncio.to_thread(_finish_turn, desk, turn.conversation_id, turn.message_id, items)
        first: list[tuple[str, str, dict]] = [("bot", lead, {})] if lead else []
        if not turn.rasa_text:  # a screenshot without readable text: nothing to ask
            return await asyncio.to_thread(_finish_turn, desk, turn.conversation_id, turn.message_id, first)
        await self.handoff.wake_if_pending(turn.wake)
        try:
            replies = await self.rasa.send(turn.conversation_id, turn.rasa_text)
        except UpstreamError as exc:
            raise ChatRefused(502, "chat.upstream") from exc
        items = first + bot_items(replies)
        return await asyncio.to_thread(_finish_turn, desk, turn.conversation_id, turn.message_id, items)

    def _state(self, conversation: str | None) -> ChatState:
        if conversation is None:
            return ChatState(messages=[], handoff=None, csat="none")
        engine = self.desk.engine
        rows = conversations.messages_after(engine, conversation, 0, 2000)
        held = escalations.active_for(engine, conversation)
        if csat.rating_of(engine, conversation) is not None:
            asked = "answered"
        else:
            asked = "asked" if conversations.state(engine, conversation)["csat_asked"] else "none"
        return ChatState(messages=rows, handoff=held.status if held else None, csat=asked)

    async def history(self, *, session: ChatSession) -> ChatState:
        """The open conversation of this session, read only (empty when there is none yet)."""
        return await asyncio.to_thread(lambda: self._state(self._conversation(session)))

    def _quiet(self, conversation: str) -> bool:
        state = conversations.state(self.desk.engine, conversation)
        idle = state["last_activity"] and now() - state["last_activity"] >= self.csat_inactivity
        active = escalations.active_for(self.desk.engine, conversation)
        return bool(idle and state["user_messages"] and not state["csat_asked"] and active is None)

    async def open(self, *, session: ChatSession) -> list[MessageRow]:
        """The panel was opened: a conversation left alone gets the closing question now (once); the new messages."""
        conversation = await asyncio.to_thread(self._conversation, session)
        if conversation is None or not await asyncio.to_thread(self._quiet, conversation):
            return []
        return await self._trigger(conversation, "EXTERNAL_csat_inactive")

    async def _trigger(self, conversation: str, intent: str) -> list[MessageRow]:
        try:
            items = bot_items(await self.rasa.trigger(conversation, intent))
        except UpstreamError as exc:
            logger.error("Rasa did not take %s (%s)", intent, exc)
            return []  # nothing was asked, nothing is stored; the next time tries again
        reply = await asyncio.to_thread(_finish_turn, self.desk, conversation, 0, items)
        return reply["messages"]

    async def end(self, *, session: ChatSession) -> list[MessageRow]:
        """End the conversation ("Gespräch beenden"): the closing question, once per conversation."""
        conversation = await asyncio.to_thread(self._conversation, session)
        if conversation is None:
            return []
        held = await asyncio.to_thread(escalations.active_for, self.desk.engine, conversation)
        if held is not None:
            raise ChatRefused(409, "chat.waiting_ends" if held.status == "waiting" else "chat.agent_ends")
        return await self._trigger(conversation, "EXTERNAL_end_conversation")

    async def withdraw(self, *, session: ChatSession) -> list[MessageRow]:
        """Withdraw the request waiting for the desk ("Anfrage zurückziehen"); the messages this added."""
        conversation = await asyncio.to_thread(self._conversation, session)
        if conversation is None:
            raise ChatRefused(409, "chat.nothing_waits")
        try:
            esc = await self.handoff.withdraw(conversation_id=conversation)
        except TransitionError as exc:
            held = await asyncio.to_thread(escalations.active_for, self.desk.engine, conversation)
            raise ChatRefused(409, "chat.already_claimed" if held else "chat.nothing_waits") from exc
        # The handoff's window ends with the withdrawal: what follows is the notice (and the bot's words, if any).
        after = esc.messages_until or 0
        return await asyncio.to_thread(conversations.messages_after, self.desk.engine, conversation, after)

    async def new(self, *, session: ChatSession) -> None:
        """Start over ("Neues Gespräch"): the open conversation ends; the next message starts a new one."""
        conversation = await asyncio.to_thread(self._conversation, session)
        if conversation is None:
            return
        held = await asyncio.to_thread(escalations.active_for, self.desk.engine, conversation)
        if held is not None:
            raise ChatRefused(409, "chat.waiting_ends" if held.status == "waiting" else "chat.with_agent")
        await asyncio.to_thread(conversations.end, self.desk.engine, conversation)

    async def wait_for_messages(self, *, session: ChatSession, after: int, timeout: float) -> dict[str, Any]:
        """Messages after ``after`` as soon as there are any, or none after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        engine = self.desk.engine
        while True:
            conversation = await asyncio.to_thread(self._conversation, session)
            # Marked before reading: a message written while we read is found or wakes the mark.
            mark = self.notifier.mark(conversation)
            found = (
                await asyncio.to_thread(conversations.messages_after, engine, conversation, after)
                if conversation
                else []
            )
            left = deadline - loop.time()
            if found or left <= 0 or not await self.notifier.changed(left, mark):
                held = await asyncio.to_thread(escalations.active_for, engine, conversation) if conversation else None
                return {"messages": found, "handoff": held.status if held else None}
