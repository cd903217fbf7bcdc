"""The self-service rate, counted so that anyone can check it: solved by the assistant, escalated, or unclear.

One conversation (started in the period) gets exactly one outcome and one reason, checked in this order:

1. ``escalated``: it has an escalation (any status, so also a ticket or a withdrawn request), or its closing
   question was asked on the agent or ticket path;
2. ``solved`` / ``helpful``: the employee answered "Hat Ihnen das geholfen?" after an article with 👍;
3. ``solved`` / ``csat_high``: the employee rated the conversation 4 or 5;
4. ``unclear`` / ``csat_low``: rated 1 or 2 (stricter than "did not come back": a poor rating is never solved);
5. ``unclear`` / ``anonymous``: an anonymous browser (its return cannot be seen);
6. ``unclear`` / ``no_article``: signed in, but no article was shown (no topic whose return could be seen);
7. ``unclear`` / ``returned``: the same signed-in employee (pseudonym) started another conversation in which one
   of the same articles was shown, before the end of the 3rd working day after this conversation's last message
   (weekends and the public holidays of ``SERVICEDESK_HOLIDAY_STATE`` are not working days);
8. ``unclear`` / ``window_open``: those 3 working days are not over yet;
9. ``solved`` / ``no_return``: otherwise (signed in, an article shown, no return about it).

Conversations the purge deleted are only counted (``daily_counts``): ``unclear`` / ``purged``. Nothing is ever
counted as solved without one of the three signals above. No figure here names an employee or a staff member.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypedDict

from sqlalchemy import Engine, select

from desk import daily_counts
from desk.db import conversations, csat_ratings, escalations, messages, utc
from settings.working_days import add_working_days

RETURN_WORKING_DAYS = 3
OUTCOMES = ("solved", "escalated", "unclear")
REASONS = {  # reason: outcome, in the order they are checked
    "escalated": "escalated",
    "helpful": "solved",
    "csat_high": "solved",
    "csat_low": "unclear",
    "anonymous": "unclear",
    "no_article": "unclear",
    "returned": "unclear",
    "window_open": "unclear",
    "no_return": "solved",
    "purged": "unclear",
}
ESCALATED_PATHS = ("agent", "ticket")
HELPFUL = "/affirm"  # the 👍 button's payload under "Hat Ihnen das geholfen?"


@dataclass
class Conversation:
    """What the rule needs of one conversation (no text, no content)."""

    id: str
    user: str
    signed_in: bool
    created_at: datetime
    last_at: datetime
    articles: set[str] = field(default_factory=set)
    helpful: bool = False
    escalated: bool = False
    score: int | None = None


class SelfService(TypedDict):
    """Counts by outcome and by reason, the rate, and the rule's parameters."""

    conversations: int
    solved: int
    escalated: int
    unclear: int
    rate: float | None
    reasons: dict[str, int]
    reason_outcomes: dict[str, str]
    return_working_days: int
    holiday_state: str


def said_helpful(rows: Iterable[tuple[str, dict[str, Any]]]) -> bool:
    """A 👍 (``/affirm``) answering a question whose buttons offered it, right after an article card."""
    bots: list[dict[str, Any]] = []  # the bot messages since the employee's last message
    for role, data in rows:
        if role == "bot":
            bots.append(data)
            continue
        if role == "user" and data.get("payload") == HELPFUL and bots:
            asked = any(b.get("payload") == HELPFUL for b in bots[-1].get("buttons") or () if isinstance(b, dict))
            if asked and any(isinstance(d.get("article"), dict) for d in bots[-2:]):
                return True
        if role == "user":
            bots = []
    return False


def window_end(last_at: datetime, tz: tzinfo, state: str) -> datetime:
    """The first moment after the 3rd working day that follows the day of ``last_at`` (in the desk's zone)."""
    day = add_working_days(utc(last_at).astimezone(tz).date(), RETURN_WORKING_DAYS, state)
    return datetime.combine(day + timedelta(days=1), time.min, tz)


def classify(found: Conversation, later: list[Conversation], *, now: datetime, tz: tzinfo, state: str) -> str:
    """The reason (a key of :data:`REASONS`) of one conversation; ``later``: the same user's other conversations."""
    if found.escalated:
        return "escalated"
    if found.helpful:
        return "helpful"
    if found.score is not None and found.score >= 4:
        return "csat_high"
    if found.score is not None and found.score <= 2:
        return "csat_low"
    if not found.signed_in:
        return "anonymous"
    if not found.articles:
        return "no_article"
    end = window_end(found.last_at, tz, state)
    if any(o.id != found.id and found.created_at < o.created_at < end and o.articles & found.articles for o in later):
        return "returned"
    return "window_open" if now < end else "no_return"


def load(engine: Engine, lo: datetime, hi: datetime) -> tuple[list[Conversation], dict[str, list[Conversation]]]:
    """The period's conversations, and every signed-in user's conversations from ``lo`` on (their returns)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(conversations).where(conversations.c.created_at >= lo).order_by(conversations.c.created_at)
        ).all()
        found = {
            r.id: Conversation(r.id, r.user_pseudonym, bool(r.signed_in), utc(r.created_at), utc(r.created_at))
            for r in rows
        }
        since = select(conversations.c.id).where(conversations.c.created_at >= lo)
        by_conversation: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        chat = select(messages.c.conversation_id, messages.c.role, messages.c.data, messages.c.created_at)
        for cid, role, data, at in conn.execute(
            chat.where(messages.c.conversation_id.in_(since)).order_by(messages.c.id)
        ):
            item = found.get(cid)
            if item is None:
                continue
            item.last_at = max(item.last_at, utc(at))
            data = data if isinstance(data, dict) else {}
            by_conversation[cid].append((role, data))
            article = data.get("article")
            if role == "bot" and isinstance(article, dict) and article.get("slug"):
                item.articles.add(str(article["slug"]))
        escalated = select(escalations.c.conversation_id).where(escalations.c.conversation_id.in_(since))
        for cid in conn.execute(escalated).scalars():
            if cid in found:
                found[cid].escalated = True
        rated = select(
            csat_ratings.c.conversation_id,
            csat_ratings.c.score,
            csat_ratings.c.resolution_path,
            csat_ratings.c.articles,
        )
        for cid, score, path, slugs in conn.execute(rated.where(csat_ratings.c.conversation_id.in_(since))):
            if cid in found:
                found[cid].score = int(score)
                found[cid].escalated |= path in ESCALATED_PATHS
                found[cid].articles |= {str(s) for s in slugs or () if isinstance(s, str)}
        for r in rows:
            if r.csat_path in ESCALATED_PATHS:
                found[r.id].escalated = True
    for cid, items in by_conversation.items():
        found[cid].helpful = said_helpful(items)
    period = [c for c in found.values() if c.created_at < hi]
    by_user: dict[str, list[Conversation]] = defaultdict(list)
    for c in found.values():
        if c.signed_in:
            by_user[c.user].append(c)
    return period, by_user


def summary(engine: Engine, start: date, end: date, *, tz: tzinfo, state: str, now: datetime) -> SelfService:
    """Outcomes and reasons of the conversations started from ``start`` to ``end`` (the desk's local days)."""
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    period, by_user = load(engine, lo, hi)
    reasons: Counter[str] = Counter(
        classify(c, by_user.get(c.user, []), now=utc(now), tz=tz, state=state) for c in period
    )
    reasons["purged"] += sum(daily_counts.read(engine, "conversations", start, end).values())
    outcomes: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
    for reason, n in reasons.items():
        outcomes[REASONS[reason]] += n
    total = sum(outcomes.values())
    return SelfService(
        conversations=total,
        solved=outcomes["solved"],
        escalated=outcomes["escalated"],
        unclear=outcomes["unclear"],
        rate=round(outcomes["solved"] / total, 3) if total else None,
        reasons={reason: reasons.get(reason, 0) for reason in REASONS},
        reason_outcomes=dict(REASONS),
        return_working_days=RETURN_WORKING_DAYS,
        holiday_state=state,
    )
