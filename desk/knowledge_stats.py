"""Per-article figures for editors: how often shown, 👍/👎, escalations after it; flags for the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, insert, select

from desk.db import article_feedback, article_shown, escalations, now

# Poor feedback: at least this many votes and fewer than half of them helpful.
MIN_VOTES = 3
POOR_RATIO = 0.5


@dataclass(frozen=True)
class ArticleStats:
    """Figures of one article (all time)."""

    shown: int = 0
    helpful: int = 0
    not_helpful: int = 0
    escalations: int = 0

    @property
    def helpful_ratio(self) -> float | None:
        """Share of 👍 among the votes, None without votes."""
        votes = self.helpful + self.not_helpful
        return self.helpful / votes if votes else None

    @property
    def poor(self) -> bool:
        """Enough votes, mostly 👎."""
        ratio = self.helpful_ratio
        return ratio is not None and self.helpful + self.not_helpful >= MIN_VOTES and ratio < POOR_RATIO


def record_shown(engine: Engine, slug: str) -> None:
    """The chat showed ``slug`` as an answer."""
    with engine.begin() as conn:
        conn.execute(insert(article_shown).values(slug=slug, created_at=now()))


def all_stats(engine: Engine) -> dict[str, ArticleStats]:
    """Figures of every article that has any."""
    shown: dict[str, int] = {}
    votes: dict[str, list[int]] = {}
    escalated: dict[str, int] = {}
    with engine.connect() as conn:
        for slug, n in conn.execute(select(article_shown.c.slug, func.count()).group_by(article_shown.c.slug)):
            shown[slug] = int(n)
        rows = conn.execute(
            select(article_feedback.c.slug, article_feedback.c.helpful, func.count()).group_by(
                article_feedback.c.slug, article_feedback.c.helpful
            )
        )
        for slug, helpful, n in rows:
            votes.setdefault(slug, [0, 0])[0 if helpful else 1] += int(n)
        for (articles,) in conn.execute(select(escalations.c.articles)):
            for slug in {a.get("slug") for a in articles or () if isinstance(a, dict)}:
                if slug:
                    escalated[slug] = escalated.get(slug, 0) + 1
    return {
        slug: ArticleStats(
            shown.get(slug, 0), votes.get(slug, [0, 0])[0], votes.get(slug, [0, 0])[1], escalated.get(slug, 0)
        )
        for slug in set(shown) | set(votes) | set(escalated)
    }


def flags(stats: ArticleStats, review_due: date, today: date) -> list[str]:
    """``poor_feedback`` and/or ``review_overdue``."""
    out = []
    if stats.poor:
        out.append("poor_feedback")
    if review_due < today:
        out.append("review_overdue")
    return out


def most_shown(engine: Engine, limit: int) -> list[str]:
    """The slugs the chat showed most often (all time), most shown first; ties by slug."""
    count = func.count().label("n")
    query = select(article_shown.c.slug, count).group_by(article_shown.c.slug)
    query = query.order_by(count.desc(), article_shown.c.slug)
    with engine.connect() as conn:
        return [slug for slug, _n in conn.execute(query.limit(limit))]
