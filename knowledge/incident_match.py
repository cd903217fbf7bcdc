"""Does a message describe a declared major incident? Dense and lexical similarity, one calibrated model.

An active incident is embedded like an article: its title, what employees notice (each sentence) and the
affected services are passages. A message is compared with every active incident:

- ``dense``: the best cosine between the message (as a query) and the incident's passages;
- ``lex``: the share of the message's content words (folded, stemmed) that occur in the incident's text;
- ``gap``: ``dense`` minus the best article's dense score, so "Wie richte ich eine Abwesenheitsnotiz ein?"
  near an e-mail outage goes to its article, while "Mails bleiben im Postausgang" goes to the outage.

A small logistic model over these turns them into the probability that the message is about the incident. At or
above ``threshold`` the chat answers with the incident; between ``ask`` and ``threshold`` it asks one question first
("Geht es um die bekannte Störung …?"), so a likely match costs one click instead of a wrong answer. The model and
both thresholds are fitted on the development split of ``tests/data/incidents`` by
``python -m scripts.fit_incident_match`` and stored in ``knowledge/incident_match.yml``. The test split stays
untouched for ``bench/incident_burst.py``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.decision import Logistic
from knowledge.embedder import Embedder
from knowledge.lexical import tokenize
from knowledge.ranking import SearchHit

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
MODEL_FILE = Path(__file__).with_name("incident_match.yml")


@dataclass(frozen=True)
class IncidentMatchParams:
    """The fitted model and its threshold."""

    model: Logistic
    threshold: float
    ask: float = 1.0  # from here up to ``threshold``: ask first (1.0: never)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> IncidentMatchParams:
        """Read the fitted file; a missing key is an error."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        threshold = float(data["threshold"])
        ask = min(float(data.get("ask", threshold)), threshold)
        return cls(Logistic.from_dict(data["model"]), threshold, ask, dict(data.get("meta") or {}))

    def dump(self, path: Path, header: str = "") -> None:
        """Write the file (``header`` becomes leading comment lines)."""
        body = yaml.safe_dump(
            {"meta": self.meta, "threshold": self.threshold, "ask": self.ask, "model": self.model.to_dict()},
            sort_keys=False,
            allow_unicode=True,
        )
        comments = "".join(f"# {line}\n" for line in header.splitlines())
        path.write_text(comments + body, encoding="utf-8")


@dataclass(frozen=True)
class IncidentHit:
    """The best-matching active incident for one message."""

    incident: Mapping[str, Any]  # as :func:`desk.incidents.active` gives it
    probability: float
    features: Mapping[str, float]
    sure: bool = True  # False: likely, ask the employee first

    @property
    def id(self) -> int:
        """The incident's id."""
        return int(self.incident["id"])


def passages(incident: Mapping[str, Any]) -> list[str]:
    """What of an incident is compared with messages: title, each symptom sentence, title with symptoms, services."""
    title = str(incident.get("title") or "").strip()
    symptoms = str(incident.get("symptoms") or "").strip()
    found = [title, f"{title}. {symptoms}".strip(". ")]
    found += [s.strip() for s in _SENTENCE.split(symptoms) if len(s.strip()) > 3]
    services = ", ".join(str(s) for s in incident.get("services") or [])
    if services:
        found.append(f"{title} ({services})")
    return [p for p in dict.fromkeys(found) if p]


def words_of(incident: Mapping[str, Any]) -> frozenset[str]:
    """The incident's content words (title, symptoms, services), folded and stemmed like the lexical index."""
    services = " ".join(str(s) for s in incident.get("services") or [])
    return frozenset(tokenize(f"{incident.get('title') or ''} {incident.get('symptoms') or ''} {services}"))


def features(dense: float, query_words: Sequence[str], incident_words: frozenset[str], article_dense: float) -> dict:
    """The model's inputs as named numbers (the names are the keys of the fitted weights)."""
    shared = sum(1 for w in query_words if w in incident_words)
    return {
        "dense": dense,
        "lex": shared / len(query_words) if query_words else 0.0,
        "shared": float(min(shared, 4)),
        "gap": dense - article_dense,
    }


class IncidentMatcher:
    """The active incidents, embedded, and the model that matches messages to them; safe across threads."""

    def __init__(self, embedder: Embedder, params: IncidentMatchParams) -> None:
        """Empty until :meth:`set_incidents`."""
        self.embedder = embedder
        self.params = params
        self._lock = threading.Lock()
        # id -> (incident, passage vectors, content words); vectors are reused while an incident's text is unchanged
        self._items: dict[int, tuple[Mapping[str, Any], np.ndarray, frozenset[str]]] = {}

    def __len__(self) -> int:
        """Number of active incidents held."""
        return len(self._items)

    def set_incidents(self, incidents: Sequence[Mapping[str, Any]]) -> None:
        """Hold exactly these incidents, embedding only new or changed texts."""
        with self._lock:
            old = dict(self._items)
        items = {}
        for incident in incidents:
            key = int(incident["id"])
            texts = passages(incident)
            previous = old.get(key)
            if previous is not None and passages(previous[0]) == texts:
                items[key] = (incident, previous[1], previous[2])
            else:
                items[key] = (incident, np.asarray(self.embedder.embed_passages(texts)), words_of(incident))
        with self._lock:
            self._items = items

    def scored(self, text: str, hits: Sequence[SearchHit], skip: frozenset[int] = frozenset()) -> list[IncidentHit]:
        """Every held incident (but ``skip``) with the probability that ``text`` is about it, best first."""
        with self._lock:
            items = [v for k, v in self._items.items() if k not in skip]
        if not items or not text.strip():
            return []
        query = np.asarray(self.embedder.embed_queries([text]))[0]
        words = tokenize(text)
        article_dense = max((h.dense for h in hits), default=0.0)
        found = []
        for incident, vectors, incident_words in items:
            x = features(float(np.max(vectors @ query)), words, incident_words, article_dense)
            found.append(IncidentHit(incident, self.params.model.proba(x)["yes"], x))
        return sorted(found, key=lambda h: h.probability, reverse=True)

    def match(self, text: str, hits: Sequence[SearchHit], skip: frozenset[int] = frozenset()) -> IncidentHit | None:
        """The best incident ``text`` is about (``sure`` at the threshold), or ``None`` below ``ask``."""
        found = self.scored(text, hits, skip)
        if not found or found[0].probability < min(self.params.ask, self.params.threshold):
            return None
        best = found[0]
        return replace(best, sure=best.probability >= self.params.threshold)
