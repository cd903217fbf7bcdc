"""The German spaCy language layer: IT entities (systems, devices, error codes, ticket numbers, rooms).

One pattern file, ``knowledge/entity_patterns.jsonl``, serves both worlds: Rasa (spaCy 3.4, Python 3.10)
loads the pipeline ``make build`` saves with :func:`build_pipeline` (plus the lookup lemmatizer), and the
Python 3.11 processes (action server, web service) build the same rules with the current spaCy through
:class:`EntityFinder`. The escalation form and the ticket lookup take device, system and ticket number
from what was already said; the redaction of personal data builds on the same layer.

Stdlib and spaCy only (no project imports), so the Rasa environment can import it too.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PATTERNS = Path(__file__).resolve().parent / "entity_patterns.jsonl"
LABELS = ("SYSTEM", "DEVICE", "ERROR_CODE", "TICKET", "ROOM")


@dataclass(frozen=True)
class Entity:
    """One recognised span."""

    label: str
    text: str
    start: int
    end: int


def load_patterns(path: Path = PATTERNS) -> list[dict]:
    """The EntityRuler patterns; a bad line is an error that names the line."""
    patterns = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: not JSON ({exc})") from exc
        if item.get("label") not in LABELS or "pattern" not in item:
            raise ValueError(f"{path}:{lineno}: needs a label from {LABELS} and a pattern")
        patterns.append(item)
    return patterns


def import_spacy() -> Any:
    """Import spaCy without thinc's optional torch support.

    thinc imports torch whenever it is installed: ~300 MB and its thread pool in the web service and the action
    server, which use spaCy's rules only and never torch. While spaCy loads, ``import torch`` fails (thinc then
    runs without it); afterwards torch imports normally for a process that serves the torch backend.
    """
    if "torch" in sys.modules:
        import spacy  # noqa: PLC0415 - heavy, only when the layer is used

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: PLC0415 - heavy, only when the layer is used
    finally:
        del sys.modules["torch"]
    return spacy


def build_pipeline(lemmatizer: bool = False, patterns: list[dict] | None = None) -> Any:
    """``spacy.blank("de")`` with the entity rules (case-insensitive phrases) and optionally lookup lemmas."""
    spacy = import_spacy()
    nlp = spacy.blank("de")
    if lemmatizer:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()  # loads the lookup tables from spacy-lookups-data (before the rules: it would clear them)
    ruler: Any = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(patterns if patterns is not None else load_patterns())
    return nlp


class EntityFinder:
    """The entity rules, loaded once on first use; thread-safe."""

    def __init__(self, patterns: Path = PATTERNS) -> None:
        """Nothing is loaded here."""
        self._path = patterns
        self._nlp: Any = None
        self._lock = threading.Lock()

    def find(self, text: str) -> list[Entity]:
        """Entities in ``text``, in order."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = build_pipeline(patterns=load_patterns(self._path))
        doc = self._nlp(text)
        return [Entity(e.label_, e.text, e.start_char, e.end_char) for e in doc.ents]

    def first(self, text: str, *labels: str) -> Entity | None:
        """The first entity with one of ``labels``, if any."""
        return next((e for e in self.find(text) if e.label in labels), None)
