"""Split the chat evaluation set once into a development half and a frozen test half.

The raw lines were written by helpers who saw only the article titles (see tests/data/chat/README.md).
Run once; the output is committed and never re-split. Usage:
``python -m scripts.chatset_split RAW_DIR`` (writes tests/data/chat/dev.jsonl and test.jsonl).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from knowledge.chatset import CHAT_DIR, leak_key, training_texts

SEED = 20261203


def split(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """Stratified halves: each (source, kind, language, expected) group alternates between the two sides."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["source"], r["kind"], r["lang"], r["expected"] or "")].append(r)
    rng = random.Random(seed)
    dev: list[dict] = []
    test: list[dict] = []
    for key in sorted(groups):
        items = groups[key]
        rng.shuffle(items)
        first_dev = rng.random() < 0.5
        for i, r in enumerate(items):
            (dev if (i % 2 == 0) == first_dev else test).append(r)
    # A test line that also appears in training data or article questions would be a leak: keep it for dev.
    seen = training_texts()
    leaked = [r for r in test if len(r["text"].split()) >= 3 and leak_key(r["text"]) in seen]
    for r in leaked:
        test.remove(r)
        dev.append(r)
    return dev, test


def main(raw_dir: Path) -> None:
    """Read every ``*.jsonl`` of ``raw_dir`` and write the two halves."""
    rows = []
    for path in sorted(raw_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                rows.append({**d, "source": path.stem, "also": d.get("also") or []})
    unique: dict[str, dict] = {}
    for r in rows:  # the same message twice (after folding) would sit on both sides
        unique.setdefault(leak_key(r["text"]), r)
    dev, test = split(list(unique.values()))
    for name, part in (("dev", dev), ("test", test)):
        out = CHAT_DIR / f"{name}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        print(f"{out}: {len(part)} lines")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
