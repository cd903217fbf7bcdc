"""JSON shapes of the knowledge API."""

from __future__ import annotations

from typing import Literal, TypedDict


class HitJSON(TypedDict):
    """One ranked article."""

    slug: str
    title: str
    score: float
    snippet: str
    url: str


class SearchJSON(TypedDict):
    """Answer of ``GET /api/knowledge/search``."""

    query: str
    outcome: Literal["answer", "clarify", "none"]
    hits: list[HitJSON]


class ErrorJSON(TypedDict):
    """A client error, in German and English, naming the field."""

    error: str
    error_en: str
    field: str
