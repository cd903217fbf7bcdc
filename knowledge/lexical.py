"""Lexical signal: BM25 over folded, lightly stemmed German/English tokens.

It exists for exact terms the dense model blurs: error codes (0x80070005,
809), product names and German compounds. Tokens keep digits and codes whole.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[_:.\-][a-z0-9]+)*")
_SUFFIXES = ("ungen", "ung", "en", "er", "es", "em", "e", "n", "s")
STOPWORDS = frozenset(
    """
    aber alle als also am an auch auf aus bei bin bis bist da dann das dass dem den der des die dies diese
    doch du ein eine einem einen einer es etwas fuer geht gibt hab habe haben hat hier ich ihr im immer in
    ist ja jetzt kann kein keine man mein meine meinem meinen meiner mich mir mit muss nach nicht nichts noch
    nur ob oder schon sehr sich sie sind so soll um und uns unser von vor war was weil wenn wer wie wir wird
    wo zu zum zur bitte hallo danke mal denn eben einfach gerade heute leider moin
    a an and are as at be but by can do does for from how i if in is it its me my no not of on or so that
    the this to was what when where which who why will with you your please hi hello thanks
    """.split()
)


def fold(text: str) -> str:
    """Lowercase and spell umlauts the way people type them without a German keyboard."""
    return text.lower().translate(_FOLD)


def stem(token: str) -> str:
    """Strip one common inflection suffix from longer words (cheap, good enough for matching)."""
    if token.isalpha() and len(token) > 5:
        for suffix in _SUFFIXES:
            if token.endswith(suffix) and len(token) - len(suffix) >= 4:
                return token[: -len(suffix)]
    return token


def tokenize(text: str) -> list[str]:
    """Folded, stemmed tokens without stop words; codes like ``0x80070005`` stay whole."""
    return [stem(t) for t in _TOKEN_RE.findall(fold(text)) if t not in STOPWORDS and len(t) > 1]


class BM25:
    """Okapi BM25 over documents keyed by id, with postings so a query touches only matching documents."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        """Create an empty index."""
        self.k1, self.b = k1, b
        self._docs: dict[int, Counter[str]] = {}
        self._lengths: dict[int, int] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._total_len = 0

    def __len__(self) -> int:
        """Number of documents."""
        return len(self._docs)

    def copy(self) -> BM25:
        """An independent copy (the editor's draft test edits it without touching the live index)."""
        other = BM25(self.k1, self.b)
        other._docs = dict(self._docs)
        other._lengths = dict(self._lengths)
        other._postings = {term: dict(posting) for term, posting in self._postings.items()}
        other._total_len = self._total_len
        return other

    def add(self, doc_id: int, text: str) -> None:
        """Add (or replace) one document."""
        if doc_id in self._docs:
            self.remove(doc_id)
        counts = Counter(tokenize(text))
        self._docs[doc_id] = counts
        self._lengths[doc_id] = sum(counts.values())
        self._total_len += self._lengths[doc_id]
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[doc_id] = tf

    def remove(self, doc_id: int) -> None:
        """Remove one document if present."""
        counts = self._docs.pop(doc_id, None)
        if counts is None:
            return
        self._total_len -= self._lengths.pop(doc_id)
        for term in counts:
            posting = self._postings[term]
            del posting[doc_id]
            if not posting:
                del self._postings[term]

    def coverage(self, query: str) -> tuple[int, int]:
        """How many of the query's distinct terms occur anywhere in the index, and how many there are."""
        terms = set(tokenize(query))
        return sum(1 for t in terms if t in self._postings), len(terms)

    def scores(self, query: str) -> dict[int, float]:
        """BM25 score of each document that shares at least one term with the query."""
        n = len(self._docs)
        if not n:
            return {}
        avg_len = self._total_len / n or 1.0
        out: dict[int, float] = {}
        for term in set(tokenize(query)):
            posting = self._postings.get(term)
            if not posting:
                continue
            df = len(posting)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for doc_id, tf in posting.items():
                norm = self.k1 * (1 - self.b + self.b * self._lengths[doc_id] / avg_len)
                out[doc_id] = out.get(doc_id, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out
