"""Self-service unlock of a locked directory account from the chat (issue 19).

``start(conversation_id, username, client)`` sends a one-time code to the account's *alternative* contact and
always answers the same, whether the name exists, is locked, privileged or has no contact (the audit tells them
apart, the employee cannot). ``verify(conversation_id, code)`` checks it: 3 tries, 10 minutes, constant-time
compare against a keyed hash, then unlocks (idempotently). Limits per user name, per client address and in total
count requests in the records database, so a new chat session does not reset them. Members of privileged groups
are never unlocked. Password *reset* is not done here: the answers link the password portal (setting).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine

from desk import unlock_records as records
from desk.db import now
from desk.directory import Directory, DirectoryAccount, DirectoryError, plausible_username, privileged
from desk.unlock_codes import CodeChannel, CodeNotSent
from settings.directory import Unlock
from texts import text

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 3
CODE_DIGITS = 6
# Every start answers after at least this long, so a sent mail (known, locked name) does not take visibly longer
# than no mail (unknown name).
FLOOR_S = 1.0

# A code as typed: six digits, maybe split in two by a space or a dash ("123 456"); what the records keep instead.
CODE_IN_TEXT = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})(?!\d)")
MASK = "••••••"

Status = Literal["sent", "limited", "unavailable", "wrong", "blocked", "expired", "unlocked"]


def code_in(text: str) -> str | None:
    """The first code-like group of six digits in a message, without separators."""
    found = CODE_IN_TEXT.search(text)
    return found.group(1) + found.group(2) if found else None


def mask_code(text: str) -> str:
    """The message with every code-like group of six digits replaced by :data:`MASK`."""
    return CODE_IN_TEXT.sub(MASK, text)


@dataclass(frozen=True)
class UnlockAnswer:
    """What the employee is told; ``tries`` is the number of tries left after a wrong code."""

    status: Status
    tries: int = 0
    portal_url: str = ""

    def message(self, language: str = "de") -> str:
        """The chat's answer (German or English), with the password portal where it helps."""
        minutes = int(CODE_TTL.total_seconds() // 60)
        body = text(f"unlock.{self.status}", language, minutes=minutes, tries=self.tries)
        if self.portal_url and self.status in {"sent", "unlocked", "blocked"}:
            body += " " + text("unlock.portal", language, url=self.portal_url)
        return body


class UnlockService:
    """The unlock's decisions over the records database, a directory and a code channel."""

    def __init__(
        self,
        engine: Engine,
        *,
        secret: bytes,
        directory: Directory,
        channel: CodeChannel,
        settings: Unlock,
        clock: Callable[[], datetime] = now,
        floor_s: float = FLOOR_S,
    ) -> None:
        """Collaborators come in; ``clock`` and ``floor_s`` are for tests."""
        self.engine = engine
        self.secret = secret
        self.directory = directory
        self.channel = channel
        self.settings = settings
        self.clock = clock
        self.floor_s = floor_s

    def _answer(self, status: Status, tries: int = 0) -> UnlockAnswer:
        return UnlockAnswer(status=status, tries=tries, portal_url=self.settings.password_portal_url)

    # --- start -----------------------------------------------------------------------------------------

    def start(self, *, conversation_id: str, username: str, client: str, language: str = "de") -> UnlockAnswer:
        """Send a code if the name is a locked, unprivileged account with an alternative contact; same answer."""
        began = time.monotonic()
        try:
            return self._start(conversation_id, username.strip(), client, language)
        finally:
            left = self.floor_s - (time.monotonic() - began)
            if left > 0:
                time.sleep(left)

    def _start(self, conversation_id: str, username: str, client: str, language: str) -> UnlockAnswer:
        at = self.clock()
        name_hash = records.keyed(self.secret, "name", username)
        client_hash = records.keyed(self.secret, "client", client)
        per_name, per_client, total = records.requests_in_window(
            self.engine, name_hash=name_hash, client_hash=client_hash, at=at
        )
        s = self.settings
        if per_name >= s.per_name_per_hour or per_client >= s.per_client_per_hour or total >= s.global_per_hour:
            self._audit(conversation_id, "start", "rate_limited", at)
            return self._answer("limited")
        records.record_request(self.engine, name_hash=name_hash, client_hash=client_hash, at=at)
        if not plausible_username(username):
            return self._decoy(conversation_id, "implausible", at)
        try:
            account = self.directory.find(username)
        except DirectoryError as exc:
            log.warning("unlock: directory lookup failed: %s", exc)
            self._audit(conversation_id, "start", "directory_error", at)
            return self._answer("unavailable")
        if account is None:
            return self._decoy(conversation_id, "unknown", at)
        refusal = self._refusal(account)
        if refusal is not None:
            return self._decoy(conversation_id, refusal, at, account=account.username)
        if not account.locked:
            return self._decoy(conversation_id, "not_locked", at, account=account.username)
        challenge = records.open_challenge(
            self.engine, conversation_id=conversation_id, account=account.username, at=at, ttl=CODE_TTL
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        records.set_code(self.engine, challenge, records.code_hash(self.secret, challenge, code))
        try:
            self.channel.send(
                address=account.contact or "", code=code, language=language, minutes=int(CODE_TTL.seconds // 60)
            )
        except CodeNotSent as exc:
            # Still the same answer: a mail failure only for existing names would tell which names exist.
            log.warning("unlock: code not sent: %s", exc)
            records.finish(self.engine, challenge, "failed", at)
            self._audit(conversation_id, "start", "send_failed", at, account.username)
            return self._answer("sent")
        self._audit(conversation_id, "start", "code_sent", at, account.username)
        return self._answer("sent")

    def _refusal(self, account: DirectoryAccount) -> str | None:
        """Why this account is never unlocked from the chat, or ``None``."""
        if account.disabled:
            return "disabled"
        if privileged(account, self.settings.privileged_groups):
            return "privileged"
        if not account.contact:
            return "no_contact"
        return None

    def _decoy(self, conversation_id: str, result: str, at: datetime, account: str | None = None) -> UnlockAnswer:
        """No code goes out, but the conversation gets an open "code" all the same: its tries behave alike."""
        records.open_challenge(self.engine, conversation_id=conversation_id, account=None, at=at, ttl=CODE_TTL)
        self._audit(conversation_id, "start", result, at, account)
        return self._answer("sent")

    # --- verify ----------------------------------------------------------------------------------------

    def verify(self, *, conversation_id: str, code: str) -> UnlockAnswer:
        """Check a typed code for the conversation's open request and unlock on a match."""
        at = self.clock()
        typed = "".join(code.split())
        for _ in range(3):
            challenge = records.pending(self.engine, conversation_id, at)
            if challenge is None:
                return self._finished(conversation_id, typed, at)
            if records.count_try(self.engine, challenge.id, challenge.tries):
                break
        else:  # three lost races in a row: somebody is hammering this conversation
            self._audit(conversation_id, "verify", "wrong_code", at)
            return self._answer("wrong", 0)
        if not self._matches(challenge.id, challenge.code_hash, typed) or challenge.account is None:
            tries_left = MAX_TRIES - challenge.tries - 1
            if tries_left <= 0:
                records.finish(self.engine, challenge.id, "blocked", at)
                self._audit(conversation_id, "verify", "blocked", at)
                return self._answer("blocked")
            self._audit(conversation_id, "verify", "wrong_code", at)
            return self._answer("wrong", tries_left)
        return self._unlock(conversation_id, challenge.id, challenge.account, at)

    def _matches(self, challenge_id: int, stored: str | None, typed: str) -> bool:
        """Constant-time compare; a decoy (no stored hash) is compared against a random value, never equal."""
        digest = records.code_hash(self.secret, challenge_id, typed)
        return hmac.compare_digest(digest, stored or secrets.token_hex(32)) and stored is not None

    def _unlock(self, conversation_id: str, challenge_id: int, username: str, at: datetime) -> UnlockAnswer:
        try:
            # Looked up again: a membership granted since the code was sent still keeps the account out of reach.
            account = self.directory.find(username)
            if account is None or self._refusal(account) is not None:
                records.finish(self.engine, challenge_id, "failed", at)
                result = "unknown" if account is None else self._refusal(account) or "privileged"
                self._audit(conversation_id, "verify", result, at, username if account else None)
                return self._answer("unavailable")
            changed = self.directory.unlock(username)
        except DirectoryError as exc:
            log.warning("unlock: directory refused: %s", exc)
            records.finish(self.engine, challenge_id, "failed", at)
            self._audit(conversation_id, "verify", "directory_error", at, username)
            return self._answer("unavailable")
        records.finish(self.engine, challenge_id, "unlocked", at)
        self._audit(conversation_id, "verify", "unlocked" if changed else "already_unlocked", at, username)
        return self._answer("unlocked")

    def _finished(self, conversation_id: str, typed: str, at: datetime) -> UnlockAnswer:
        """No open code: the same code typed again after it unlocked answers "unlocked" again (idempotent)."""
        done = records.recently_unlocked(self.engine, conversation_id, at - CODE_TTL)
        if done is not None and self._matches(done[0], done[1], typed):
            self._audit(conversation_id, "verify", "already_unlocked", at)
            return self._answer("unlocked")
        self._audit(conversation_id, "verify", "expired", at)
        return self._answer("expired")

    def _audit(self, conversation_id: str, step: str, result: str, at: datetime, account: str | None = None) -> None:
        records.audit(self.engine, conversation_id=conversation_id, step=step, result=result, at=at, account=account)
