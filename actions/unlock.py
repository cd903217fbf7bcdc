"""Konto entsperren in the chat (issue 19): ask the user name, send the code, check the code.

``action_respond`` hands a message here while ``kb_stage`` says the chat asked for a user name or a code. That
slot only says which question was asked; what is verified (which account, the code's hash, the tries) lives in
the records, keyed by the conversation (:mod:`desk.unlock`), so a crafted payload that sets slots gains nothing.
The code is never repeated in a message; the records keep the employee's message masked, and the code is
masked in Rasa's own history too (right after the turn, and again at every later step as a safety net).
"""

from __future__ import annotations

import asyncio
import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from desk import rasa_tracker
from desk.directory import make_directory, plausible_username
from desk.runtime import LazyDesk
from desk.unlock import UnlockService, code_in, mask_code
from desk.unlock_codes import EmailCodeChannel
from settings import Settings
from texts import text

logger = logging.getLogger(__name__)

STAGE_USERNAME = "unlock_username"
STAGE_CODE = "unlock_code"
STAGES = (STAGE_USERNAME, STAGE_CODE)
CLIENT_KEY = "client"  # the web service's keyed hash of the client address, in the user message's metadata
_CLIENT = re.compile(r"[0-9a-f]{64}")
# "Mein Anmeldename ist mmeier", "Benutzername: mmeier", "my user name is mmeier", "it's mmeier".
_NAMED = re.compile(
    r"(?:name|kennung|login|account|konto|it's|es ist|ich bin|i am)\s*(?:ist|is|lautet)?\s*:?\s*(\S+)$", re.I
)
MASK_DELAY_S = 3.0  # Rasa stores the turn's events after the action answered


def username_in(message: str) -> str | None:
    """The user name in a reply to "Wie lautet Ihr Anmeldename?" ("mmeier", "Mein Anmeldename ist mmeier")."""
    said = message.strip().rstrip(".!").strip()
    if len(said.split()) == 1:
        candidate = said
    else:
        named = _NAMED.search(said) if len(said.split()) <= 6 else None
        candidate = named.group(1) if named else ""
    return candidate.strip("\"'„“”") if plausible_username(candidate.strip("\"'„“”")) else None


def client_of(tracker: Tracker) -> str:
    """Who is asking, for the per-client limit: the web service's client hash, else the Rasa channel."""
    metadata = tracker.latest_message.get("metadata") or {}
    client = metadata.get(CLIENT_KEY) if isinstance(metadata, dict) else None
    if isinstance(client, str) and _CLIENT.fullmatch(client):
        return client
    return f"channel:{tracker.get_latest_input_channel() or 'unknown'}"


class UnlockFlow:
    """The unlock's turns, run by ``action_respond``."""

    def __init__(
        self,
        desk: LazyDesk,
        settings: Settings,
        service: UnlockService | None = None,
        mask_delay_s: float = MASK_DELAY_S,
    ) -> None:
        """``service`` for tests; otherwise built on first use from the settings (directory, SMTP)."""
        self.desk = desk
        self.settings = settings
        self._service = service
        self.mask_delay_s = mask_delay_s
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def offered(self) -> bool:
        """Whether a directory is configured (otherwise the chat says unlocking is not set up)."""
        return self._service is not None or self.settings.directory.configured

    def service(self) -> UnlockService:
        """The unlock service (opening the records on first use)."""
        if self._service is None:
            directory = make_directory(self.settings.directory)
            if directory is None:
                raise RuntimeError("no directory configured")
            desk = self.desk.get()
            self._service = UnlockService(
                desk.engine,
                secret=desk.secret,
                directory=directory,
                channel=EmailCodeChannel.from_settings(self.settings.tickets.smtp),
                settings=self.settings.unlock,
            )
        return self._service

    async def begin(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Ask for the user name (never the password)."""
        language = _language(tracker)
        if not self.offered:
            dispatcher.utter_message(text=text("unlock.not_offered", language))
            return [SlotSet("kb_stage", None)]
        dispatcher.utter_message(text=text("unlock.ask_username", language))
        return [SlotSet("kb_stage", STAGE_USERNAME)]

    def offer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """After the locked-account article: the unlock as a button (nothing without a directory)."""
        if not self.offered:
            return
        language = _language(tracker)
        button = {"title": text("unlock.button", language), "payload": "/unlock_account"}
        dispatcher.utter_message(text=text("unlock.offer", language), buttons=[button])

    async def take(self, dispatcher: CollectingDispatcher, tracker: Tracker, message: str) -> list[EventType] | None:
        """Handle the answer to the flow's question; ``None`` when the message is something else."""
        stage = tracker.get_slot("kb_stage")
        if stage == STAGE_USERNAME and (name := username_in(message)) is not None:
            return await self._start(dispatcher, tracker, name)
        if stage == STAGE_CODE and (code := code_in(message)) is not None:
            return await self._verify(dispatcher, tracker, code)
        return None

    async def _start(self, dispatcher: CollectingDispatcher, tracker: Tracker, name: str) -> list[EventType]:
        service = await asyncio.to_thread(self.service)
        answer = await asyncio.to_thread(
            lambda: service.start(
                conversation_id=tracker.sender_id, username=name, client=client_of(tracker), language=_language(tracker)
            )
        )
        dispatcher.utter_message(text=answer.message(_language(tracker)))
        return [SlotSet("kb_stage", STAGE_CODE if answer.status == "sent" else None)]

    async def _verify(self, dispatcher: CollectingDispatcher, tracker: Tracker, code: str) -> list[EventType]:
        service = await asyncio.to_thread(self.service)
        answer = await asyncio.to_thread(lambda: service.verify(conversation_id=tracker.sender_id, code=code))
        dispatcher.utter_message(text=answer.message(_language(tracker)))
        self._mask_later(tracker.sender_id)
        return [SlotSet("kb_stage", STAGE_CODE if answer.status == "wrong" else None)]

    def _mask_later(self, sender_id: str) -> None:
        """Mask codes in Rasa's history now (earlier turns) and once Rasa has stored this turn."""

        async def run() -> None:
            for delay in (0.0, self.mask_delay_s):
                await asyncio.sleep(delay)
                try:
                    await asyncio.to_thread(self.mask_history, sender_id)
                except Exception:  # noqa: BLE001 - a failed mask must not fail the answer; the purge removes it
                    logger.warning("unlock: could not mask a code in the tracker history", exc_info=True)

        task = asyncio.get_running_loop().create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def mask_history(self, sender_id: str) -> int:
        """Mask the codes typed in this conversation in Rasa's tracker database; returns how many events changed."""
        return rasa_tracker.mask_user_texts(self.settings, sender_id, mask_code, slot="kb_stage", values=(STAGE_CODE,))


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "de"


__all__ = ["STAGES", "UnlockFlow", "client_of", "username_in"]
