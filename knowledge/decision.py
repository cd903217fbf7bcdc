"""The one decision over a free-text message: intent ranking and knowledge retrieval together.

Every typed message gets both DIET's intent ranking (from Rasa) and a knowledge search; this module
turns the two into one outcome:

- ``intent``: a conversation intent (greet, goodbye, thank, affirm, deny, request_human, ticket_status)
- ``answer``: one article
- ``clarify``: the top three articles as buttons
- ``none``: an IT question the knowledge base cannot answer (honest, escalation offered)
- ``off_topic``: not an IT question (polite refusal that is not a dead end)

Three small logistic models decide: what kind of message it is, how likely the top hit is right, and how
likely the right article is among the top three. Their parameters and the two thresholds are fitted by
``knowledge/decision_fit.py`` with cross-validation and stored in ``knowledge/decision.yml``. Later
outcomes (a known incident, a self-service action, narrowing by topic) plug in here too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from knowledge.search import SearchHit

INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "request_human",
    "ticket_status",
    "out_of_scope",
    "it_request",
)
CONVERSATION = ("greet", "goodbye", "thank", "affirm", "deny", "request_human", "ticket_status")
KINDS = (*CONVERSATION, "it", "off_topic")
OUTCOMES = ("intent", "answer", "clarify", "none", "off_topic")
LEXICAL_SCALE = 10.0
_CODE = re.compile(r"\b(?:0x[0-9a-f]{4,}|[a-z]*\d{3,}[a-z0-9]*|-\d{3,})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Signals:
    """What the decision sees of one message."""

    text: str
    language: str
    ranking: Mapping[str, float]
    hits: Sequence[SearchHit]
    known_terms: int = 0
    terms: int = 0


def features(s: Signals) -> dict[str, float]:
    """The decision's inputs as named numbers (the names are the keys of the fitted weights)."""
    scores = [h.score for h in s.hits] + [0.0, 0.0, 0.0]
    top = s.hits[0] if s.hits else None
    others = s.hits[1:]
    lexical = top.lexical if top else 0.0
    words = len(s.text.split())

    def sat(v: float) -> float:
        return v / (v + LEXICAL_SCALE)

    best_other_lex = max((sat(h.lexical) for h in others), default=0.0)
    out = {f"conf_{i}": float(s.ranking.get(i, 0.0)) for i in INTENTS}
    out.update(
        {
            "s1": scores[0],
            "s2": scores[1],
            "margin": scores[0] - scores[1],
            "dense1": top.dense if top else 0.0,
            "lex1": sat(lexical),
            "s3gap": scores[0] - scores[2],
            "dense_margin": (top.dense - max((h.dense for h in others), default=0.0)) if top else 0.0,
            "lex_margin": sat(lexical) - best_other_lex,
            "question1": top.question if top else 0.0,
            "passage1": top.passage if top else 0.0,
            "question_margin": (top.question - max((h.question for h in others), default=0.0)) if top else 0.0,
            "coverage": s.known_terms / s.terms if s.terms else 0.0,
            "known": math.log1p(s.known_terms),
            "words": math.log1p(words),
            "short": 1.0 if words <= 3 else 0.0,
            "en": 1.0 if s.language == "en" else 0.0,
            "code": 1.0 if _CODE.search(s.text) else 0.0,
        }
    )
    return out


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model: standardised features, one weight row per class (one row: binary)."""

    names: tuple[str, ...]
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]

    def _logits(self, x: Mapping[str, float]) -> list[float]:
        z = [(x.get(n, 0.0) - m) / (s or 1.0) for n, m, s in zip(self.names, self.mean, self.scale, strict=True)]
        return [
            b + sum(w * v for w, v in zip(row, z, strict=True))
            for row, b in zip(self.coef, self.intercept, strict=True)
        ]

    def proba(self, x: Mapping[str, float]) -> dict[str, float]:
        """Class probabilities; a binary model gives ``{"yes": p}``."""
        logits = self._logits(x)
        if len(logits) == 1:
            return {"yes": 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logits[0]))))}
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the YAML file."""
        return {
            "classes": list(self.classes),
            "features": {
                n: {"mean": round(m, 6), "scale": round(s, 6), "weights": [round(r[i], 6) for r in self.coef]}
                for i, (n, m, s) in enumerate(zip(self.names, self.mean, self.scale, strict=True))
            },
            "intercept": [round(b, 6) for b in self.intercept],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Logistic:
        """Read what :meth:`to_dict` wrote."""
        feats = data["features"]
        names = tuple(feats)
        rows = len(data["intercept"])
        return cls(
            names=names,
            classes=tuple(data["classes"]),
            mean=tuple(float(feats[n]["mean"]) for n in names),
            scale=tuple(float(feats[n]["scale"]) for n in names),
            coef=tuple(tuple(float(feats[n]["weights"][r]) for n in names) for r in range(rows)),
            intercept=tuple(float(b) for b in data["intercept"]),
        )


@dataclass(frozen=True)
class DecisionParams:
    """The fitted models and thresholds (``knowledge/decision.yml``)."""

    kind: Logistic
    top1: Logistic
    top3: Logistic
    answer: float
    clarify: float
    intent_min: float
    clarify_options: int = 3
    # How far below the best hit a clarify button may be (cosine points).
    clarify_span: float = 0.05
    # How far below the best hit the next article after a 👎 may be. Measured with `python -m
    # scripts.next_span dev`: 0.025 keeps every dev question whose right article was second or third (12 of 12)
    # and offers half as many other runners-up as 0.05 (167 instead of 357 of 416), e.g. no "Laptop startet
    # nicht" for a printer question.
    next_span: float = 0.025
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: Path) -> DecisionParams:
        """Read the fitted file; a missing key is an error."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        t = data["thresholds"]
        return cls(
            kind=Logistic.from_dict(data["models"]["kind"]),
            top1=Logistic.from_dict(data["models"]["top1"]),
            top3=Logistic.from_dict(data["models"]["top3"]),
            answer=float(t["answer"]),
            clarify=float(t["clarify"]),
            intent_min=float(t["intent_min"]),
            clarify_options=int(t.get("clarify_options", 3)),
            clarify_span=float(t.get("clarify_span", 0.05)),
            next_span=float(t.get("next_span", 0.025)),
            meta=dict(data.get("meta") or {}),
        )

    def dump(self, path: Path, header: str = "") -> None:
        """Write the file (``header`` becomes leading comment lines)."""
        data = {
            "meta": self.meta,
            "thresholds": {
                "answer": round(self.answer, 4),
                "clarify": round(self.clarify, 4),
                "intent_min": round(self.intent_min, 4),
                "clarify_options": self.clarify_options,
                "clarify_span": self.clarify_span,
                "next_span": self.next_span,
            },
            "models": {"kind": self.kind.to_dict(), "top1": self.top1.to_dict(), "top3": self.top3.to_dict()},
        }
        comment = "".join(f"# {line}\n" for line in header.splitlines())
        path.write_text(comment + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@dataclass(frozen=True)
class Decision:
    """What to do with one message, and why."""

    outcome: str
    intent: str | None
    hits: tuple[SearchHit, ...]
    kind: str
    p_kind: float
    p_top1: float
    p_top3: float
    features: Mapping[str, float]
    # With an answer: the next articles worth offering after a 👎 (within ``next_span`` of the best).
    runners_up: tuple[SearchHit, ...] = ()
    # Everything the search found, shown or not (the incident match compares with the best article).
    searched: tuple[SearchHit, ...] = ()

    def why(self) -> str:
        """One log line: outcome, the probabilities behind it and the main features (never the text)."""
        shown = ("s1", "margin", "lex1", "coverage", "words", "conf_it_request", "conf_out_of_scope")
        feats = " ".join(f"{k}={self.features.get(k, 0.0):.3f}" for k in shown)
        top = self.hits[0].slug if self.hits else "-"
        return (
            f"outcome={self.outcome} intent={self.intent or '-'} kind={self.kind}:{self.p_kind:.2f} "
            f"p_top1={self.p_top1:.2f} p_top3={self.p_top3:.2f} top={top} {feats}"
        )


@dataclass(frozen=True)
class Scores:
    """The three models' view of one message (independent of the thresholds)."""

    kinds: Mapping[str, float]
    p_top1: float
    p_top3: float
    features: Mapping[str, float]


def score(signals: Signals, params: DecisionParams) -> Scores:
    """Run the three models."""
    x = features(signals)
    has_hits = bool(signals.hits)
    return Scores(
        params.kind.proba(x),
        params.top1.proba(x)["yes"] if has_hits else 0.0,
        params.top3.proba(x)["yes"] if has_hits else 0.0,
        x,
    )


def choose(s: Scores, hits: Sequence[SearchHit], params: DecisionParams) -> Decision:
    """Apply the thresholds: a conversation intent, else answer / clarify, else off-topic or none."""
    kind = max(s.kinds, key=s.kinds.__getitem__)
    hits = tuple(hits)

    def made(outcome: str, intent: str | None = None, shown: tuple[SearchHit, ...] = ()) -> Decision:
        return Decision(outcome, intent, shown, kind, s.kinds[kind], s.p_top1, s.p_top3, s.features)

    def close(of: tuple[SearchHit, ...], span: float) -> tuple[SearchHit, ...]:
        """The hits within ``span`` of the best: further below, an article is about something else."""
        return tuple(h for h in of if h.score >= hits[0].score - span)

    if kind in CONVERSATION and s.kinds[kind] >= params.intent_min:
        return made("intent", kind)
    if hits and s.p_top1 >= params.answer:
        runners_up = close(hits[1 : params.clarify_options], params.next_span)
        return replace(made("answer", shown=hits[:1]), runners_up=runners_up)
    if hits and s.p_top3 >= params.clarify:
        return made("clarify", shown=close(hits[: params.clarify_options], params.clarify_span))
    if s.kinds.get("off_topic", 0.0) > s.kinds.get("it", 0.0):
        return made("off_topic")
    return made("none")


def decide(signals: Signals, params: DecisionParams) -> Decision:
    """The outcome for one typed message."""
    return replace(choose(score(signals, params), signals.hits, params), searched=tuple(signals.hits))
