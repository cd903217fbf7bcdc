"""``make eval-nlu``: intent quality on the held-out German/English dev set plus 300 xSID out-of-scope lines.

Runs in the Rasa environment (Python 3.10). Prints per-intent precision/recall/F1,
macro-F1 over the fixed intents, out-of-scope recall and how many IT requests are
still recognised as IT requests (`nlu_fallback` also reaches the knowledge base, so
it counts as recognised for IT requests but not for the other intents).
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXED = ["greet", "goodbye", "thank", "affirm", "deny", "request_human", "ticket_status", "out_of_scope"]
IT_LIKE = {"it_request", "nlu_fallback"}
XSID = ROOT.parent / "shared" / "data" / "xsid-de-valid" / "de.valid.tsv"


def load_dev() -> list[tuple[str, str, str]]:
    """Dev utterances with gold intents, then the xSID lines as out_of_scope."""
    items = yaml.safe_load((ROOT / "tests/data/nlu_dev.yml").read_text(encoding="utf-8"))
    out = [(d["text"], d["intent"], "dev") for d in items]
    if XSID.is_file():
        with XSID.open(encoding="utf-8") as fh:
            out += [(row["text"], "out_of_scope", "xsid") for row in csv.DictReader(fh, delimiter="\t")]
    else:
        print(f"note: {XSID} not found; evaluating without the xSID out-of-scope lines")
    return out


async def predict(texts: list[str]) -> list[str]:
    """Intent names predicted by the trained model."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.core.agent import Agent  # noqa: PLC0415 - heavy

    model = (
        sys.argv[sys.argv.index("--model") + 1]
        if "--model" in sys.argv
        else ROOT / "var/rasa/models/servicedesk.tar.gz"
    )
    agent = Agent.load(str(model))
    preds = []
    for text in texts:
        result = await agent.parse_message(text)
        preds.append(result["intent"]["name"])
    return preds


def scores(pairs: list[tuple[str, str]], intents: list[str]) -> dict[str, tuple[int, float, float, float]]:
    """Per intent: n, precision, recall, F1 (an IT request sent to nlu_fallback counts as recognised)."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for gold, pred in pairs:
        effective = "it_request" if gold == "it_request" and pred in IT_LIKE else pred
        if effective == gold:
            tp[gold] += 1
        else:
            fp[effective] += 1
            fn[gold] += 1
    out = {}
    for intent in intents:
        n = tp[intent] + fn[intent]
        p = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        r = tp[intent] / n if n else 0.0
        out[intent] = (n, p, r, 2 * p * r / (p + r) if p + r else 0.0)
    return out


def main() -> int:
    """Print the tables."""
    data = load_dev()
    preds = asyncio.run(predict([t for t, _, _ in data]))
    dev = [(g, p) for (_, g, src), p in zip(data, preds, strict=True) if src == "dev"]
    xsid = [(g, p) for (_, g, src), p in zip(data, preds, strict=True) if src == "xsid"]
    table = scores(dev, FIXED + ["it_request"])
    print(f"Held-out dev set (tests/data/nlu_dev.yml, {len(dev)} utterances)")
    print(f"{'intent':<16}{'n':>5}{'precision':>11}{'recall':>8}{'F1':>7}")
    for intent, (n, p, r, f1) in table.items():
        print(f"{intent:<16}{n:>5}{p:>11.3f}{r:>8.3f}{f1:>7.3f}")
    macro = sum(table[i][3] for i in FIXED) / len(FIXED)
    print(f"\nmacro-F1 over the fixed intents (dev set): {macro:.3f}   (target >= 0.95)")
    oos_dev = [p for g, p in dev if g == "out_of_scope"]
    oos_all = oos_dev + [p for _, p in xsid]
    if xsid:
        xs = sum(p == "out_of_scope" for _, p in xsid) / len(xsid)
        ds = sum(p == "out_of_scope" for p in oos_dev) / max(len(oos_dev), 1)
        together = sum(p == "out_of_scope" for p in oos_all) / len(oos_all)
        print(
            f"out-of-scope recall: xSID {xs:.3f} ({len(xsid)})   dev {ds:.3f} ({len(oos_dev)})   "
            f"together {together:.3f}   (target >= 0.90)"
        )
        wrong = Counter(p for _, p in xsid if p != "out_of_scope")
        print("  xSID lines taken for: " + ", ".join(f"{k} {v}" for k, v in wrong.most_common()))
    it = [p for g, p in dev if g == "it_request"]
    print(
        f"IT requests recognised (it_request or fallback to the knowledge base): "
        f"{sum(p in IT_LIKE for p in it) / len(it):.3f} ({len(it)})   (target >= 0.95)"
    )
    if "-v" in sys.argv:
        print("\nmisclassified:")
        for (text, gold, src), pred in zip(data, preds, strict=True):
            if pred != gold and not (gold == "it_request" and pred in IT_LIKE):
                print(f"    [{src}: {gold} -> {pred}] {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
