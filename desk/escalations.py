"""Escalation records: what the employee wants, what was tried, and who holds the conversation.

Status moves ``waiting`` → ``claimed`` → ``resolved`` | ``handed_back`` | ``ticket``; ``waiting`` can also
become ``ticket`` (nobody claimed in time) or ``withdrawn`` (the employee no longer needs it). Every transition
is one conditional UPDATE, so two agents or two instances can never both win a claim, and a claim racing a
withdrawal is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, literal, or_, select, update

from desk.db import aware, bump, counters, escalations, messages, new_id, now
from desk.notify import MESSAGE, notify
from desk.ordering import lock_conversation
from knowledge.redaction import redact
from texts import section, text

REASONS = ("user_request", "no_answer", "not_helpful", "needs_person")
STATUSES = ("waiting", "claimed", "resolved", "handed_back", "ticket", "withdrawn")
ACTIVE = ("waiting", "claimed")
SKIPPED = "-"
TICKET_LEASE_S = 60  # a ticket creation in progress blocks retries this long (sinks time out after ~10 s)
WAKE_RETRY_S = 20
# The queue's order: the more people an outage stops, the sooner; an unknown urgency counts as the lowest.
URGENCY_RANK = {"many": 2, "single_blocked": 1, "single_ok": 0}

# The desk works in German: the console's words for reasons, verdicts, urgencies and details (texts/de.yml).
REASON_TEXT = section("escalation.reason")
VERDICT_TEXT = section("escalation.verdict")
URGENCY_TEXT = section("escalation.urgency")
DETAIL_LABELS = section("escalation.detail")


class TransitionError(RuntimeError):
    """The escalation is not in a state that allows this step (e.g. already claimed by someone else)."""


@dataclass(frozen=True)
class Escalation:
    """One escalation with its context card."""

    id: int
    conversation_id: str
    user_pseudonym: str
    language: str
    reason: str
    status: str
    details: dict[str, str]
    summary: tuple[str, ...]
    intents: tuple[dict[str, Any], ...]
    articles: tuple[dict[str, str], ...]
    transcript: tuple[dict[str, Any], ...]
    agent_id: int | None
    agent_name: str | None
    ticket_number: str | None
    ticket_sink: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    messages_from: int = 0
    messages_until: int | None = None
    bot_wake: str | None = None
    incident_id: int | None = None  # asked for under this major incident (issue 13)

    def waiting_seconds(self, at: datetime | None = None) -> int:
        """How long the employee has been waiting (until claimed or closed)."""
        end = self.claimed_at or self.closed_at or at or now()
        return max(0, int((end - self.created_at).total_seconds()))

    def claimed_seconds(self, at: datetime | None = None) -> int | None:
        """How long an agent has held the conversation (``None`` unless it is claimed now)."""
        if self.status != "claimed" or self.claimed_at is None:
            return None
        return max(0, int(((at or now()) - self.claimed_at).total_seconds()))

    @property
    def urgency_rank(self) -> int:
        """:data:`URGENCY_RANK` of the urgency the employee chose (0 when skipped or said in own words)."""
        return URGENCY_RANK.get(self.details.get("urgency", ""), 0)

    def detail_text(self, key: str) -> str:
        """A collected detail in words, '' when skipped or missing."""
        value = self.details.get(key, "")
        if not value or value == SKIPPED:
            return ""
        return URGENCY_TEXT.get(value, value) if key == "urgency" else value


def build_summary(
    *, reason: str, details: dict[str, str], articles: list[dict[str, str]], query: str = ""
) -> tuple[str, str, str]:
    """Three lines from the data only: what is wanted, what was tried, what is still open."""

    def given(key: str) -> str:
        value = (details.get(key) or "").strip()
        return "" if value == SKIPPED else value

    wanted = given("description") or query.strip() or text("escalation.summary.not_given")
    if articles:
        tried = "; ".join(
            f"„{a.get('title') or a['slug']}“ ({VERDICT_TEXT.get(a.get('verdict', 'shown'), VERDICT_TEXT['shown'])})"
            for a in articles
        )
    elif reason == "no_answer":
        tried = text("escalation.summary.searched")
    else:
        tried = text("escalation.summary.nothing_yet")
    open_parts = [REASON_TEXT.get(reason, reason)]
    if given("system"):
        open_parts.append(text("escalation.summary.affected", text=given("system")))
    urgency = given("urgency")
    if urgency:
        open_parts.append(text("escalation.summary.urgency", text=URGENCY_TEXT.get(urgency, urgency)))
    if given("contact"):
        open_parts.append(text("escalation.summary.reachable", text=given("contact")))
    return (
        text("escalation.summary.wanted", text=wanted),
        text("escalation.summary.tried", text=tried),
        text("escalation.summary.open", text="; ".join(open_parts)),
    )


def _record(row: Any) -> Escalation:
    return Escalation(
        id=row.id,
        conversation_id=row.conversation_id,
        user_pseudonym=row.user_pseudonym,
        language=row.language,
        reason=row.reason,
        status=row.status,
        details=dict(row.details or {}),
        summary=tuple(row.summary or ()),
        intents=tuple(row.intents or ()),
        articles=tuple(row.articles or ()),
        transcript=tuple(row.transcript or ()),
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        ticket_number=row.ticket_number,
        ticket_sink=row.ticket_sink,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        claimed_at=aware(row.claimed_at),
        closed_at=aware(row.closed_at),
        messages_from=row.messages_from or 0,
        messages_until=row.messages_until,
        bot_wake=row.bot_wake,
        incident_id=row.incident_id,
    )


def _last_message_id(conversation_id: str) -> Any:
    """SQL for the conversation's highest message id (0 when none), evaluated inside the statement."""
    return (
        select(func.coalesce(func.max(messages.c.id), 0))
        .where(messages.c.conversation_id == conversation_id)
        .scalar_subquery()
    )


def _lock_conversation_of(conn: Connection, escalation_id: int) -> str | None:
    """Take the message lock of the escalation's conversation (PostgreSQL); its id, ``None`` if there is none."""
    if conn.dialect.name != "postgresql":
        return None
    found = conn.execute(select(escalations.c.conversation_id).where(escalations.c.id == escalation_id)).scalar()
    if found is not None:
        lock_conversation(conn, found)
    return found


def create(
    engine: Engine,
    *,
    conversation_id: str,
    user_pseudonym: str,
    language: str,
    reason: str,
    details: dict[str, str],
    intents: list[dict[str, Any]],
    articles: list[dict[str, str]],
    transcript: list[dict[str, Any]],
    query: str = "",
    status: str = "waiting",
    incident_id: int | None = None,
) -> Escalation:
    """Store a new escalation; an already active one for the conversation is returned instead."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    existing = active_for(engine, conversation_id)
    if existing is not None:
        return existing
    # Stored redacted, but for the form's explicit contact field (deleted with the escalation by the purge).
    details = {k: redact(v) if k != "contact" and isinstance(v, str) else v for k, v in details.items()}
    transcript = [{**t, "text": redact(t["text"])} if isinstance(t.get("text"), str) else t for t in transcript]
    query = redact(query)
    ts = now()
    with engine.begin() as conn:
        # Under the conversation's lock: the boundary is exact, and a second create for it finds the first.
        lock_conversation(conn, conversation_id)
        if conn.dialect.name == "postgresql" and (existing := active_in(conn, conversation_id)) is not None:
            return existing
        eid = new_id(
            conn.execute(
                insert(escalations).values(
                    conversation_id=conversation_id,
                    user_pseudonym=user_pseudonym,
                    language=language,
                    reason=reason,
                    status=status,
                    details=details,
                    summary=list(build_summary(reason=reason, details=details, articles=articles, query=query)),
                    intents=intents,
                    articles=articles,
                    transcript=transcript,
                    incident_id=incident_id,
                    created_at=ts,
                    updated_at=ts,
                    closed_at=ts if status not in ACTIVE else None,
                    ticket_attempt_at=ts if status == "ticket" else None,
                    messages_from=_last_message_id(conversation_id),
                    messages_until=_last_message_id(conversation_id) if status not in ACTIVE else None,
                )
            )
        )
        bump(conn, "escalations")
    found = get(engine, eid)
    assert found is not None
    return found


def get(engine: Engine, escalation_id: int) -> Escalation | None:
    """One escalation by id."""
    with engine.connect() as conn:
        row = conn.execute(select(escalations).where(escalations.c.id == escalation_id)).first()
    return _record(row) if row else None


def active_for(engine: Engine, conversation_id: str) -> Escalation | None:
    """The waiting or claimed escalation of a conversation, if any."""
    with engine.connect() as conn:
        return active_in(conn, conversation_id)


def active_in(conn: Connection, conversation_id: str) -> Escalation | None:
    """:func:`active_for` inside the caller's transaction."""
    row = conn.execute(
        select(escalations)
        .where(escalations.c.conversation_id == conversation_id, escalations.c.status.in_(ACTIVE))
        .order_by(escalations.c.id.desc())
    ).first()
    return _record(row) if row else None


def latest_for(engine: Engine, conversation_id: str) -> Escalation | None:
    """The newest escalation of a conversation, whatever its status."""
    with engine.connect() as conn:
        return latest_in(conn, conversation_id)


def latest_in(conn: Connection, conversation_id: str) -> Escalation | None:
    """:func:`latest_for` inside the caller's transaction."""
    row = conn.execute(
        select(escalations).where(escalations.c.conversation_id == conversation_id).order_by(escalations.c.id.desc())
    ).first()
    return _record(row) if row else None


def list_by_status(engine: Engine, statuses: tuple[str, ...], limit: int = 200) -> list[Escalation]:
    """Oldest first (the queue order)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(escalations)
            .where(escalations.c.status.in_(statuses))
            .order_by(escalations.c.created_at, escalations.c.id)
            .limit(limit)
        ).all()
    return [_record(r) for r in rows]


def queue_order(found: list[Escalation]) -> list[Escalation]:
    """The console's queue: most urgent first, then oldest first."""
    return sorted(found, key=lambda e: (-e.urgency_rank, e.created_at, e.id))


def tickets_of(engine: Engine, user_pseudonym: str, limit: int = 5) -> list[Escalation]:
    """The employee's escalations that became tickets, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(escalations)
            .where(escalations.c.user_pseudonym == user_pseudonym, escalations.c.ticket_number.is_not(None))
            .order_by(escalations.c.id.desc())
            .limit(limit)
        ).all()
    return [_record(r) for r in rows]


def transition(
    engine: Engine,
    escalation_id: int,
    *,
    allowed: tuple[str, ...],
    to: str,
    owner: int | None = None,
    **values: Any,
) -> Escalation:
    """Move to ``to`` only from one of ``allowed`` in one conditional UPDATE.

    With ``owner``, a claimed escalation moves only for the agent who holds it. Raises
    :class:`TransitionError` when the escalation is not in such a state.
    """
    if to not in STATUSES:
        raise ValueError(f"unknown status {to!r}")
    ts = now()
    extra: dict[str, Any] = {"status": to, "updated_at": ts, **values}
    if to == "claimed":
        extra.setdefault("claimed_at", ts)
    if to == "ticket":
        extra.setdefault("ticket_attempt_at", ts)
    where = [escalations.c.id == escalation_id, escalations.c.status.in_(allowed)]
    if owner is not None:
        where.append(or_(escalations.c.status != "claimed", escalations.c.agent_id == owner))
    if to not in ACTIVE:
        extra.setdefault("closed_at", ts)
        extra["messages_until"] = (
            select(func.coalesce(func.max(messages.c.id), 0))
            .where(messages.c.conversation_id == escalations.c.conversation_id)
            .scalar_subquery()
        )
    with engine.begin() as conn:
        if to not in ACTIVE:  # the boundary from the messages committed before it (desk/ordering.py)
            _lock_conversation_of(conn, escalation_id)
        result = conn.execute(update(escalations).where(*where).values(**extra))
        if result.rowcount != 1:
            raise TransitionError(f"escalation {escalation_id} is not in {'/'.join(allowed)}")
        bump(conn, "escalations")
    found = get(engine, escalation_id)
    assert found is not None
    return found


def set_ticket(engine: Engine, escalation_id: int, *, number: str, sink: str) -> None:
    """Record the ticket an escalation became."""
    with engine.begin() as conn:
        conn.execute(
            update(escalations)
            .where(escalations.c.id == escalation_id)
            .values(ticket_number=number, ticket_sink=sink, updated_at=now())
        )
        bump(conn, "escalations")


def overdue(engine: Engine, *, timeout_s: int, at: datetime | None = None) -> list[int]:
    """Waiting escalations nobody claimed in time, and tickets whose creation failed (lease expired)."""
    moment = at or now()
    cutoff = moment - timedelta(seconds=timeout_s)
    with engine.connect() as conn:
        waiting = conn.execute(
            select(escalations.c.id).where(escalations.c.status == "waiting", escalations.c.created_at <= cutoff)
        ).scalars()
        unnumbered = conn.execute(select(escalations.c.id).where(*_retry_due(moment))).scalars()
        return sorted({*waiting, *unnumbered})


def _retry_due(moment: datetime) -> list[Any]:
    lease_end = moment - timedelta(seconds=TICKET_LEASE_S)
    return [
        escalations.c.status == "ticket",
        escalations.c.ticket_number.is_(None),
        or_(escalations.c.ticket_attempt_at.is_(None), escalations.c.ticket_attempt_at <= lease_end),
    ]


def claim_ticket_attempt(engine: Engine, escalation_id: int, *, at: datetime | None = None) -> bool:
    """Take the lease for retrying a failed ticket creation; ``False`` when another process has it."""
    moment = at or now()
    with engine.begin() as conn:
        result = conn.execute(
            update(escalations)
            .where(escalations.c.id == escalation_id, *_retry_due(moment))
            .values(ticket_attempt_at=moment)
        )
        return result.rowcount == 1


def pending_wakes(engine: Engine, *, at: datetime | None = None) -> list[Escalation]:
    """Ended handoffs whose bot was not resumed yet (Rasa was down), after a short pause."""
    cutoff = (at or now()) - timedelta(seconds=WAKE_RETRY_S)
    with engine.connect() as conn:
        rows = conn.execute(
            select(escalations).where(
                escalations.c.bot_wake.is_not(None),
                escalations.c.status.not_in(ACTIVE),
                escalations.c.updated_at <= cutoff,
            )
        ).all()
    return [_record(r) for r in rows]


def set_wake(engine: Engine, escalation_id: int, wake: str | None) -> None:
    """Record (or clear, with ``None``) what the bot still has to be told; touching delays the next retry."""
    with engine.begin() as conn:
        conn.execute(
            update(escalations).where(escalations.c.id == escalation_id).values(bot_wake=wake, updated_at=now())
        )


def add_agent_message(
    engine: Engine, escalation_id: int, *, agent_id: int | None, text: str, data: dict[str, Any]
) -> int:
    """Store an agent reply only while the escalation is claimed (by ``agent_id`` unless ``None``).

    One INSERT ... SELECT, so a reply can never land after the conversation was resolved or handed back.
    """
    cond = [escalations.c.id == escalation_id, escalations.c.status == "claimed"]
    if agent_id is not None:
        cond.append(escalations.c.agent_id == agent_id)
    source = select(
        escalations.c.conversation_id,
        literal("agent"),
        literal(text),  # written in the service desk's role: stored as sent (desk/conversations.py)
        literal(data, type_=messages.c.data.type),
        literal(now(), type_=messages.c.created_at.type),
    ).where(and_(*cond))
    with engine.begin() as conn:
        conversation_id = _lock_conversation_of(conn, escalation_id)  # never after a resolve committed before it
        inserted = conn.execute(
            insert(messages)
            .from_select(["conversation_id", "role", "text", "data", "created_at"], source)
            .returning(messages.c.id)
        ).scalar()
        if inserted is not None and conversation_id is not None:
            notify(conn, MESSAGE, conversation_id)
    if inserted is None:
        raise TransitionError(f"escalation {escalation_id} is not held by this agent")
    return int(inserted)


def change_counter(engine: Engine) -> int:
    """Bumped on every escalation change; consoles wait for it to move."""
    with engine.connect() as conn:
        return int(conn.execute(select(counters.c.value).where(counters.c.name == "escalations")).scalar_one())
