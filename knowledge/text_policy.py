"""What text, numbers and dates the service accepts: one policy for the API, the records and the articles.

Every limit lives in :data:`LIMITS` (``web/static/openapi.yaml`` repeats them as ``maxLength``/``maxItems``;
a unit test keeps both in step). The checks return a problem code or ``None``; callers turn a code into a
German and English message with :func:`message`.
"""

from __future__ import annotations

import re
from datetime import date

from texts import text

# Characters per field (lists: items per list, "_item" entries: characters per item). A chat message and a
# search question may have SERVICEDESK_MAX_QUERY_CHARS characters (default 1000; a setting, not fixed here).
LIMITS: dict[str, int] = {
    "username": 80,
    "password": 200,
    "display_name": 120,
    "slug": 80,
    "title": 200,
    "owner": 120,
    "audience": 200,
    "tags": 30,
    "tags_item": 60,
    "questions": 50,
    "questions_item": 300,
    "notes": 5000,
    "body": 100_000,
    "label": 200,
    "reply": 4000,
    "canned_title": 120,  # a canned reply's title and text (the text with its placeholders filled is a reply)
    "canned_body": 2000,
    "internal_note": 2000,  # an agent's internal note on an escalation
    "identity": 4096,
    "session": 1024,
    "query_param": 2000,
    "user_id": 200,  # an intranet user id (the identity token's "sub") in a data-subject request
    "conversation_id": 64,
    "incident_text": 4000,  # an incident's symptoms, status text, workaround, status update or resolution text
    "services": 20,  # the services an incident affects
    "services_item": 100,
}
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what the database's integers hold
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2099, 12, 31)
MAX_JSON_DEPTH = 8  # the deepest body the API takes is 3 levels (a draft article's tag list in a test request)

# Bidirectional embeddings, overrides and isolates: they make a name read differently from what it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
_USERNAME_RE = re.compile(r"[A-Za-z0-9._@-]+")  # ASCII: no look-alikes ("ａｄｍｉｎ", "аdmin")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The problem codes; their words are in the text catalogue (texts/*.yml, "policy.<code>").
CODES = (
    *("type", "encoding", "control", "bidi", "newline", "too_long", "too_many"),
    *("empty", "username", "int", "date", "json", "depth"),
)


def message(code: str, field: str, label: str | None = None) -> tuple[str, str]:
    """German and English message for a problem code, naming the field (``label``: its German name)."""
    code = code if code in CODES else "control"
    shown = label or field
    if code == "too_long" and field in LIMITS:
        limit = LIMITS[field]
        return text("policy.field_too_long", "de", field=shown, limit=limit), text(
            "policy.field_too_long", "en", field=field, limit=limit
        )
    return (
        text("policy.field", "de", field=shown, problem=text(f"policy.{code}", "de")),
        text("policy.field", "en", field=field, problem=text(f"policy.{code}", "en")),
    )


def char_problem(value: str, *, multiline: bool = False, name: bool = False) -> str | None:
    """Why ``value`` cannot be stored, or ``None``.

    Always refused: lone surrogates (not encodable), control characters (C0, DEL, C1; tab and newlines only
    where ``multiline``), Unicode non-characters (U+FFFE, U+FDD0…) and line separators YAML would fold.
    ``name`` (names, titles, tags) also refuses bidirectional overrides and isolates.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "encoding"
    for ch in value:
        code = ord(ch)
        if ch in "\n\r\t":
            if not multiline:
                return "newline"
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or ch in _LINE_SEPARATORS:
            return "control"
        if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
            return "control"
        if name and ch in _BIDI:
            return "bidi"
    return None


def text_problem(value: object, field: str, *, multiline: bool = False, name: bool = False) -> str | None:
    """Type, characters and length of one text field (limit from :data:`LIMITS`)."""
    if not isinstance(value, str):
        return "type"
    found = char_problem(value, multiline=multiline, name=name)
    if found:
        return found
    if field in LIMITS and len(value) > LIMITS[field]:
        return "too_long"
    return None


def username_problem(value: object) -> str | None:
    """Staff user names: ASCII letters, digits and ``. _ @ -`` (no spaces, look-alikes, invisible marks)."""
    if not isinstance(value, str):
        return "type"
    found = char_problem(value)
    if found:
        return found
    if not value or len(value) > LIMITS["username"] or not _USERNAME_RE.fullmatch(value):
        return "username"
    return None


def int_problem(value: object, lo: int = INT_MIN, hi: int = INT_MAX) -> str | None:
    """A whole number (not a bool) within ``lo``…``hi`` (by default what a 64-bit column holds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return "int"
    return None


def parse_int(raw: str | None, default: int, lo: int = 0, hi: int = INT_MAX) -> int | None:
    """A query parameter as an int within range; ``None`` when it is not one."""
    if raw is None or raw == "":
        return default
    text = raw  # as sent: " 1", "١" (Arabic-Indic) or "²" are not numbers here
    if not text or len(text) > 20 or not text.isascii() or not text.lstrip("-").isdigit():
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_date(raw: object) -> date | None:
    """An ISO date (``YYYY-MM-DD``) within :data:`DATE_MIN`…:data:`DATE_MAX`, else ``None``."""
    if isinstance(raw, date):
        found: date | None = raw
    else:
        text = str(raw).strip()
        if not _DATE_RE.fullmatch(text):
            return None  # no week dates, no compact form: what the forms and the files write
        try:
            found = date.fromisoformat(text)
        except ValueError:
            return None
    return found if found is not None and DATE_MIN <= found <= DATE_MAX else None
