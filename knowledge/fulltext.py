"""Full-text search for the editors: words in an article's title, tags, example questions and body.

Not the chat's search (:mod:`knowledge.search` ranks by meaning what an employee asks); this finds words, as an
editor looking for "Papierstau" expects. Every word of the query must occur in the article: as a word (umlauts
folded and lightly stemmed as in :mod:`knowledge.lexical`), as part of a German compound ("Stau" finds
"Papierstau"), or split into two parts the article has ("Druckerwarteschlange" finds "Drucker … Warteschlange").
A hit says where it matched and carries one line of the article with the matching words marked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from knowledge.articles import Article
from knowledge.lexical import STOPWORDS, fold, stem

# Where a word counts how much; the order is the order the editor lists them in.
WEIGHTS = {"title": 4.0, "tags": 3.0, "questions": 2.0, "body": 1.0}
PART = 0.6  # a word found only inside a compound, or a compound found only as its parts
MIN_PART = 4  # shorter pieces ("er", "zu", "ein") would be inside almost every long word
SNIPPET = 160
MAX_TERMS = 12
_WORD_RE = re.compile(r"\w+")
_MARKUP_RE = re.compile(r"^\s*(?:#+|[-*+]|\d+\.)\s*")


@dataclass(frozen=True)
class Match:
    """One article the query found: score, the fields it matched in, and a line with the matches marked."""

    slug: str
    score: float
    fields: tuple[str, ...]
    snippet: str
    marks: tuple[tuple[int, int], ...]  # [start, end) character spans of ``snippet``


def _key(word: str) -> str:
    return stem(fold(word))


def terms(query: str) -> list[str]:
    """The query's words (folded, stemmed, distinct); stop words only count when nothing else is left."""
    words = [w for w in _WORD_RE.findall(query.replace("_", " ")) if len(w) > 1]
    kept = [w for w in words if fold(w) not in STOPWORDS] or words
    return list(dict.fromkeys(_key(w) for w in kept))[:MAX_TERMS]


def _hits(term: str, word: str) -> float:
    """1 for the same word, ``PART`` for the first or last part of a compound, else 0.

    Only the ends count: "stau" is the last part of "papierstau" but merely letters inside "dienstausweis".
    """
    if word == term:
        return 1.0
    part = len(term) >= MIN_PART and (word.startswith(term) or word.endswith(term))
    return PART if part else 0.0


def _parts(term: str, vocabulary: set[str]) -> tuple[str, str] | None:
    """The compound ``term`` split into two words the article has (a linking "s" may sit between them)."""
    for i in range(MIN_PART, len(term) - MIN_PART + 1):
        head, tail = stem(term[:i]), term[i:]
        tails = (tail, tail[1:]) if tail.startswith("s") and len(tail) > MIN_PART else (tail,)
        for t in tails:
            if head in vocabulary and stem(t) in vocabulary:
                return head, stem(t)
    return None


class _Doc:
    """An article's words per field, and its lines for the snippet."""

    def __init__(self, article: Article) -> None:
        self.slug = article.slug
        self.fields = {
            "title": [_key(w) for w in _WORD_RE.findall(f"{article.title} {article.slug.replace('-', ' ')}")],
            "tags": [_key(w) for tag in article.tags for w in _WORD_RE.findall(tag.replace("_", " "))],
            "questions": [_key(w) for q in article.questions for w in _WORD_RE.findall(q)],
            "body": [_key(w) for w in _WORD_RE.findall(article.body)],
        }
        self.vocabulary = {w for words in self.fields.values() for w in words}
        body_lines = [_MARKUP_RE.sub("", line).strip() for line in article.body.splitlines()]
        self.lines = [article.title, *article.questions, *(line for line in body_lines if line)]

    def field_score(self, term: str) -> dict[str, float]:
        """Per field: how well ``term`` matches there (best word, plus a little for each repetition)."""
        out: dict[str, float] = {}
        for name, words in self.fields.items():
            found = [h for h in (_hits(term, w) for w in words) if h]
            if found:
                out[name] = max(found) * (1 + 0.1 * min(len(found) - 1, 5))
        if not out and _parts(term, self.vocabulary):
            out["body"] = PART
        return out

    def mark_terms(self, query_terms: list[str]) -> list[str]:
        """The words to mark in the snippet: the query's, and the parts of a compound found only as parts."""
        out = list(query_terms)
        for term in query_terms:
            if term not in self.vocabulary and (parts := _parts(term, self.vocabulary)):
                out.extend(parts)
        return out


def _marks(line: str, query_terms: list[str]) -> list[tuple[int, int]]:
    spans = []
    for m in _WORD_RE.finditer(line):
        key = _key(m.group())
        if any(_hits(t, key) for t in query_terms):
            spans.append((m.start(), m.end()))
    return spans


def _snippet(doc: _Doc, query_terms: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The article's line with the most matching words (the first such line), cut around the first match."""
    best, best_marks = "", list[tuple[int, int]]()
    for line in doc.lines:
        marks = _marks(line, query_terms)
        distinct = {_key(line[s:e]) for s, e in marks}
        if len(distinct) > len({_key(best[s:e]) for s, e in best_marks}):
            best, best_marks = line, marks
    if not best_marks:
        return doc.lines[0][:SNIPPET], ()
    start = max(0, min(best_marks[0][0] - SNIPPET // 3, len(best) - SNIPPET))
    start = best.rfind(" ", 0, start) + 1 if start else 0
    text = best[start : start + SNIPPET]
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET < len(best) else ""
    shift = len(prefix) - start
    shown = tuple(
        (s + shift, min(e, start + SNIPPET) + shift) for s, e in best_marks if s >= start and s < start + SNIPPET
    )
    return f"{prefix}{text}{suffix}", shown


def search(articles: Iterable[Article], query: str) -> list[Match]:
    """Articles containing every word of ``query``, best first (ties in the given order); [] without words."""
    query_terms = terms(query)
    if not query_terms:
        return []
    docs = [_Doc(a) for a in articles]
    per_doc = {d.slug: {t: d.field_score(t) for t in query_terms} for d in docs}
    df = {t: sum(1 for d in docs if per_doc[d.slug][t]) for t in query_terms}
    found = []
    for d in _matching(docs, per_doc, query_terms):
        scores = per_doc[d.slug]
        total = sum(
            max(WEIGHTS[f] * s for f, s in scores[t].items()) * math.log(1 + len(docs) / df[t]) for t in query_terms
        )
        fields = tuple(f for f in WEIGHTS if any(f in scores[t] for t in query_terms))
        snippet, marks = _snippet(d, d.mark_terms(query_terms))
        found.append(Match(d.slug, round(total, 4), fields, snippet, marks))
    return sorted(found, key=lambda m: -m.score)


def _matching(
    docs: list[_Doc], per_doc: dict[str, dict[str, dict[str, float]]], query_terms: list[str]
) -> Iterator[_Doc]:
    for d in docs:
        if all(per_doc[d.slug][t] for t in query_terms):
            yield d
