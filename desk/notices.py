"""What the employee is told about the handoff, in the conversation's language (words: ``texts/``, ``notice.*``)."""

from __future__ import annotations

from datetime import datetime

from settings.hours import ServiceHours
from texts import text


def notice(key: str, language: str, **values: str) -> str:
    """A handoff notice in the conversation's language (the catalogue's ``notice.<key>``)."""
    return text(f"notice.{key}", language, **values)


def when_text(moment: datetime | None, hours: ServiceHours, language: str) -> str:
    """A deadline as the employee reads it, in the desk's time zone."""
    if moment is None:
        return text("notice.next_working_day", language)
    local = moment.astimezone(hours.tz)
    weekday = text("notice.weekdays", language).split(",")[local.weekday()]
    return text(
        "notice.when",
        language,
        weekday=weekday,
        day=f"{local:%d}",
        month=f"{local:%m}",
        hour=f"{local:%H}",
        minute=f"{local:%M}",
    )


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
