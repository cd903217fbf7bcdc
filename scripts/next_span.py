"""How far below the best hit the next article after a 👎 may be: ``python -m scripts.next_span dev|test``.

For every in-scope question of the chat set: the score gap between the best hit and the second and third.
Printed per span: how many questions whose right article was second or third (the best was wrong) keep it
as the next article, and how many other runners-up would be offered. The setting (``next_span`` in
:class:`knowledge.decision.DecisionParams`) is chosen on ``dev``; ``test`` only checks it.
"""

from __future__ import annotations

import sys

from knowledge import chatset
from knowledge.index_files import knowledge_base_from_files
from settings import Settings

SPANS = (0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05)


def gaps(split: str) -> tuple[list[float], list[float]]:
    """The gaps of right runners-up (the best was wrong) and of all other runners-up."""
    kb, _ = knowledge_base_from_files(Settings.load().knowledge)
    right: list[float] = []
    other: list[float] = []
    for line in chatset.load(split):
        hits = kb.search(line.text, 5).hits if line.kind == "in_scope" else []
        for h in hits[1:3]:
            useful = hits[0].slug not in line.acceptable and h.slug in line.acceptable
            (right if useful else other).append(hits[0].score - h.score)
    return right, other


def main(argv: list[str] | None = None) -> int:
    """Print the table for one split."""
    split = (argv if argv is not None else sys.argv[1:] or ["dev"])[0]
    right, other = gaps(split)
    print(f"{split}: span | right runner-up kept (of {len(right)}) | other runners-up offered (of {len(other)})")
    for span in SPANS:
        print(f"{span:.3f} | {sum(g <= span for g in right)} | {sum(g <= span for g in other)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
