"""What the chat shows before the first message: starter topics, the service hours and the privacy notice's facts.

Starter topics are the articles the chat showed most often; until there are such figures (or too few of them) a
fixed list of everyday topics fills the six places. A topic carries the article's first question: clicking it asks
that question, so the answer comes the usual way (the knowledge search), not by a shortcut.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import TypedDict

from knowledge.articles import Article
from settings import Settings
from settings.hours import ServiceHours
from texts import text

TOPICS = 6
# Everyday topics of a city administration's IT desk, in this order, while the chat has shown too few articles.
FALLBACK = (
    "passwort-zuruecksetzen",
    "drucker-druckt-nicht",
    "vpn-verbinden",
    "outlook-startet-nicht",
    "konto-gesperrt",
    "wlan-verbinden",
    "softphone",
    "netzlaufwerk-verbinden",
)
# Words that mark a question as English (the articles are German; some list English questions too).
_ENGLISH = frozenset("how what why where who can do does is my the i to with".split())


class Topic(TypedDict):
    """One starter topic: the button's title and the question it asks."""

    slug: str
    title: str
    question: str


class Hours(TypedDict):
    """The service hours as the employee reads them."""

    text: str
    open: bool
    next_open: str | None  # "Mo 07:30" when closed now and open again within two weeks


class Privacy(TypedDict):
    """The facts of the short privacy notice (DSGVO Art. 13)."""

    controller: str
    contact: str
    contact_href: str | None
    retention_days: int


class Welcome(TypedDict):
    """The empty state's content (``GET /api/chat/welcome``)."""

    topics: list[Topic]
    hours: Hours
    privacy: Privacy


def short_title(title: str) -> str:
    """The part of a title before a dash or parenthesis ("Passwort vergessen – Kennwort …" → "Passwort vergessen")."""
    for cut in (" – ", " - ", " ("):
        title = title.split(cut, 1)[0]
    return title.strip()


def question_for(article: Article, language: str) -> str:
    """The article's first question (in English the first one that reads English), else its title."""
    if language == "en":
        for question in article.questions:
            words = {w.strip("?,.!'\"").lower() for w in question.split()}
            if len(words & _ENGLISH) >= 2 and not any(ch in question for ch in "äöüßÄÖÜ"):
                return question
    return article.questions[0] if article.questions else article.title


def topics(articles: Iterable[Article], most_shown: list[str], language: str, limit: int = TOPICS) -> list[Topic]:
    """Up to ``limit`` topics: the most shown published articles first, then the fixed list, no slug twice."""
    published = {a.slug: a for a in articles if a.status == "published"}
    chosen: list[Topic] = []
    for slug in [*most_shown, *FALLBACK, *sorted(published)]:
        article = published.get(slug)
        if article is None or any(t["slug"] == slug for t in chosen):
            continue
        chosen.append({"slug": slug, "title": short_title(article.title), "question": question_for(article, language)})
        if len(chosen) == limit:
            break
    return chosen


def _clock(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


def describe_hours(hours: ServiceHours, language: str) -> str:
    """The week in words: "Mo–Fr 07:30–16:00", days with the same times grouped; "rund um die Uhr"; "—"."""
    if hours.never_open:
        return text("ui.widget.hours_never", language)
    if all(day == ((time(0), time.max),) for day in hours.week):
        return text("ui.widget.hours_always", language)
    names = text("shared.weekdays", language).split(",")
    parts: list[str] = []
    day = 0
    while day < 7:
        intervals = hours.week[day]
        last = day
        while last + 1 < 7 and hours.week[last + 1] == intervals:
            last += 1
        if intervals:
            days = names[day] if last == day else f"{names[day]}–{names[last]}"
            times = ", ".join(f"{_clock(s)}–{_clock(e)}" for s, e in intervals)
            parts.append(f"{days} {times}")
        day = last + 1
    return ", ".join(parts)


def hours_now(hours: ServiceHours, at: datetime, language: str) -> Hours:
    """The hours, whether the desk is open at ``at``, and when it opens next."""
    is_open = hours.is_open(at)
    following = None if is_open else hours.next_open(at)
    next_open = None
    if following is not None:
        local = following.astimezone(hours.tz)
        next_open = f"{text('shared.weekdays', language).split(',')[local.weekday()]} {local:%H:%M}"
    return {"text": describe_hours(hours, language), "open": is_open, "next_open": next_open}


def contact_href(contact: str) -> str | None:
    """A link for the controller's contact when it is one address: ``mailto:`` or a web address; else None."""
    if " " in contact:
        return None
    if contact.startswith(("https://", "http://")):
        return contact
    local, at, domain = contact.partition("@")
    return f"mailto:{contact}" if at and local and "." in domain else None


def welcome(
    *, settings: Settings, articles: Iterable[Article], most_shown: list[str], language: str, at: datetime
) -> Welcome:
    """Everything the empty state shows."""
    legal = settings.legal
    return {
        "topics": topics(articles, most_shown, language),
        "hours": hours_now(settings.handoff.hours, at, language),
        "privacy": {
            "controller": legal.controller_name,
            "contact": legal.controller_contact,
            "contact_href": contact_href(legal.controller_contact),
            "retention_days": settings.retention.conversations_days,
        },
    }
