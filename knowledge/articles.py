"""Knowledge articles: Markdown with YAML front matter, parsed into typed records."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

REQUIRED_FIELDS = ("slug", "title", "language", "tags", "owner", "reviewed", "audience")
OPTIONAL_FIELDS = ("questions",)
STEPS_HEADING = "So gehen Sie vor"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STEP_RE = re.compile(r"^\s*\d+[.)]\s+(.*\S)\s*$")


class ArticleError(ValueError):
    """An article file is malformed; the message names the file and the field."""


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

    @property
    def content_hash(self) -> str:
        """Changes whenever anything searchable changes."""
        text = "\n".join([self.slug, self.title, self.language, " ".join(self.tags), *self.questions, self.body])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

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


def parse_article(text: str, source: str = "<text>") -> Article:
    """Parse one article file's text; raise :class:`ArticleError` with a clear message."""
    if not text.startswith("---"):
        raise ArticleError(f"{source}: must start with '---' front matter")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise ArticleError(f"{source}: front matter is not closed with '---'")
    try:
        meta = yaml.safe_load(parts[0].lstrip("-\n")) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(f"{source}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{source}: front matter must be a mapping")
    missing = [f for f in REQUIRED_FIELDS if meta.get(f) in (None, "", [])]
    if missing:
        raise ArticleError(f"{source}: missing front matter field(s): {', '.join(missing)}")
    slug = str(meta["slug"])
    if not SLUG_RE.match(slug):
        raise ArticleError(f"{source}: slug {slug!r} must be lowercase ASCII words joined by '-'")
    reviewed = meta["reviewed"]
    if not isinstance(reviewed, date):
        try:
            reviewed = date.fromisoformat(str(reviewed))
        except ValueError as exc:
            raise ArticleError(f"{source}: reviewed must be a date (YYYY-MM-DD)") from exc
    tags = meta["tags"]
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    questions = meta.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise ArticleError(f"{source}: questions must be a list of non-empty texts")
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    body = body.strip()
    if not body:
        raise ArticleError(f"{source}: body is empty")
    return Article(
        slug=slug,
        title=str(meta["title"]).strip(),
        language=str(meta["language"]).strip(),
        tags=tuple(str(t) for t in tags),
        owner=str(meta["owner"]).strip(),
        reviewed=reviewed,
        audience=str(meta["audience"]).strip(),
        body=body,
        sections=split_sections(body),
        questions=tuple(q.strip() for q in questions),
    )


def load_articles(directory: Path) -> list[Article]:
    """Load every ``*.md`` article of a folder, sorted by slug; slugs must match file names."""
    articles = []
    for path in sorted(directory.glob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), str(path))
        if article.slug != path.stem:
            raise ArticleError(f"{path}: slug {article.slug!r} differs from the file name")
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
