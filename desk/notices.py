"""What the employee is told about the handoff, German first and English for English conversations."""

from __future__ import annotations

from datetime import datetime

from settings.hours import ServiceHours

WEEKDAYS_DE = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

_TEXTS = {
    "queued": (
        "Ich habe Ihr Anliegen an den Service Desk übergeben. Sobald eine Kollegin oder ein Kollege frei ist, "
        "meldet sie oder er sich hier im Chat – spätestens nach {minutes} Minuten erstelle ich sonst ein Ticket.",
        "I have passed your request to the service desk. As soon as a colleague is free, they will reply here – "
        "if nobody is free within {minutes} minutes, I will create a ticket.",
    ),
    "still_waiting": (
        "Ihre Nachricht ist beim Service Desk angekommen. Bitte haben Sie noch etwas Geduld.",
        "Your message has reached the service desk. Please bear with us a moment.",
    ),
    "connected": (
        "Sie sind jetzt mit dem Service Desk verbunden ({agent}).",
        "You are now connected to the service desk ({agent}).",
    ),
    "resolved": (
        "Der Service Desk hat das Gespräch beendet.",
        "The service desk has closed the conversation.",
    ),
    "handed_back": (
        "Der Service Desk hat das Gespräch wieder an den Assistenten übergeben.",
        "The service desk has handed the conversation back to the assistant.",
    ),
    "ticket": (
        "Ich habe ein Ticket für Ihr Anliegen erstellt: {number}. "
        "Eine Antwort erhalten Sie voraussichtlich bis {when}.",
        "I have created a ticket for your request: {number}. You can expect an answer by {when}.",
    ),
    "ticket_no_agent": (
        "Leider ist gerade niemand am Service Desk frei. ",
        "Unfortunately nobody at the service desk is free right now. ",
    ),
    "ticket_closed_hours": (
        "Der Service Desk ist gerade nicht besetzt (Servicezeiten: {hours}). ",
        "The service desk is not staffed right now (service hours: {hours}). ",
    ),
    "ticket_pending": (
        "Ihr Anliegen ist gespeichert. Das Ticketsystem antwortet gerade nicht; die Ticketnummer erhalten Sie "
        "hier, sobald es wieder erreichbar ist.",
        "Your request is saved. The ticket system is not answering right now; you will get the ticket number "
        "here as soon as it is reachable again.",
    ),
}


def notice(key: str, language: str, **values: str) -> str:
    """A handoff notice in the conversation's language."""
    de, en = _TEXTS[key]
    return (en if language == "en" else de).format(**values)


def when_text(moment: datetime | None, hours: ServiceHours, language: str) -> str:
    """A deadline as the employee reads it, in the desk's time zone."""
    if moment is None:
        return "zum nächsten Arbeitstag" if language != "en" else "the next working day"
    local = moment.astimezone(hours.tz)
    if language == "en":
        return f"{WEEKDAYS_EN[local.weekday()]} {local:%d/%m} at {local:%H:%M}"
    return f"{WEEKDAYS_DE[local.weekday()]}, {local:%d.%m.} um {local:%H:%M} Uhr"


def ticket_notice(
    *, number: str, language: str, hours: ServiceHours, response_hours: float, at: datetime, why: str, spec: str
) -> str:
    """``why``: ``no_agent``, ``closed_hours``, ``agent`` (converted by an agent) or ``retry``.

    The deadline counts service hours only.
    """
    leads = {"no_agent": "ticket_no_agent", "closed_hours": "ticket_closed_hours"}
    lead = notice(leads[why], language, hours=spec) if why in leads else ""
    when = when_text(hours.answer_by(at, response_hours), hours, language)
    return lead + notice("ticket", language, number=number, when=when)
