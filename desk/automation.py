"""What the assistant did by itself: account unlocks and structured requests (issue 19, the console's part).

Two readers of the same records (``unlock_audit`` and ``service_requests``):

- :func:`actions`: one conversation's automated actions for the agent's context card, oldest first. An unlock
  step says what happened (code sent, wrong code, unlocked, refused, blocked) and the account only when the
  audit has one (it notes only accounts that exist in the directory); the code is never stored, so never shown.
  A request says its number, kind, status, the approver's decision and its ticket.
- :func:`insights`: the counts per ISO week for the lead's report, team level only (no agent, no employee, no
  account). Computed from the live records, so a week's figures shrink once its records are purged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, Engine, or_, select

from desk import csat
from desk.daily_counts import iso_week
from desk.db import aware, service_requests, unlock_audit, utc
from desk.requests.catalogue import Catalogue, watched

Outcome = Literal["code_sent", "wrong_code", "unlocked", "blocked", "expired", "refused"]
# An audited result as the agent reads it; every other result of a start or a check is a refusal (the account
# is unknown, not locked, privileged, without an alternative contact, rate-limited, the directory failed ...).
OUTCOMES: dict[str, Outcome] = {
    "code_sent": "code_sent",
    "wrong_code": "wrong_code",
    "unlocked": "unlocked",
    "already_unlocked": "unlocked",
    "blocked": "blocked",
    "expired": "expired",
}
UNLOCK_FIGURES = ("requested", "code_sent", "unlocked", "blocked", "refused")
REQUEST_FIGURES = ("submitted", "approved", "rejected", "ticket_created")
KindLabel = Callable[[str], str]


class UnlockStep(TypedDict):
    """One audited unlock step of the conversation."""

    type: Literal["unlock"]
    at: str
    step: str  # start | verify
    outcome: Outcome
    result: str  # the audit's result (desk.unlock_records.RESULTS)
    account: str | None


class RequestAction(TypedDict):
    """One structured request of the conversation."""

    type: Literal["request"]
    at: str
    number: str
    kind: str
    kind_label: str
    status: str
    approver: str | None
    decision: Literal["approved", "rejected"] | None
    decided_at: str | None
    ticket_number: str | None


Action = UnlockStep | RequestAction


def outcome(result: str) -> Outcome:
    """What an audited unlock result means for the agent."""
    return OUTCOMES.get(result, "refused")


def decision(status: str, decided_at: datetime | None) -> Literal["approved", "rejected"] | None:
    """The approver's decision: a decided request is rejected or (then or later with its ticket) approved."""
    if decided_at is None:
        return None
    return "rejected" if status == "rejected" else "approved"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def actions(
    engine: Engine, conversation_id: str, catalogue: Catalogue | None = None, until: datetime | None = None
) -> list[Action]:
    """The conversation's automated actions, oldest first (unlock steps by time, requests by submission).

    ``catalogue`` names kinds and approvers (German, like the desk's other labels); without it, or for a kind
    or person taken out of it, the stored key stands. ``until``: a closed escalation's end; its card shows
    nothing done in the conversation after it (as with its messages), a request made before it with its status.
    """
    step_where = [unlock_audit.c.conversation_id == conversation_id]
    request_where = [service_requests.c.conversation_id == conversation_id]
    if until is not None:
        end = until.astimezone(UTC)  # stored in UTC (SQLite keeps the wall time of what it is given)
        step_where.append(unlock_audit.c.at <= end)
        request_where.append(service_requests.c.created_at <= end)
    with engine.connect() as conn:
        steps = conn.execute(
            select(unlock_audit.c.at, unlock_audit.c.step, unlock_audit.c.result, unlock_audit.c.account)
            .where(*step_where)
            .order_by(unlock_audit.c.at, unlock_audit.c.id)
        ).all()
        requests = conn.execute(select(service_requests).where(*request_where).order_by(service_requests.c.id)).all()
    kinds = catalogue.kinds if catalogue else {}
    people = catalogue.people if catalogue else {}
    found: list[tuple[datetime, Action]] = []
    for s in steps:
        at = utc(s.at)
        step = UnlockStep(
            type="unlock", at=at.isoformat(), step=s.step, outcome=outcome(s.result), result=s.result, account=s.account
        )
        found.append((at, step))
    for r in requests:
        at, decided = utc(r.created_at), aware(r.decided_at)
        kind, person = kinds.get(r.kind), people.get(r.approver or "")
        found.append(
            (
                at,
                RequestAction(
                    type="request",
                    at=at.isoformat(),
                    number=r.number or "",
                    kind=r.kind,
                    kind_label=kind.label("de") if kind else r.kind,
                    status=r.status,
                    approver=person.name if person else r.approver,
                    decision=decision(r.status, decided),
                    decided_at=_iso(decided),
                    ticket_number=r.ticket_number,
                ),
            )
        )
    found.sort(key=lambda pair: pair[0])  # stable: an unlock step and a request of the same instant keep order
    return [action for _, action in found]


def kind_labels(path: Path, language: str = "de") -> dict[str, str]:
    """The catalogue's kinds by name with their label (the report's rows)."""
    return {name: kind.label(language) for name, kind in watched(path).get().kinds.items()}


# --- the lead's weekly counts -----------------------------------------------------------------------------


def _unlock_weeks(conn: Connection, lo: datetime, hi: datetime, tz: tzinfo) -> list[dict[str, Any]]:
    """Unlocks per week: requests (starts), codes sent, unlocked, blocked after wrong codes, refused starts."""
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    rows = conn.execute(
        select(unlock_audit.c.at, unlock_audit.c.step, unlock_audit.c.result, unlock_audit.c.account).where(
            unlock_audit.c.at >= lo, unlock_audit.c.at < hi
        )
    ).all()
    for r in rows:
        week = weeks[iso_week(r.at, tz)]
        if r.step == "start":
            week["requested"] += 1
            week["code_sent" if r.result == "code_sent" else "refused"] += 1
        elif r.result == "unlocked" or (r.result == "already_unlocked" and r.account is not None):
            # "already_unlocked" with the account: the right code for an account unlocked meanwhile, the end of
            # its request; without: the same code typed again after the unlock (desk.unlock), not counted twice.
            week["unlocked"] += 1
        elif r.result == "blocked":
            week["blocked"] += 1
    return [{"week": w, **{k: weeks[w][k] for k in UNLOCK_FIGURES}} for w in sorted(weeks)]


def _request_weeks(
    conn: Connection, lo: datetime, hi: datetime, tz: tzinfo, labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Requests per week and kind, each by when it happened: submitted, approved, rejected, ticket created.

    A ticket's time is the request's last change once it has the ticket (nothing changes a request after that).
    """
    c = service_requests.c
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    rows = conn.execute(
        select(c.kind, c.status, c.created_at, c.decided_at, c.updated_at, c.ticket_number).where(
            or_(
                c.created_at.between(lo, hi),
                c.decided_at.between(lo, hi),
                c.updated_at.between(lo, hi),
            )
        )
    ).all()

    def count(at: datetime | None, kind: str, figure: str) -> None:
        if at is not None and lo <= utc(at) < hi:
            counts[(iso_week(at, tz), kind)][figure] += 1

    for r in rows:
        count(r.created_at, r.kind, "submitted")
        choice = decision(r.status, aware(r.decided_at))
        if choice is not None:
            count(r.decided_at, r.kind, choice)
        if r.ticket_number is not None:
            count(r.updated_at, r.kind, "ticket_created")
    return [
        {
            "week": week,
            "kind": kind,
            "label": labels.get(kind, kind),
            **{k: counts[(week, kind)][k] for k in REQUEST_FIGURES},
        }
        for week, kind in sorted(counts)
    ]


def insights(
    engine: Engine, start: date, end: date, tz: tzinfo, labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The automated actions from ``start`` to ``end`` (local days) per ISO week: unlocks, and requests by kind."""
    lo, hi = csat.period_bounds(start, end, tz)
    with engine.connect() as conn:
        return {
            "unlocks": _unlock_weeks(conn, lo, hi, tz),
            "requests": _request_weeks(conn, lo, hi, tz, labels or {}),
        }
