"""How retrieval scores become a ranking and an outcome: fusion, the article score, and answer / clarify / none.

Pure functions and value types; :mod:`knowledge.search` applies them to the live index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

Outcome = Literal["answer", "clarify", "none"]


@dataclass(frozen=True)
class Thresholds:
    """Decision parameters; calibrated by ``knowledge/calibrate.py`` and stored in config."""

    answer: float = 0.86
    margin: float = 0.005
    clarify: float = 0.83
    lexical_weight: float = 0.05
    lexical_scale: float = 8.0

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        """Read the calibration file; unknown keys are an error, missing keys keep defaults."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(data) - set(asdict(cls()))
        if unknown:
            raise ValueError(f"{path}: unknown calibration keys {sorted(unknown)}")
        return cls(**{k: float(v) for k, v in data.items()})


@dataclass(frozen=True)
class SearchHit:
    """One article found for a query, with the parts of its score."""

    slug: str
    title: str
    score: float
    dense: float
    lexical: float
    snippet: str
    passage: float = 0.0  # best section cosine
    question: float = 0.0  # best editor-question cosine (0 when the article has none)


@dataclass(frozen=True)
class Candidate:
    """Unfused scores of one article for one query."""

    slug: str
    dense: float
    lexical: float
    passage: float = 0.0
    question: float = 0.0


def fuse(c: Candidate, t: Thresholds) -> float:
    """Dense cosine plus a saturating lexical bonus: a lexical miss never lowers a score."""
    if c.lexical <= 0:
        return c.dense
    return c.dense + t.lexical_weight * c.lexical / (c.lexical + t.lexical_scale)


@dataclass(frozen=True)
class SearchResult:
    """The ranked hits and what the assistant should do with them."""

    query: str
    outcome: Outcome
    hits: tuple[SearchHit, ...]

    @property
    def best(self) -> SearchHit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None


def decide(hits: tuple[SearchHit, ...] | list[SearchHit], t: Thresholds) -> Outcome:
    """Answer when the top hit is confident and clear of the runner-up; clarify when merely plausible."""
    if not hits:
        return "none"
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    if top >= t.answer and top - second >= t.margin:
        return "answer"
    if top >= t.clarify:
        return "clarify"
    return "none"


def candidate(slug: str, dense: tuple[float, float, float], lexical: float) -> Candidate:
    """A candidate from :func:`blend`'s three numbers and the article's best BM25 score."""
    return Candidate(slug, dense=dense[0], lexical=lexical, passage=dense[1], question=dense[2])


def best_per_article(chunk_ids: list[int], scores: dict[int, float], slug_of: Mapping[int, str]) -> dict[str, float]:
    """The best chunk score of each article among ``chunk_ids`` (chunks of unknown articles are skipped)."""
    best: dict[str, float] = {}
    for cid in chunk_ids:
        slug = slug_of.get(cid)
        if slug is not None:
            best[slug] = max(best.get(slug, 0.0), scores[cid])
    return best


def blend(matrix: np.ndarray, is_question: np.ndarray, qvec: np.ndarray) -> tuple[float, float, float]:
    """Half the best section, half the mean of the two best editor questions (when there are any).

    Question-to-question cosines run higher than question-to-passage ones, so taking the plain
    maximum let the question lists dominate; the blend measured best on the dev set. Returns the
    blend, the best section cosine and the best question cosine (0 without questions).
    """
    scores = matrix @ qvec
    passages, questions = scores[~is_question], scores[is_question]
    best_p = float(passages.max()) if len(passages) else 0.0
    best_q = float(questions.max()) if len(questions) else 0.0
    if not len(questions):
        return best_p, best_p, 0.0
    if not len(passages):
        return float(np.sort(questions)[-2:].mean()), 0.0, best_q
    return 0.5 * best_p + 0.5 * float(np.sort(questions)[-2:].mean()), best_p, best_q
