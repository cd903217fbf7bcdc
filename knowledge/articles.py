"""Knowledge articles: Markdown with YAML front matter, parsed into typed records."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

import texts
from knowledge.text_policy import LIMITS, message, parse_date, text_problem

REQUIRED_FIELDS = ("slug", "title", "language", "tags", "owner", "reviewed", "audience")
OPTIONAL_FIELDS = ("questions", "review_by", "status", "notes")
STATUSES = ("draft", "published", "retired")
LANGUAGES = ("de", "en")
REVIEW_PERIOD = timedelta(days=365)
STEPS_HEADING = "So gehen Sie vor"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
_STEP_RE = re.compile(r"^\s*\d+[.)]\s+(.*\S)\s*$")
# German labels of the front-matter fields, for messages editors read (the editor shows the same ones).
FIELD_LABELS = texts.section("article.field")


class ArticleError(ValueError):
    """An article is malformed; the message names the field, ``fields`` maps field -> German message."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        """``message`` in English (logs, CLI); ``fields`` for editors."""
        super().__init__(message)
        self.fields = dict(fields or {})


@dataclass(frozen=True)
class Section:
    """One ``## `` section of an article body (the lead has an empty heading)."""

    heading: str
    text: str


@dataclass(frozen=True)
class Article:
    """A knowledge article as editors write it."""

    slug: str
    title: str
    language: str
    tags: tuple[str, ...]
    owner: str
    reviewed: date
    audience: str
    body: str
    sections: tuple[Section, ...] = field(default=())
    questions: tuple[str, ...] = field(default=())
    # Managed by the editor; files without them are published articles reviewed yearly.
    review_by: date | None = None
    status: str = "published"
    notes: str = ""  # for editors only: never shown to employees, never searched

    @property
    def content_hash(self) -> str:
        """Changes whenever anything searchable changes."""
        text = "\n".join([self.slug, self.title, self.language, " ".join(self.tags), *self.questions, self.body])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def review_due(self) -> date:
        """When the article must be checked again: ``review_by``, else a year after the last review."""
        return self.review_by or self.reviewed + REVIEW_PERIOD

    @property
    def lead(self) -> str:
        """The paragraph before the first heading."""
        return next((s.text for s in self.sections if not s.heading), "")

    def steps(self) -> list[str]:
        """Numbered steps of the 'So gehen Sie vor' section, in order."""
        for s in self.sections:
            if s.heading.lower() == STEPS_HEADING.lower():
                return [m.group(1) for line in s.text.splitlines() if (m := _STEP_RE.match(line))]
        return []

    def summary(self, max_steps: int = 3) -> list[str]:
        """A short summary taken from the article itself: its first steps, else its lead."""
        steps = self.steps()
        if steps:
            lines = [f"{i}. {s}" for i, s in enumerate(steps[:max_steps], 1)]
            if len(steps) > max_steps:
                lines.append("…")
            return lines
        return [self.lead] if self.lead else []


def split_sections(body: str) -> tuple[Section, ...]:
    """Split a Markdown body at level-2 headings."""
    sections: list[Section] = []
    heading, lines = "", list[str]()
    for line in body.splitlines():
        if line.startswith("## "):
            if heading or "".join(lines).strip():
                sections.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if heading or "".join(lines).strip():
        sections.append(Section(heading, "\n".join(lines).strip()))
    return tuple(sections)


def _date(value: Any) -> date | None:
    return parse_date(value)  # ISO dates within 2000–2099: a review date of year 1 or 9999 is a typo


def _text_list(value: Any, split_commas: bool) -> list[str] | None:
    """A list of non-empty texts; a string is split at commas (tags) or lines (questions)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",") if split_commas else value.splitlines()
        value = [v for v in value if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


# Per field: may it span lines, is it a name (no direction overrides)?
_TEXT_RULES = {"title": (False, True), "owner": (False, True), "audience": (False, True), "notes": (True, False)}


def _text_problems(meta: Mapping[str, Any], tags: list[str] | None, questions: list[str] | None) -> dict[str, str]:
    """Characters and lengths by the input policy (:mod:`knowledge.text_policy`), per field in German."""
    de: dict[str, str] = {}
    for name, (multiline, is_name) in _TEXT_RULES.items():
        value = meta.get(name)
        if isinstance(value, str):
            found = text_problem(value, name, multiline=multiline, name=is_name)
            if found:
                de[name] = message(found, name, FIELD_LABELS[name])[0]
    for name, items in (("tags", tags), ("questions", questions)):
        if items is None:
            continue
        if len(items) > LIMITS[name]:
            de[name] = texts.text("article.error.too_many", limit=LIMITS[name])
        if any(text_problem(v, f"{name}_item", name=name == "tags") for v in items):
            limit = LIMITS[f"{name}_item"]
            de[name] = texts.text("article.error.items", field=FIELD_LABELS[name], limit=limit)
    body = meta.get("body")
    if isinstance(body, str) and text_problem(body, "body", multiline=True):
        de["body"] = message(text_problem(body, "body", multiline=True) or "control", "body", FIELD_LABELS["body"])[0]
    return de


def build_article(meta: Mapping[str, Any], body: str) -> Article:
    """Validate front-matter values and a body; every problem is reported per field at once."""
    de: dict[str, str] = {}
    en: list[str] = []
    # Only spaces (or a no-break space) is as empty as nothing: such a title could not be read back.
    missing = [f for f in REQUIRED_FIELDS if meta.get(f) in (None, [], ()) or str(meta.get(f)).strip() == ""]
    for f in missing:
        de[f] = texts.text("article.error.missing", field=FIELD_LABELS[f])
    if missing:
        en.append(f"missing front matter field(s): {', '.join(missing)}")
    slug = str(meta.get("slug") or "").strip()
    if slug and (not SLUG_RE.match(slug) or len(slug) > MAX_SLUG):
        de["slug"] = texts.text("article.error.slug")
        en.append(f"slug {slug!r} must be lowercase ASCII words joined by '-'")
    language = str(meta.get("language") or "").strip()
    if language and language not in LANGUAGES:
        de["language"] = texts.text("article.error.language")
        en.append("language must be de or en")
    reviewed = _date(meta.get("reviewed")) if "reviewed" not in missing else None
    if "reviewed" not in missing and reviewed is None:
        de["reviewed"] = texts.text("article.error.date")
        en.append("reviewed must be a date (YYYY-MM-DD)")
    review_by = None
    if meta.get("review_by") not in (None, ""):
        review_by = _date(meta.get("review_by"))
        if review_by is None:
            de["review_by"] = texts.text("article.error.date")
            en.append("review_by must be a date (YYYY-MM-DD)")
    tags = _text_list(meta.get("tags"), split_commas=True)
    if tags is None:
        de["tags"] = texts.text("article.error.tags")
        en.append("tags must be a list of texts")
    questions = _text_list(meta.get("questions"), split_commas=False)
    if questions is None:
        de["questions"] = texts.text("article.error.questions")
        en.append("questions must be a list of non-empty texts")
    status = str(meta.get("status") or "published").strip()
    if status not in STATUSES:
        de["status"] = texts.text("article.error.status")
        en.append("status must be draft, published or retired")
    notes = meta.get("notes") or ""
    if not isinstance(notes, str):
        de["notes"] = texts.text("article.error.notes")
        en.append("notes must be text")
    body = (body or "").strip()
    if not body:
        de["body"] = texts.text("article.error.body_empty")
        en.append("body is empty")
    policy = {k: v for k, v in _text_problems({**meta, "body": body}, tags, questions).items() if k not in de}
    if policy:
        de.update(policy)
        en.append(f"characters or length not allowed in: {', '.join(policy)}")
    if de:
        raise ArticleError("; ".join(en), de)
    assert reviewed is not None and tags is not None and questions is not None and isinstance(notes, str)
    return Article(
        slug=slug,
        title=str(meta["title"]).strip(),
        language=language,
        tags=tuple(tags),
        owner=str(meta["owner"]).strip(),
        reviewed=reviewed,
        audience=str(meta["audience"]).strip(),
        body=body,
        sections=split_sections(body),
        questions=tuple(questions),
        review_by=review_by,
        status=status,
        notes=notes.strip(),
    )


def parse_article(text: str, source: str = "<text>") -> Article:
    """Parse one article file's text; raise :class:`ArticleError` with a clear message."""
    if not text.startswith("---"):
        raise ArticleError(f"{source}: must start with '---' front matter", {"body": "Front matter fehlt."})
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise ArticleError(f"{source}: front matter is not closed with '---'", {"body": "Front matter nicht beendet."})
    try:
        meta = yaml.safe_load(parts[0].lstrip("-\n")) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(
            f"{source}: front matter is not valid YAML: {exc}", {"body": texts.text("article.error.yaml")}
        ) from exc
    if not isinstance(meta, dict):
        raise ArticleError(
            f"{source}: front matter must be a mapping", {"body": texts.text("article.error.front_matter")}
        )
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    try:
        return build_article(meta, body)
    except ArticleError as exc:
        raise ArticleError(f"{source}: {exc}", exc.fields) from None


def _scalar(value: str) -> str:
    """A plain YAML scalar when it reads back unchanged, else a double-quoted one."""
    try:
        plain_ok = value == value.strip() and yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain_ok = False
    return value if plain_ok and "\n" not in value else json.dumps(value, ensure_ascii=False)


def _flow_item(value: str) -> str:
    try:
        ok = yaml.safe_load(f"[{value}]") == [value] and value == value.strip()
    except yaml.YAMLError:
        ok = False
    return value if ok else json.dumps(value, ensure_ascii=False)


def serialize_article(article: Article) -> str:
    """The article as a Markdown file; ``parse_article(serialize_article(a)) == a`` and files round-trip."""
    lines = [
        "---",
        f"slug: {article.slug}",
        f"title: {_scalar(article.title)}",
        f"language: {article.language}",
        f"tags: [{', '.join(_flow_item(t) for t in article.tags)}]",
    ]
    if article.questions:
        lines.append("questions:")
        lines.extend(f"  - {json.dumps(q, ensure_ascii=False)}" for q in article.questions)
    lines += [
        f"owner: {_scalar(article.owner)}",
        f"reviewed: {article.reviewed.isoformat()}",
        f"audience: {_scalar(article.audience)}",
    ]
    if article.review_by is not None:
        lines.append(f"review_by: {article.review_by.isoformat()}")
    if article.status != "published":
        lines.append(f"status: {article.status}")
    if article.notes:
        lines.append(f"notes: {json.dumps(article.notes, ensure_ascii=False)}")
    return "\n".join(lines) + "\n---\n" + article.body + "\n"


def check_round_trip(article: Article) -> None:
    """The article must read back from its file text exactly as it is; :class:`ArticleError` names the fields.

    Stores call this before they commit, so a value the format cannot carry is refused with a field message
    instead of leaving a record nobody can read.
    """
    cannot = texts.text("article.error.round_trip")
    try:
        back = parse_article(serialize_article(article), article.slug)
    except ArticleError as exc:
        raise ArticleError(f"does not read back: {exc}", dict.fromkeys(exc.fields or ["body"], cannot)) from None
    before, after = article_fields(article), article_fields(back)
    changed = [k for k in before if before[k] != after[k]] + (["status"] if back.status != article.status else [])
    if changed:
        raise ArticleError(f"does not read back unchanged: {', '.join(changed)}", dict.fromkeys(changed, cannot))


def article_fields(article: Article) -> dict[str, Any]:
    """The editable fields as JSON-ready values (the editor's form, the API, the version store)."""
    return {
        "slug": article.slug,
        "title": article.title,
        "language": article.language,
        "tags": list(article.tags),
        "owner": article.owner,
        "reviewed": article.reviewed.isoformat(),
        "review_by": article.review_by.isoformat() if article.review_by else "",
        "audience": article.audience,
        "questions": list(article.questions),
        "notes": article.notes,
        "body": article.body,
    }


def load_articles(directory: Path) -> list[Article]:
    """Load every ``*.md`` article of a folder, sorted by slug; slugs must match file names."""
    articles = []
    for path in sorted(directory.glob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), str(path))
        if article.slug != path.stem:
            raise ArticleError(f"{path}: slug {article.slug!r} differs from the file name", {"slug": "Dateiname"})
        articles.append(article)
    return articles


@dataclass(frozen=True)
class Chunk:
    """A searchable piece of an article: one section, prefixed with the title for context."""

    chunk_id: int
    slug: str
    heading: str
    text: str
    kind: str = "passage"  # "question" chunks are embedded like queries (question-to-question similarity)


def chunk_id(slug: str, index: int) -> int:
    """A stable 63-bit id for a chunk, so index edits can remove exactly an article's chunks."""
    digest = hashlib.blake2b(f"{slug}#{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def chunk_article(article: Article) -> list[Chunk]:
    """One chunk per section; the lead chunk also carries title and tags."""
    chunks = []
    for i, section in enumerate(article.sections):
        if not section.heading:
            text = f"{article.title}. {section.text}\nStichworte: {', '.join(article.tags)}"
        else:
            text = f"{article.title} – {section.heading}\n{section.text}"
        chunks.append(Chunk(chunk_id(article.slug, i), article.slug, section.heading, text))
    if not chunks:  # a body without sections still gets one chunk
        chunks.append(Chunk(chunk_id(article.slug, 0), article.slug, "", f"{article.title}. {article.body}"))
    # How employees ask, collected by editors: one chunk per question matches chat wording best.
    for i, question in enumerate(article.questions):
        chunks.append(Chunk(chunk_id(article.slug, 1000 + i), article.slug, "questions", question, "question"))
    return chunks
