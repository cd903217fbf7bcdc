"""JSON shapes of the editor API."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class StatsJSON(TypedDict):
    """Per-article figures."""

    shown: int
    helpful: int
    not_helpful: int
    helpful_ratio: float | None
    escalations: int


class MatchJSON(TypedDict):
    """Why the full-text search found an article: score, fields, and one line with [start, end) marks."""

    score: float
    fields: list[str]
    snippet: str
    marks: list[list[int]]


class ArticleSummaryJSON(TypedDict):
    """An article in the list."""

    slug: str
    title: str
    language: str
    tags: list[str]
    owner: str
    reviewed: str | None  # None for a damaged article (its text cannot be read)
    review_by: str | None
    audience: str
    status: str
    version: int
    updated_at: str
    updated_by: str
    url: str
    stats: StatsJSON
    flags: list[str]
    match: NotRequired[MatchJSON]  # only in a full-text search


class ArticleJSON(ArticleSummaryJSON):
    """One article with everything the editor edits."""

    questions: list[str]
    notes: str
    body: str
    review_by_set: str


class VersionJSON(TypedDict):
    """One saved version in the history."""

    version: int
    author: str
    created_at: str
    change: str
    status: str
    diff: str


class TestHitJSON(TypedDict):
    """A hit of the editor's test search."""

    slug: str
    title: str
    score: float
    dense: float
    lexical: float
    draft: bool
