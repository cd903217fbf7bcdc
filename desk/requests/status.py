"""What the chat says about a person's requests: the one named by its number, else the newest three.

Only requests of the same pseudonymous user are ever shown: another person's number gets the same "not found"
answer as a number that does not exist.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from desk.requests import records
from desk.requests.catalogue import Catalogue
from desk.requests.records import ServiceRequest
from texts import text

NUMBER = re.compile(rf"\b({records.PREFIX}-\d{{4}}-\d{{1,8}})\b", re.IGNORECASE)
SEARCHED = 200
LOCAL = ZoneInfo("Europe/Berlin")


def number_in(message: str) -> str | None:
    """The first request number in a message (``AN-2026-000042``)."""
    found = NUMBER.search(message)
    return found.group(1).upper() if found else None


def line(found: ServiceRequest, catalogue: Catalogue, language: str) -> str:
    """One request in a sentence: number, kind, day, status (and ticket)."""
    kind = catalogue.kind(found.kind)
    day = found.created_at.astimezone(LOCAL).strftime("%d.%m.%Y" if language != "en" else "%Y-%m-%d")
    said = text(
        "request.status.line",
        language,
        number=found.number,
        kind=kind.label(language) if kind else found.kind,
        date=day,
        status=text(f"request.status.{found.status}", language),
    )
    if found.ticket_number:
        said += text("request.status.ticket", language, ticket=found.ticket_number)
    return said


def describe(engine: Engine, catalogue: Catalogue, *, user: str, language: str, message: str = "") -> list[str]:
    """The answer to "what about my request?": one line per request, or the "none" / "not found" sentence."""
    number = number_in(message)
    if number is not None:
        named = [r for r in records.of_user(engine, user, SEARCHED) if r.number == number]
        if not named:
            return [text("request.status.not_found", language, number=number)]
        return [line(named[0], catalogue, language)]
    found = records.of_user(engine, user, 3)
    if not found:
        return [text("request.status.none", language)]
    return [line(r, catalogue, language) for r in found]
