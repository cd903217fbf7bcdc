"""``make fit-decision``: fit the chat's decision (knowledge/decision.py) with cross-validation.

Data: the development half of the chat set (never the frozen test half), the older dev sets
(``tests/data/nlu_dev.yml``, ``tests/data/knowledge_dev.yml``) and the xSID out-of-scope commands.
DIET's rankings come from the trained Rasa model (``scripts/nlu_rankings.py`` in the Rasa environment,
cached per model), the retrieval signals from the real knowledge base.

Thresholds are chosen to maximise a utility on the chat dev half's out-of-fold predictions. The figures
printed are nested: each fold's thresholds come from the other folds. Writes ``knowledge/decision.yml``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

import numpy as np
import yaml

from bot.components.langid import detect_language
from knowledge import chatset
from knowledge.chat_grading import Observed, format_table, grade, summary
from knowledge.decision import KINDS, Decision, DecisionParams, Logistic, Scores, Signals, choose, features, score
from knowledge.index_files import knowledge_base_from_files
from knowledge.search import KnowledgeBase
from scripts.nlu_rankings import DEFAULT_MODEL, model_digest
from settings import ROOT, KnowledgeSettings

OUT = ROOT / "knowledge" / "decision.yml"
CACHE = ROOT / "var" / "decision"
XSID = ROOT.parent / "shared" / "data" / "xsid-de-valid" / "de.valid.tsv"
FOLDS = 5
SEED = 7
NLU_KIND = {"it_request": "it", "out_of_scope": "off_topic"}
# Limits the thresholds must keep on cross-validated predictions (stricter than the targets, for
# margin): in-scope answered with a wrong article, in-scope refused as off-topic, unanswerable/off-topic
# answered with an article, and unanswerable/off-topic shown clarify buttons (noise for the employee).
LIMITS = {"answer_wrong": 0.025, "refused_off_topic": 0.01, "answered": 0.02, "clarified": 0.15}
# Among the points within the limits: the most right answers, then the most reachable, then small talk.
OBJECTIVE = {"answer_right": 1.0, "clarify_right": 0.5, "right": 0.5}
GRID_ANSWER = [round(float(x), 3) for x in np.arange(0.30, 0.96, 0.025)]
GRID_CLARIFY = [round(float(x), 2) for x in np.arange(0.10, 0.91, 0.05)]
GRID_INTENT = [0.3, 0.4, 0.5, 0.6, 0.7]


@dataclass(frozen=True)
class Labelled:
    """One labelled message."""

    line: chatset.ChatLine
    origin: str  # chat-dev, nlu-dev, kb-dev, xsid
    kind: str | None  # label for the kind model (None: not used there)
    acceptable: frozenset[str] | None  # right slugs for the answer models (None: not used there)


@dataclass(frozen=True)
class Example(Labelled):
    """A labelled message with the signals and features the decision sees."""

    signals: Signals
    x: dict[str, float]


def gather() -> list[Labelled]:
    """All labelled messages that may be fitted on (never the frozen test half)."""
    out = []
    for line in chatset.load("dev"):
        kind = {"in_scope": "it", "unanswerable": "it", "off_topic": "off_topic"}.get(line.kind, line.expected)
        # For small talk and conversation lines no article is the right answer.
        out.append(Labelled(line, "chat-dev", kind, line.acceptable))
    for item in yaml.safe_load((ROOT / "tests/data/nlu_dev.yml").read_text(encoding="utf-8")):
        intent = str(item["intent"])
        line = chatset.ChatLine(item["text"], "de", "nlu", intent)
        # An IT request there has no article label: it is left out of the answer models.
        out.append(
            Labelled(line, "nlu-dev", NLU_KIND.get(intent, intent), None if intent == "it_request" else frozenset())
        )
    for item in yaml.safe_load((ROOT / "tests/data/knowledge_dev.yml").read_text(encoding="utf-8")):
        slug = str(item["slug"])
        line = chatset.ChatLine(item["q"], item.get("lang", "de"), "kb", None if slug == "none" else slug)
        out.append(Labelled(line, "kb-dev", "it" if slug != "none" else None, line.acceptable))
    if XSID.is_file():
        with XSID.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        for row in rows[::3]:
            out.append(Labelled(chatset.ChatLine(row["text"], "de", "xsid", None), "xsid", "off_topic", frozenset()))
    return out


def rankings(texts: list[str]) -> dict[str, dict[str, float]]:
    """DIET's rankings for every text, from the Rasa environment; cached per model digest."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / "rankings.json"
    digest = model_digest(DEFAULT_MODEL)
    if cache.is_file():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("model") == digest and all(t in data["rankings"] for t in texts):
            return dict(data["rankings"])
    request = CACHE / "texts.json"
    request.write_text(json.dumps(sorted(set(texts)), ensure_ascii=False), encoding="utf-8")
    print(f"decision fit: ranking {len(set(texts))} texts with the Rasa model (about a minute) ...", flush=True)
    subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/python"),
            "-m",
            "scripts.nlu_rankings",
            "--texts",
            str(request),
            "--out",
            str(cache),
        ],
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(cache.read_text(encoding="utf-8"))["rankings"])


def signals_of(kb: KnowledgeBase, text: str, lang: str, ranking: dict[str, float]) -> Signals:
    """The same signals the action computes at run time."""
    result = kb.search(text, 5)
    known, total = kb.coverage(text)
    return Signals(text, lang, ranking, result.hits, known, total)


def language(line: chatset.ChatLine) -> str:
    """The detector's language (as at run time), else the label."""
    return detect_language(line.text) or line.lang


def fit_logistic(xs: Sequence[dict[str, float]], ys: Sequence[str], binary: bool) -> Logistic:
    """Standardise, fit a regularised logistic regression, return it as plain numbers."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - fit time only

    names = tuple(xs[0])
    mat = np.array([[x[n] for n in names] for x in xs], dtype=float)
    mean, scale = mat.mean(axis=0), mat.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit((mat - mean) / scale, ys)
    classes = ("yes",) if binary else tuple(str(c) for c in model.classes_)
    coef = model.coef_ if not binary else model.coef_[:1]
    if binary and list(model.classes_) != ["no", "yes"]:
        raise ValueError(f"binary labels must be no/yes, got {model.classes_}")
    return Logistic(
        names,
        classes,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(tuple(float(v) for v in r) for r in coef),
        tuple(float(v) for v in model.intercept_[: len(coef)]),
    )


def fit_models(train: Sequence[Example]) -> tuple[Logistic, Logistic, Logistic]:
    """The kind model and the two answer models from ``train``."""
    kind_rows = [e for e in train if e.kind is not None]
    answer_rows = [e for e in train if e.acceptable is not None]
    kind = fit_logistic([e.x for e in kind_rows], [str(e.kind) for e in kind_rows], binary=False)
    right = [e.acceptable or frozenset() for e in answer_rows]
    top1 = fit_logistic(
        [e.x for e in answer_rows],
        [
            "yes" if e.signals.hits and e.signals.hits[0].slug in ok else "no"
            for e, ok in zip(answer_rows, right, strict=True)
        ],
        binary=True,
    )
    top3 = fit_logistic(
        [e.x for e in answer_rows],
        [
            "yes" if {h.slug for h in e.signals.hits[:3]} & ok else "no"
            for e, ok in zip(answer_rows, right, strict=True)
        ],
        binary=True,
    )
    return kind, top1, top3


def observed(d: Decision) -> Observed:
    """What the employee would get, as ``make eval-chat`` would classify it."""
    if d.outcome == "intent":
        return Observed(str(d.intent))
    return Observed(d.outcome, tuple(h.slug for h in d.hits))


Scored = tuple[Example, Scores]


def outcomes(scored: Sequence[Scored], params: DecisionParams) -> Counter[str]:
    """Graded outcomes counted per group: ``in`` (in-scope), ``out`` (unanswerable/off-topic), ``talk``."""
    groups: Counter[str] = Counter()
    for e, sc in scored:
        g = grade(e.line, observed(choose(sc, e.signals.hits, params)))
        groups[f"{_group(e.line.kind)}:{g}"] += 1
        groups[f"{_group(e.line.kind)}:n"] += 1
    return groups


def _group(kind: str) -> str:
    return {"in_scope": "in", "unanswerable": "out", "off_topic": "out"}.get(kind, "talk")


def within_limits(groups: Counter[str]) -> bool:
    """The cross-validated shares respect :data:`LIMITS`."""
    n_in, n_out = max(groups["in:n"], 1), max(groups["out:n"], 1)
    return (
        groups["in:answer_wrong"] / n_in <= LIMITS["answer_wrong"]
        and groups["in:refused_off_topic"] / n_in <= LIMITS["refused_off_topic"]
        and groups["out:answered"] / n_out <= LIMITS["answered"]
        and groups["out:clarified"] / n_out <= LIMITS["clarified"]
    )


def objective(groups: Counter[str]) -> float:
    """What the employees get right (weights :data:`OBJECTIVE`)."""
    return (
        OBJECTIVE["answer_right"] * groups["in:answer_right"]
        + OBJECTIVE["clarify_right"] * groups["in:clarify_right"]
        + OBJECTIVE["right"] * groups["talk:right"]
    )


def choose_thresholds(scored: Sequence[Scored], params: DecisionParams) -> DecisionParams:
    """The grid point with the best objective within the limits (ties: the more cautious point).

    When no point keeps every limit, the one with the fewest wrong answers and answered off-topic lines wins.
    """
    best, best_key = params, (False, -1e18)
    for intent_min, answer, clarify in product(GRID_INTENT, GRID_ANSWER, GRID_CLARIFY):
        if clarify > answer:
            continue
        candidate = replace(params, answer=answer, clarify=clarify, intent_min=intent_min)
        groups = outcomes(scored, candidate)
        ok = within_limits(groups)
        key = (ok, objective(groups) if ok else -(groups["in:answer_wrong"] + groups["out:answered"]))
        if key >= best_key:
            best, best_key = candidate, key
    return best


def cross_validate(examples: list[Example]) -> tuple[list[tuple[chatset.ChatLine, str]], list[Scored]]:
    """Nested CV on the chat dev half: models and thresholds never see the fold they are scored on.

    Returns the graded lines and every chat line's out-of-fold scores (for the final thresholds).
    """
    rng = np.random.default_rng(SEED)
    chat = [i for i, e in enumerate(examples) if e.origin == "chat-dev"]
    fold_of = {int(i): f for f, part in enumerate(np.array_split(rng.permutation(chat), FOLDS)) for i in part}
    scored: dict[int, Scored] = {}
    for f in range(FOLDS):
        train = [e for i, e in enumerate(examples) if fold_of.get(i) != f]
        params = DecisionParams(*fit_models(train), 0.5, 0.3, 0.5)
        for i in chat:
            if fold_of[i] == f:
                scored[i] = (examples[i], score(examples[i].signals, params))
    base = DecisionParams(*fit_models(examples), 0.5, 0.3, 0.5)
    graded = []
    for f in range(FOLDS):
        chosen = choose_thresholds([scored[i] for i in chat if fold_of[i] != f], base)
        for i in chat:
            if fold_of[i] == f:
                e, sc = scored[i]
                graded.append((e.line, grade(e.line, observed(choose(sc, e.signals.hits, chosen)))))
    return graded, [scored[i] for i in chat]


def prepare(kb: KnowledgeBase) -> list[Example]:
    """Examples with rankings, signals and features."""
    labelled = gather()
    ranks = rankings([e.line.text for e in labelled])
    out = []
    for e in labelled:
        signals = signals_of(kb, e.line.text, language(e.line), ranks[e.line.text])
        out.append(Example(e.line, e.origin, e.kind, e.acceptable, signals, features(signals)))
    return out


def main() -> int:
    """Fit, report the nested cross-validated figures, write the parameters."""
    kb, _ = knowledge_base_from_files(KnowledgeSettings())
    examples = prepare(kb)
    counts = {o: sum(1 for e in examples if e.origin == o) for o in ("chat-dev", "nlu-dev", "kb-dev", "xsid")}
    print(f"decision fit: {counts}")
    graded, oof = cross_validate(examples)
    print(format_table("chat dev half, nested 5-fold cross-validation", summary(graded)))
    # Final models on everything; thresholds on the out-of-fold scores (in-sample ones are overconfident).
    params = choose_thresholds(oof, DecisionParams(*fit_models(examples), 0.5, 0.3, 0.5))
    params = replace(
        params, meta={"fitted_on": counts, "kinds": list(KINDS), "rasa_model": model_digest(DEFAULT_MODEL)[:12]}
    )
    params.dump(OUT, header="Written by `make fit-decision` (knowledge/decision_fit.py). Do not edit by hand.")
    print(f"thresholds: answer {params.answer}, clarify {params.clarify}, intent {params.intent_min} -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
