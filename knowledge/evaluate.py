"""Retrieval quality on a labelled dev set: ranking metrics and the three-outcome table."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.search import SearchResult

NONE = "none"


@dataclass(frozen=True)
class DevItem:
    """One labelled question: its expected slug (or ``none``) and language."""

    q: str
    slug: str
    lang: str


def load_dev_set(path: Path) -> list[DevItem]:
    """Read ``tests/data/knowledge_dev.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [DevItem(str(d["q"]), str(d["slug"]), str(d.get("lang", "de"))) for d in data]


@dataclass(frozen=True)
class Report:
    """Everything ``make eval-knowledge`` prints."""

    n_in_scope: int
    n_unanswerable: int
    top1: float
    top3: float
    mrr: float
    top1_de: float
    top3_de: float
    top1_en: float
    outcomes_in_scope: dict[str, int]
    outcomes_unanswerable: dict[str, int]

    @property
    def wrong_rate(self) -> float:
        """Share of in-scope questions answered with a wrong article."""
        return self.outcomes_in_scope["answered wrong"] / max(self.n_in_scope, 1)

    @property
    def unanswerable_answered_rate(self) -> float:
        """Share of unanswerable questions that got an article as answer."""
        return self.outcomes_unanswerable["answered"] / max(self.n_unanswerable, 1)


def _rank(result: SearchResult, slug: str) -> int | None:
    for i, hit in enumerate(result.hits, 1):
        if hit.slug == slug:
            return i
    return None


def report(pairs: list[tuple[DevItem, SearchResult]]) -> Report:
    """Compute metrics for (item, result) pairs; results should carry at least 3 hits."""
    in_scope = [(i, r) for i, r in pairs if i.slug != NONE]
    unanswerable = [(i, r) for i, r in pairs if i.slug == NONE]

    def top(items: list[tuple[DevItem, SearchResult]], n: int) -> float:
        ranks = [_rank(r, i.slug) for i, r in items]
        return sum(1 for x in ranks if x is not None and x <= n) / max(len(items), 1)

    ranks = [_rank(r, i.slug) for i, r in in_scope]
    mrr = sum(1 / x for x in ranks if x) / max(len(in_scope), 1)
    de = [p for p in in_scope if p[0].lang == "de"]
    en = [p for p in in_scope if p[0].lang == "en"]
    out_in: Counter[str] = Counter({"answered right": 0, "answered wrong": 0, "clarified": 0, "no answer": 0})
    for item, result in in_scope:
        if result.outcome == "answer":
            right = result.best is not None and result.best.slug == item.slug
            out_in["answered right" if right else "answered wrong"] += 1
        elif result.outcome == "clarify":
            out_in["clarified"] += 1
        else:
            out_in["no answer"] += 1
    out_un: Counter[str] = Counter({"answered": 0, "clarified": 0, "no answer": 0})
    for _, result in unanswerable:
        key = {"answer": "answered", "clarify": "clarified"}.get(result.outcome, "no answer")
        out_un[key] += 1
    return Report(
        len(in_scope),
        len(unanswerable),
        top(in_scope, 1),
        top(in_scope, 3),
        mrr,
        top(de, 1),
        top(de, 3),
        top(en, 1),
        dict(out_in),
        dict(out_un),
    )


def format_report(r: Report) -> str:
    """Human-readable table."""
    lines = [
        f"in-scope questions: {r.n_in_scope}   unanswerable: {r.n_unanswerable}",
        f"top-1 {r.top1:.3f}   top-3 {r.top3:.3f}   MRR {r.mrr:.3f}",
        f"German top-1 {r.top1_de:.3f}   top-3 {r.top3_de:.3f}   English top-1 {r.top1_en:.3f}",
        "",
        "outcome (in-scope)        count   share",
    ]
    for key, n in r.outcomes_in_scope.items():
        lines.append(f"  {key:<22} {n:6d}  {n / max(r.n_in_scope, 1):6.1%}")
    lines.append("outcome (unanswerable)    count   share")
    for key, n in r.outcomes_unanswerable.items():
        lines.append(f"  {key:<22} {n:6d}  {n / max(r.n_unanswerable, 1):6.1%}")
    return "\n".join(lines)


def main() -> int:
    """CLI for ``make eval-knowledge``."""
    from knowledge.index_files import knowledge_base_from_files  # noqa: PLC0415 - loads the model
    from settings import ROOT, KnowledgeSettings  # noqa: PLC0415

    dev = load_dev_set(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/data/knowledge_dev.yml")
    kb, _ = knowledge_base_from_files(KnowledgeSettings())
    print(f"thresholds: {kb.thresholds}")
    pairs = [(item, kb.search(item.q, k=5)) for item in dev]
    r = report(pairs)
    print(format_report(r))
    wrong = [(i, res) for i, res in pairs if res.outcome == "answer" and res.best and res.best.slug != i.slug]
    if wrong:
        print("\nanswered wrong:")
        for i, res in wrong:
            got = res.best.slug if res.best else "-"
            print(f"  [{i.slug} -> {got}] {i.q[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
