"""The labelled chat evaluation set: a development half and a frozen test half.

Lines were written by people who saw only the article titles. Each line: ``text``, ``lang`` (de/en),
``kind`` (in_scope, unanswerable, off_topic, smalltalk, conversation), ``expected`` (an article slug
for in_scope, an intent for smalltalk/conversation, else null), ``also`` (other acceptable slugs) and
``source`` (which writer). The test half is measured, never used to choose anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.articles import load_articles
from knowledge.lexical import fold

ROOT = Path(__file__).resolve().parent.parent
CHAT_DIR = ROOT / "tests" / "data" / "chat"
KINDS = ("in_scope", "unanswerable", "off_topic", "smalltalk", "conversation")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class ChatLine:
    """One labelled message."""

    text: str
    lang: str
    kind: str
    expected: str | None
    also: tuple[str, ...] = ()
    source: str = ""

    @property
    def acceptable(self) -> frozenset[str]:
        """Article slugs that count as the right answer."""
        return frozenset(([self.expected] if self.expected else []) + list(self.also))


def load(split: str, chat_dir: Path = CHAT_DIR) -> list[ChatLine]:
    """The ``dev`` or ``test`` half."""
    if split not in ("dev", "test"):
        raise ValueError(f"unknown split {split!r}: dev or test")
    out = []
    for raw in (chat_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.strip():
            d = json.loads(raw)
            if d["kind"] not in KINDS:
                raise ValueError(f"{split}: unknown kind {d['kind']!r}")
            out.append(
                ChatLine(d["text"], d["lang"], d["kind"], d.get("expected"), tuple(d.get("also") or ()), d["source"])
            )
    return out


def leak_key(text: str) -> str:
    """Comparable form of a message: folded, punctuation and spacing ignored."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def nlu_examples(paths: Iterable[Path]) -> list[str]:
    """Example texts of Rasa NLU files (entity markup removed)."""
    out: list[str] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.append(_ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]))
    return out


def training_texts(root: Path = ROOT) -> set[str]:
    """Everything something was fitted on: Rasa training data, article questions, calibration sets."""
    texts = nlu_examples(sorted((root / "bot" / "data").rglob("*.yml")))
    for article in load_articles(root / "knowledge" / "articles"):
        texts += list(article.questions)
    for item in yaml.safe_load((root / "tests" / "data" / "knowledge_dev.yml").read_text(encoding="utf-8")) or []:
        texts.append(str(item["q"]))
    for item in yaml.safe_load((root / "tests" / "data" / "nlu_dev.yml").read_text(encoding="utf-8")) or []:
        texts.append(str(item["text"]))
    return {leak_key(t) for t in texts}
