"""The unlock's records: open codes per conversation, the rate-limit window and the audit (issue 19).

Everything the unlock decides on lives here, in the records database, keyed by the conversation id the web
service and Rasa agree on. Nothing comes from Rasa slots. Names and client addresses in the rate-limit window
are keyed hashes; the code only as an HMAC with the installation secret (six digits would fall to a plain hash).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from desk.db import aware, conversations, new_id, unlock_audit, unlock_challenges, unlock_requests

STATES = ("pending", "unlocked", "blocked", "expired", "failed")
RESULTS = (
    "code_sent",  # start: a code went to the alternative contact
    "unknown",  # start: no such account (the employee is told the same as for code_sent)
    "implausible",  # start: the text cannot be a user name; not looked up
    "not_locked",  # start: the account is not locked: no code (nothing to unlock)
    "no_contact",  # start: no alternative contact registered
    "privileged",  # start: member of a privileged group (or protected): never unlocked here
    "disabled",  # start: switched off or locked by an administrator
    "rate_limited",  # start: too many requests for the name, from the client or in total
    "send_failed",  # start: the mail server did not take the code
    "directory_error",  # start or verify: the directory could not be asked or refused
    "wrong_code",  # verify: a wrong code, tries left
    "blocked",  # verify: the last try was wrong: the code is void
    "expired",  # verify: no open code (never requested, finished or older than its lifetime)
    "unlocked",  # verify: the account is unlocked now
    "already_unlocked",  # verify: right code, but the account was no longer locked (idempotent)
)
WINDOW = timedelta(hours=1)
KEEP_CHALLENGES = timedelta(days=1)


@dataclass(frozen=True)
class Challenge:
    """An open code of a conversation."""

    id: int
    account: str | None
    code_hash: str | None
    tries: int
    expires_at: datetime


class AuditRow(TypedDict):
    """One audited step as an admin reads it."""

    id: int
    at: str
    conversation_id: str
    user_pseudonym: str | None
    step: str
    result: str
    account: str | None


def keyed(secret: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` with the installation secret (names lower-cased and trimmed first)."""
    text = value.strip().lower() if kind == "name" else value
    return hmac.new(secret, f"unlock-{kind}:{text}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def code_hash(secret: bytes, challenge_id: int, code: str) -> str:
    """What is stored for a code: bound to its challenge, so equal codes of two requests differ."""
    return keyed(secret, "code", f"{challenge_id}:{code.strip()}")


# --- rate limits ------------------------------------------------------------------------------------------


def requests_in_window(engine: Engine, *, name_hash: str, client_hash: str, at: datetime) -> tuple[int, int, int]:
    """Requests within the last hour: (for this name, from this client, in total)."""
    since = at - WINDOW
    recent = unlock_requests.c.at > since
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(unlock_requests).where(recent)).scalar_one()
        rows = conn.execute(
            select(unlock_requests.c.name_hash, unlock_requests.c.client_hash).where(
                recent, or_(unlock_requests.c.name_hash == name_hash, unlock_requests.c.client_hash == client_hash)
            )
        ).all()
    return (
        sum(1 for r in rows if r.name_hash == name_hash),
        sum(1 for r in rows if r.client_hash == client_hash),
        int(total),
    )


def record_request(engine: Engine, *, name_hash: str, client_hash: str, at: datetime) -> None:
    """Count a request; requests older than the window and long-finished codes are dropped."""
    with engine.begin() as conn:
        purge_in(conn, at)
        conn.execute(insert(unlock_requests).values(at=at, name_hash=name_hash, client_hash=client_hash))


def purge_in(conn: Connection, at: datetime) -> None:
    """Drop the rate-limit window's old requests and long-expired codes (the hourly purge; starts do it too)."""
    conn.execute(delete(unlock_requests).where(unlock_requests.c.at <= at - WINDOW))
    conn.execute(delete(unlock_challenges).where(unlock_challenges.c.expires_at < at - KEEP_CHALLENGES))


# --- challenges -------------------------------------------------------------------------------------------


def open_challenge(engine: Engine, *, conversation_id: str, account: str | None, at: datetime, ttl: timedelta) -> int:
    """A new open code for the conversation (earlier open ones of it become void); returns its id."""
    with engine.begin() as conn:
        _close_open(conn, conversation_id, "expired", at)
        return new_id(
            conn.execute(
                insert(unlock_challenges).values(
                    conversation_id=conversation_id,
                    account=account,
                    code_hash=None,
                    tries=0,
                    state="pending",
                    created_at=at,
                    expires_at=at + ttl,
                )
            )
        )


def set_code(engine: Engine, challenge_id: int, digest: str) -> None:
    """Store the code's hash once it is known (it is bound to the challenge id)."""
    with engine.begin() as conn:
        conn.execute(update(unlock_challenges).where(unlock_challenges.c.id == challenge_id).values(code_hash=digest))


def pending(engine: Engine, conversation_id: str, at: datetime) -> Challenge | None:
    """The conversation's open code, if one is open and not expired."""
    with engine.connect() as conn:
        row = conn.execute(
            select(unlock_challenges)
            .where(unlock_challenges.c.conversation_id == conversation_id, unlock_challenges.c.state == "pending")
            .order_by(unlock_challenges.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    expires = aware(row.expires_at)
    if expires is None or expires <= at:
        return None
    return Challenge(id=row.id, account=row.account, code_hash=row.code_hash, tries=row.tries, expires_at=expires)


def awaiting_code_in(conn: Connection, conversation_id: str, at: datetime) -> bool:
    """Whether the conversation has an open code (the web service masks a code-like message then)."""
    found = conn.execute(
        select(unlock_challenges.c.id)
        .where(
            unlock_challenges.c.conversation_id == conversation_id,
            unlock_challenges.c.state == "pending",
            unlock_challenges.c.expires_at > at,
        )
        .limit(1)
    ).first()
    return found is not None


def count_try(engine: Engine, challenge_id: int, tries: int) -> bool:
    """Spend one try, only if nobody spent it meanwhile (two tabs, two instances); ``False`` if someone did."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(unlock_challenges)
            .where(
                unlock_challenges.c.id == challenge_id,
                unlock_challenges.c.tries == tries,
                unlock_challenges.c.state == "pending",
            )
            .values(tries=tries + 1)
        ).rowcount
    return bool(changed)


def finish(engine: Engine, challenge_id: int, state: str, at: datetime) -> None:
    """Close a code with its outcome; the account name goes, the code's hash stays only after an unlock."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    values: dict[str, Any] = {"state": state, "finished_at": at, "account": None}
    if state != "unlocked":
        values["code_hash"] = None
    with engine.begin() as conn:
        conn.execute(update(unlock_challenges).where(unlock_challenges.c.id == challenge_id).values(**values))


def recently_unlocked(engine: Engine, conversation_id: str, since: datetime) -> tuple[int, str | None] | None:
    """The conversation's latest code if it unlocked the account after ``since``: (id, code hash)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(unlock_challenges.c.id, unlock_challenges.c.code_hash, unlock_challenges.c.state)
            .where(unlock_challenges.c.conversation_id == conversation_id, unlock_challenges.c.finished_at > since)
            .order_by(unlock_challenges.c.id.desc())
            .limit(1)
        ).first()
    return (row.id, row.code_hash) if row is not None and row.state == "unlocked" else None


def _close_open(conn: Any, conversation_id: str, state: str, at: datetime) -> None:
    conn.execute(
        update(unlock_challenges)
        .where(unlock_challenges.c.conversation_id == conversation_id, unlock_challenges.c.state == "pending")
        .values(state=state, finished_at=at, account=None, code_hash=None)
    )


# --- audit ------------------------------------------------------------------------------------------------


def audit(
    engine: Engine, *, conversation_id: str, step: str, result: str, at: datetime, account: str | None = None
) -> None:
    """Note one step; ``account`` only for an account that exists in the directory."""
    if result not in RESULTS:
        raise ValueError(f"unknown result {result!r}")
    with engine.begin() as conn:
        pseudonym = conn.execute(
            select(conversations.c.user_pseudonym).where(conversations.c.id == conversation_id)
        ).scalar_one_or_none()
        conn.execute(
            insert(unlock_audit).values(
                at=at,
                conversation_id=conversation_id,
                user_pseudonym=pseudonym,
                step=step,
                result=result,
                account=account,
            )
        )


def audit_rows(engine: Engine, *, conversation_id: str | None = None, limit: int = 1000) -> list[AuditRow]:
    """Audited steps, newest first (optionally of one conversation)."""
    query = select(unlock_audit).order_by(unlock_audit.c.id.desc()).limit(limit)
    if conversation_id is not None:
        query = query.where(unlock_audit.c.conversation_id == conversation_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditRow(
            id=r.id,
            at=aware(r.at).isoformat(),  # type: ignore[union-attr]
            conversation_id=r.conversation_id,
            user_pseudonym=r.user_pseudonym,
            step=r.step,
            result=r.result,
            account=r.account,
        )
        for r in rows
    ]
