"""Choose fusion weights and decision thresholds on the dev set; write them to config.

Each question is embedded once; the grid search then only re-fuses and re-decides.
The objective prefers right answers, then useful clarifications, and punishes wrong
answers and answered unanswerables hard; candidates over the limits are discarded.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import yaml

from knowledge.evaluate import NONE, DevItem, Report, load_dev_set, report
from knowledge.search import Candidate, KnowledgeBase, Thresholds, fuse

MAX_WRONG = 0.04  # of in-scope questions (target: <= 5 %)
MAX_UNANSWERABLE_ANSWERED = 0.08  # (target: <= 10 %)


def _fused_arrays(
    data: list[tuple[DevItem, list[Candidate]]], t: Thresholds
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per question: top score, runner-up score, top is right, right article in top 3."""
    top, second, right, in3 = [], [], [], []
    for item, cands in data:
        scored = sorted(((fuse(c, t), c.slug) for c in cands), reverse=True)
        top.append(scored[0][0] if scored else 0.0)
        second.append(scored[1][0] if len(scored) > 1 else 0.0)
        right.append(bool(scored) and scored[0][1] == item.slug)
        in3.append(item.slug in {s for _, s in scored[:3]})
    return np.array(top), np.array(second), np.array(right), np.array(in3)


def grid(kb: KnowledgeBase, data: list[tuple[DevItem, list[Candidate]]]) -> tuple[Thresholds, Report]:
    """Exhaustive search over a small grid (vectorized); returns the best thresholds and their report."""
    answerable = np.array([item.slug != NONE for item, _ in data])
    n_in, n_un = max(int(answerable.sum()), 1), max(int((~answerable).sum()), 1)
    best: tuple[float, Thresholds] | None = None
    for weight, scale in itertools.product([0.0, 0.02, 0.04, 0.06, 0.1], [2.0, 5.0, 10.0]):
        base = Thresholds(lexical_weight=weight, lexical_scale=scale)
        top, second, right, _ = _fused_arrays(data, base)
        lo, hi = float(np.percentile(top, 2)), float(np.percentile(top, 98))
        for answer in np.arange(lo, hi, 0.0025):
            for margin in (0.0, 0.005, 0.01, 0.015, 0.02):
                answered = (top >= answer) & (top - second >= margin)
                for gap in (0.0, 0.01, 0.02, 0.03):
                    clarified = ~answered & (top >= answer - gap)
                    a_right = int((answered & right & answerable).sum())
                    a_wrong = int((answered & ~right & answerable).sum())
                    un_answered = int((answered & ~answerable).sum())
                    if a_wrong / n_in > MAX_WRONG or un_answered / n_un > MAX_UNANSWERABLE_ANSWERED:
                        continue
                    score = (
                        a_right
                        + 0.4 * int((clarified & answerable).sum())
                        - 4 * a_wrong
                        - 3 * un_answered
                        - 0.5 * int((clarified & ~answerable).sum())
                    )
                    if best is None or score > best[0]:
                        t = replace(
                            base, answer=round(float(answer), 4), margin=margin, clarify=round(float(answer) - gap, 4)
                        )
                        best = (score, t)
    if best is None:
        raise SystemExit("no thresholds meet the limits on this dev set")
    kb.thresholds = best[1]
    return best[1], report([(item, kb.rank(item.q, cands, k=5)) for item, cands in data])


def write(path: Path, t: Thresholds, source: str) -> None:
    """Store the thresholds with a note on where they came from."""
    header = (
        f"# Written by `make calibrate` (knowledge/calibrate.py) from {source}.\n"
        "# Re-run after changing articles or the model; tests re-check the targets.\n"
    )
    path.write_text(header + yaml.safe_dump({k: round(v, 4) for k, v in asdict(t).items()}, sort_keys=False))


def main() -> int:
    """CLI for ``make calibrate``; ``--check`` reports a two-fold estimate too."""
    from knowledge.evaluate import format_report  # noqa: PLC0415
    from knowledge.index_files import knowledge_base_from_files  # noqa: PLC0415
    from settings import ROOT, KnowledgeSettings  # noqa: PLC0415

    settings = KnowledgeSettings()
    dev_path = ROOT / "tests/data/knowledge_dev.yml"
    dev = load_dev_set(dev_path)
    kb, _ = knowledge_base_from_files(settings)
    data = [(item, kb.candidates(item.q)) for item in dev]
    # Honest estimate: calibrate on one half, measure on the other, both ways.
    halves = [data[0::2], data[1::2]]
    for i, (fit, held) in enumerate([(halves[0], halves[1]), (halves[1], halves[0])], 1):
        t, _ = grid(kb, fit)
        kb.thresholds = t
        rep = report([(item, kb.rank(item.q, c, k=5)) for item, c in held])
        print(f"--- fold {i}: fitted on {len(fit)}, held-out {len(held)} ---\n{format_report(rep)}\n")
    t, rep = grid(kb, data)
    write(settings.calibration_file, t, dev_path.relative_to(ROOT).as_posix())
    print(f"--- all {len(data)} questions ({sum(1 for i, _ in data if i.slug != NONE)} in scope) ---")
    print(f"chosen: {t}\n{format_report(rep)}")
    print(f"written to {settings.calibration_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
