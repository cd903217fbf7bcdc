"""Fit the incident matcher on the development split; print its figures on a split.

    python -m scripts.fit_incident_match fit     # fit on tests/data/incidents/dev.jsonl, write the model
    python -m scripts.fit_incident_match dev     # figures of the written model on dev
    python -m scripts.fit_incident_match test    # ... on the frozen test split (nothing is fitted on it)

Each incident of ``tests/data/incidents/incidents.yml`` is active alone in turn (a real morning has one, rarely
two): its outage messages should get it (*right*), its nearby questions (the same service, another problem) and the
other IT questions should not (*false*). The threshold is the lowest that keeps the nearby questions' false matches
within ``MAX_FALSE`` on the development split; the lower ``ask`` threshold (ask one question first) the lowest that
keeps nearby questions asked or answered within ``MAX_ASKED``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from knowledge.decision import Logistic
from knowledge.decision_fit import fit_logistic
from knowledge.incident_match import MODEL_FILE, IncidentMatcher, IncidentMatchParams
from knowledge.index_files import knowledge_base_from_files
from settings import ROOT, Settings

DATA = ROOT / "tests" / "data" / "incidents"
MAX_FALSE = 0.05  # at most this share of nearby questions may be answered with the incident (dev)
MAX_ASKED = 0.20  # at most this share of nearby questions may be asked "Geht es um die Störung …?" or answered (dev)


def incidents_of(path: Path = DATA / "incidents.yml") -> list[dict[str, Any]]:
    """The set's incidents as :func:`desk.incidents.active` gives them (ids by position)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = raw["incidents"] if isinstance(raw, dict) else raw
    return [{**item, "id": i + 1, "key": item["key"]} for i, item in enumerate(items)]


def lines_of(split: str) -> list[dict[str, Any]]:
    """One split's messages."""
    text = (DATA / f"{split}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def scored(matcher: IncidentMatcher, kb: Any, lines: Sequence[dict[str, Any]]) -> list[list[tuple[Any, ...]]]:
    """Per message: (incident key, features, probability) for every incident."""
    out = []
    for line in lines:
        hits = kb.search(line["text"], 5).hits
        out.append([(h.incident["key"], h.features, h.probability) for h in matcher.scored(line["text"], hits)])
    return out


def figures(lines: Sequence[dict[str, Any]], per_line: Sequence[Sequence[tuple[Any, ...]]], threshold: float) -> dict:
    """Summed over the incidents, each active alone: outage messages right, nearby and other questions matched."""
    counts: Counter[str] = Counter()
    for line, found in zip(lines, per_line, strict=True):
        for key, _x, p in found:
            mine = line["incident"] == key
            kind = line["kind"] if mine or line["kind"] == "other" else "foreign"
            if kind == "foreign" and line["kind"] == "outage":
                continue  # another incident's outage: that incident's own figure, not this one's
            counts[f"{kind}_total"] += 1
            if p >= threshold:
                counts["outage_right" if kind == "outage" else f"{kind}_false"] += 1
    return dict(counts)


def report(name: str, counts: dict) -> str:
    """One readable block."""

    def pct(a: str, b: str) -> str:
        return f"{counts.get(a, 0)}/{counts.get(b, 0)} = {100 * counts.get(a, 0) / max(1, counts.get(b, 0)):.1f} %"

    return "\n".join(
        [
            f"{name}, each incident active alone:",
            f"  outage messages answered with the incident: {pct('outage_right', 'outage_total')}",
            f"  nearby questions (same service) answered with it (false): {pct('nearby_false', 'nearby_total')}",
            f"  nearby questions of other incidents answered with it (false): {pct('foreign_false', 'foreign_total')}",
            f"  other IT questions answered with it (false): {pct('other_false', 'other_total')}",
        ]
    )


def best_threshold(
    lines: Sequence[dict[str, Any]], per_line: Sequence[Sequence[tuple[Any, ...]]], limit: float = MAX_FALSE
) -> float:
    """The lowest threshold keeping the nearby questions' matches within ``limit``."""
    for step in range(5, 96):
        c = figures(lines, per_line, step / 100)
        if c.get("nearby_false", 0) <= limit * c.get("nearby_total", 0):
            return step / 100
    return 0.95


def both(name: str, lines: Sequence[dict[str, Any]], per_line: Sequence[Sequence[tuple[Any, ...]]], p: Any) -> str:
    """The figures at the answer threshold, then at the ask threshold (answered or asked first)."""
    return "\n".join(
        [
            report(f"{name}, answered (threshold {p.threshold:.2f})", figures(lines, per_line, p.threshold)),
            report(f"{name}, answered or asked first (ask {p.ask:.2f})", figures(lines, per_line, p.ask)),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Fit or evaluate."""
    args = argv if argv is not None else sys.argv[1:]
    mode = args[0] if args else "dev"
    kb, _ = knowledge_base_from_files(Settings.load().knowledge)
    incidents = incidents_of()
    if mode == "fit":
        lines = lines_of("dev")
        matcher = IncidentMatcher(kb.embedder, _untrained())  # the features do not depend on the model
        matcher.set_incidents(incidents)
        per_line = scored(matcher, kb, lines)
        xs, ys = [], []
        for line, found in zip(lines, per_line, strict=True):
            for key, x, _p in found:
                xs.append(dict(x))
                ys.append("yes" if line["kind"] == "outage" and line["incident"] == key else "no")
        params = IncidentMatchParams(fit_logistic(xs, ys, binary=True), 0.5, 0.5)
        matcher = IncidentMatcher(kb.embedder, params)
        matcher.set_incidents(incidents)
        per_line = scored(matcher, kb, lines)
        threshold = best_threshold(lines, per_line)
        ask = min(threshold, best_threshold(lines, per_line, MAX_ASKED))
        meta = {"fitted_on": "tests/data/incidents/dev.jsonl", "messages": len(lines), "pairs": len(xs)}
        fitted = IncidentMatchParams(params.model, threshold, ask, meta)
        fitted.dump(MODEL_FILE, "Written by `python -m scripts.fit_incident_match fit` on the dev split; do not edit.")
        print(both("dev (fitted on)", lines, per_line, fitted))
        return 0
    lines = lines_of(mode)
    params = IncidentMatchParams.load()
    matcher = IncidentMatcher(kb.embedder, params)
    matcher.set_incidents(incidents)
    print(both(mode, lines, scored(matcher, kb, lines), params))
    return 0


def _untrained() -> IncidentMatchParams:
    """Features only (the first pass of a fit needs no model): every weight zero."""
    names = ("dense", "lex", "shared", "gap")
    return IncidentMatchParams(Logistic(names, ("yes",), (0.0,) * 4, (1.0,) * 4, ((0.0,) * 4,), (0.0,)), 0.5, 0.5)


if __name__ == "__main__":
    raise SystemExit(main())
