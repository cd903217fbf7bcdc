"""The closing question's free-text comments for the lead: redacted, without staff names, newest first.

The stored comment stays as written; what the lead sees (``/insights/`` and its CSV) goes through the gap
queue's redaction (e-mail addresses, phone numbers, names after "ich bin", anything after "Passwort") and
then loses every staff account's display name and user name, so the insights never name a person of the
desk (staff council: no per-person evaluation).
"""

from __future__ import annotations

import re
from datetime import UTC, date, tzinfo
from typing import TypedDict

from sqlalchemy import Engine, select

from desk.csat import period_bounds
from desk.db import aware, conversations, csat_ratings, users
from desk.gaps import redact
from texts import section, text

NAME = "[Name]"
LIMIT = 500
_MIN_NAME = 2  # shorter name parts (initials) are left: "A." would cut every sentence end
# Parts of account names that are the desk's own words ("Team Service Desk 1"), not a person's name.
_OWN_WORDS = {"team"} | {
    w.lower() for lang in ("de", "en") for term in section("shared", lang).values() for w in term.split()
}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting with these


class Comment(TypedDict):
    """One comment as the lead sees it."""

    date: str
    score: int
    path: str
    language: str
    comment: str


def staff_names(engine: Engine) -> list[str]:
    """Every display name and user name of the staff accounts, and their parts, longest first."""
    found: set[str] = set()
    with engine.connect() as conn:
        for display, username in conn.execute(select(users.c.display_name, users.c.username)):
            for whole in (display or "", username or ""):
                found.add(whole.strip())
                found.update(re.split(r"[\s._@-]+", whole))
    kept = (n for n in found if len(n) >= _MIN_NAME and not n.isdigit() and n.lower() not in _OWN_WORDS)
    return sorted(kept, key=len, reverse=True)


def without_names(comment: str, names: list[str]) -> str:
    """``comment`` with each of ``names`` (whole words, any case) replaced by ``[Name]``."""
    if not names:
        return comment
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)
    return pattern.sub(NAME, comment)


def shown(comment: str, names: list[str]) -> str:
    """A comment as the lead may read it."""
    return redact(without_names(comment, names))


def comments(engine: Engine, start: date, end: date, tz: tzinfo = UTC, limit: int = LIMIT) -> list[Comment]:
    """Comments of the ratings counted in the period (questions asked ``start``..``end``), newest first."""
    lo, hi = period_bounds(start, end, tz)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                csat_ratings.c.created_at,
                csat_ratings.c.score,
                csat_ratings.c.resolution_path,
                csat_ratings.c.language,
                csat_ratings.c.comment,
            )
            .select_from(csat_ratings.join(conversations, csat_ratings.c.conversation_id == conversations.c.id))
            .where(
                conversations.c.csat_asked_at >= lo,
                conversations.c.csat_asked_at < hi,
                csat_ratings.c.comment.is_not(None),
                csat_ratings.c.comment != "",
            )
            .order_by(csat_ratings.c.created_at.desc(), csat_ratings.c.id.desc())
            .limit(limit)
        ).all()
    names = staff_names(engine) if rows else []
    return [
        Comment(
            date=(aware(r.created_at) or r.created_at).astimezone(tz).date().isoformat(),
            score=int(r.score),
            path=str(r.resolution_path),
            language=str(r.language),
            comment=shown(str(r.comment), names),
        )
        for r in rows
    ]


def comments_csv(rows: list[Comment]) -> str:
    """The comments as a CSV block (German header, ";" separated, quoted text), for the insights export."""
    paths, languages = section("resolution_path"), section("ui.language")

    def cell(value: str) -> str:
        safe = "'" + value if value.startswith(_FORMULA) else value
        return '"' + safe.replace('"', '""') + '"'

    lines = [text("csat.csv_comments_header")]
    for c in rows:
        day = date.fromisoformat(c["date"]).strftime("%d.%m.%Y")
        path, language = paths.get(c["path"], c["path"]), languages.get(c["language"], c["language"])
        lines.append(";".join([day, str(c["score"]), cell(path), cell(language), cell(c["comment"])]))
    return "\r\n".join(lines) + "\r\n"
