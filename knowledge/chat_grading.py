"""What did the employee get? Classify the bot's replies to one message and grade them against the label.

Replies come as Rasa's REST channel gives them (``text``, ``buttons``, ``custom``) or as the web chat
API stores them (the same keys). The bot's texts are recognised by the domain's response templates,
so the grading follows the domain instead of hard-coding sentences.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.chatset import ChatLine
from texts import text as catalogue_text

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "bot" / "domain"
_CHOOSE = re.compile(r"^/choose_article(\{.*\})$")
_REQUEST = re.compile(r'^/start_request\{"request_kind": "([a-z_]+)"\}$')
# Response name -> what the employee got.
RESPONSE_OUTCOMES = {
    "utter_out_of_scope": "off_topic",
    "utter_kb_no_answer": "none",
    "utter_greet": "greet",
    "utter_goodbye": "goodbye",
    "utter_you_are_welcome": "thank",
    "utter_escalation_intro": "request_human",
    "utter_ticket_status_one": "ticket_status",
    "utter_ticket_status_none": "ticket_status",
    "utter_ticket_status_not_found": "ticket_status",
    "utter_kb_glad": "affirm",
    "utter_kb_next_answer": "deny",
    "utter_kb_not_helpful_escalate": "deny",
    "utter_anything_else": "anything_else",
    "utter_incident_known": "incident",
}
# First match wins: an article card outranks the feedback question that follows it, and so on.
PRIORITY = (
    "deny",
    "answer",
    "clarify",
    "incident",
    "off_topic",
    "none",
    "request_human",
    "ticket_status",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "anything_else",
)
# The ticket-status article's need is met directly by the ticket lookup.
SAME_NEED = {"ticket-status-abfragen": "ticket_status"}


@dataclass(frozen=True)
class Observed:
    """The outcome of one turn: what kind of reply, and the articles it showed or offered."""

    outcome: str
    slugs: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # self-service actions offered or started: "unlock", "request:<kind>"


def _template_regex(text: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", text.strip())
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def load_templates(domain_dir: Path = DOMAIN_DIR) -> dict[str, list[re.Pattern[str]]]:
    """Every response variation of the domain as a pattern (slots become wildcards)."""
    out: dict[str, list[re.Pattern[str]]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            for v in variants or []:
                if isinstance(v, dict) and v.get("text"):
                    out.setdefault(name, []).append(_template_regex(str(v["text"])))
    return out


def _payload_slug(payload: str) -> str | None:
    m = _CHOOSE.match(payload or "")
    if not m:
        return None
    try:
        slug = json.loads(m.group(1)).get("article_slug")
    except ValueError:
        return None
    return str(slug) if slug else None


def action_of(payload: str) -> str | None:
    """The self-service action a button starts (issue 19), or ``None``."""
    if payload == "/unlock_account":
        return "unlock"
    m = _REQUEST.match(payload)
    return f"request:{m.group(1)}" if m else None


def observe(replies: Sequence[dict], templates: dict[str, list[re.Pattern[str]]]) -> Observed:
    """Classify the bot's replies to one user message."""
    found: dict[str, list[str]] = {}
    offered = [a for r in replies for b in r.get("buttons") or [] if (a := action_of(str(b.get("payload", ""))))]
    unlock_asks = {catalogue_text("unlock.ask_username", lang) for lang in ("de", "en")}
    started = ["unlock" for r in replies if str(r.get("text") or "").strip() in unlock_asks]
    actions = tuple(dict.fromkeys(offered + started))
    for r in replies:
        custom = r.get("custom") or {}
        card = r.get("article") or {}  # the web chat API's shape of the same card
        if isinstance(custom, dict) and custom.get("type") == "article" and custom.get("slug"):
            found.setdefault("answer", []).append(str(custom["slug"]))
        elif isinstance(card, dict) and card.get("slug"):
            found.setdefault("answer", []).append(str(card["slug"]))
        slugs = [s for b in r.get("buttons") or [] if (s := _payload_slug(str(b.get("payload", ""))))]
        if slugs:
            found.setdefault("clarify", []).extend(slugs)
        text = str(r.get("text") or "").strip()
        if not text:
            continue
        for name, outcome in RESPONSE_OUTCOMES.items():
            if any(p.fullmatch(text) for p in templates.get(name, [])):
                found.setdefault(outcome, [])
    for outcome in PRIORITY:
        if outcome in found:
            return Observed(outcome, tuple(found[outcome]), actions)
    return Observed("other", (), actions)


def grade(line: ChatLine, got: Observed) -> str:
    """One category per line; the categories of the issue's table."""
    if line.kind == "in_scope":
        if got.outcome == "answer":
            return "answer_right" if got.slugs[0] in line.acceptable else "answer_wrong"
        if got.outcome == SAME_NEED.get(line.expected or ""):
            return "answer_right"
        if got.outcome == "clarify":
            return "clarify_right" if line.acceptable & set(got.slugs) else "clarify_without"
        return {"none": "no_answer", "off_topic": "refused_off_topic"}.get(got.outcome, "other")
    if line.kind in ("unanswerable", "off_topic"):
        return {
            "answer": "answered",
            "clarify": "clarified",
            "none": "no_answer",
            "off_topic": "refused_off_topic",
            "request_human": "escalation",
        }.get(got.outcome, "other")
    return "right" if got.outcome == line.expected else "wrong"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a share."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


IN_SCOPE_ROWS = (
    ("the right article directly", ("answer_right",)),
    ("right article among the clarify buttons", ("clarify_right",)),
    ("= right article reachable in one step", ("answer_right", "clarify_right")),
    ("clarify without the right article", ("clarify_without",)),
    ("no answer (honest, escalation offered)", ("no_answer",)),
    ("refused as off-topic", ("refused_off_topic",)),
    ("a wrong article", ("answer_wrong",)),
    ("something else", ("other",)),
)
OTHER_ROWS = (
    ("answered with an article", ("answered",)),
    ("clarify buttons", ("clarified",)),
    ("no answer", ("no_answer",)),
    ("refused as off-topic", ("refused_off_topic",)),
    ("escalation started", ("escalation",)),
    ("something else", ("other",)),
)


def summary(results: Iterable[tuple[ChatLine, str]]) -> dict:
    """Counts per group and language: the figures ``make eval-chat`` prints and stores."""
    out: dict = {}
    for line, category in results:
        group = {"unanswerable": "unanswerable", "off_topic": "unanswerable"}.get(line.kind, line.kind)
        for lang in ("all", line.lang):
            cell = out.setdefault(group, {}).setdefault(lang, Counter())
            cell[category] += 1
            cell["n"] += 1
    return {g: {lang: dict(c) for lang, c in by_lang.items()} for g, by_lang in out.items()}


def share(cell: dict, categories: Sequence[str]) -> tuple[int, int, float]:
    """Count, total and share of ``categories`` in one summary cell."""
    n = int(cell.get("n", 0))
    k = sum(int(cell.get(c, 0)) for c in categories)
    return k, n, (k / n if n else math.nan)


def format_table(title: str, figures: dict) -> str:
    """The issue's table with counts and 95 % intervals, per language."""
    lines = [f"## {title}", ""]

    def row(label: str, group: str, cats: Sequence[str]) -> str:
        cells = []
        for lang in ("all", "de", "en"):
            cell = figures.get(group, {}).get(lang)
            if not cell:
                cells.append("–")
                continue
            k, n, p = share(cell, cats)
            lo, hi = wilson(k, n)
            cells.append(f"{100 * p:.1f} % ({k}/{n}, {100 * lo:.0f}–{100 * hi:.0f})")
        return f"| {label} | " + " | ".join(cells) + " |"

    header = "| {} | all | de | en |\n|---|---|---|---|"
    lines.append(header.format("in-scope: what the employee got"))
    lines += [row(label, "in_scope", cats) for label, cats in IN_SCOPE_ROWS]
    lines += ["", header.format("unanswerable / off-topic")]
    lines += [row(label, "unanswerable", cats) for label, cats in OTHER_ROWS]
    lines += ["", header.format("conversation")]
    lines.append(row("small talk right (greet/goodbye/thank/affirm/deny)", "smalltalk", ("right",)))
    lines.append(row("request for a person right", "conversation", ("right",)))
    return "\n".join(lines) + "\n"
