"""Intent rankings of the trained Rasa model for a list of texts (runs in the Rasa environment, Python 3.10).

Used by the decision fit (``knowledge/decision_fit.py``), which runs on Python 3.11 and cannot import Rasa.
Reads a JSON list of texts from ``--texts`` and writes ``{"model": sha256, "rankings": {text: {intent: conf}}}``
to ``--out``. The parse is the same as Rasa's server does (the whole NLU pipeline, commands included).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "var" / "rasa" / "models" / "servicedesk.tar.gz"


def model_digest(path: Path) -> str:
    """SHA-256 of the model archive: rankings are valid only for the model they came from."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


async def rank(model: Path, texts: list[str]) -> dict[str, dict[str, float]]:
    """Parse every text; intent -> confidence (nlu_fallback left out: it is a threshold, not an intent)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.core.agent import Agent  # noqa: PLC0415 - heavy

    agent = Agent.load(str(model))
    out = {}
    for text in texts:
        parsed = await agent.parse_message(text)
        out[text] = {
            r["name"]: float(r["confidence"]) for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"
        }
    return out


def main() -> None:
    """Command line: ``--texts in.json --out out.json [--model path]``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    rankings = asyncio.run(rank(args.model, texts))
    args.out.write_text(
        json.dumps({"model": model_digest(args.model), "rankings": rankings}, ensure_ascii=False), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
