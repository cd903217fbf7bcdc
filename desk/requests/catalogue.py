"""The catalogue of structured requests (``settings/requests.yml``): kinds, their fields, the lists they offer.

The service desk edits the file; it is read again when it changes. Every entry is checked on its own: a bad
person, list entry or kind is skipped and named in :attr:`Catalogue.problems` (logged once per load), the rest
stays in use. A file that cannot be read at all gives an empty catalogue with one problem, never an exception.
``python -m desk.requests.catalogue [path]`` prints the problems (exit 1 when there are any).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

logger = logging.getLogger(__name__)

NAME = r"^[a-z][a-z0-9_]{0,31}$"
MAX_VALUE = 500  # characters of one answer
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
# Zammad's own ticket attributes: a catalogue field must not overwrite them as its "ticket_field".
RESERVED_TICKET_FIELDS = frozenset(
    {
        "id",
        "number",
        "title",
        "group",
        "group_id",
        "article",
        "customer",
        "customer_id",
        "tags",
        "state",
        "state_id",
        "priority",
        "priority_id",
        "owner",
        "owner_id",
        "organization",
        "organization_id",
        "note",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Words(_Strict):
    """A text in German and English."""

    de: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    def get(self, language: str) -> str:
        """English for "en", German otherwise."""
        return self.en if language == "en" else self.de


class Person(_Strict):
    """An approver: the intranet identity is the key of ``people``."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)
    name: str = Field(min_length=1, max_length=200)


class Entry(_Strict):
    """One thing a choice field offers (a software, a share, a device, a cost centre)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    label: str = Field(min_length=1, max_length=200)
    note: Words | None = None
    approver: str | None = None  # a key of ``people``
    # Spellings the language layer's entity rules (knowledge/entity_patterns.jsonl: SYSTEM, DEVICE) recognise
    # that name this entry ("bildschirm" for a monitor): the chat fills the field in when the employee said one.
    entities: list[str] = Field(default_factory=list, max_length=50)


class FieldSpec(_Strict):
    """One field of a request kind."""

    name: str = Field(pattern=NAME)
    label: Words
    type: Literal["text", "long_text", "date", "choice"]
    choices: str | None = None  # the list a choice offers
    required: bool = True
    ticket_field: str | None = Field(default=None, pattern=NAME)  # custom ticket attribute (Zammad)

    @field_validator("ticket_field")
    @classmethod
    def _custom(cls, value: str | None) -> str | None:
        if value in RESERVED_TICKET_FIELDS:
            raise ValueError(f"{value!r} is a standard ticket attribute, not a custom field")
        return value


class KindSpec(_Strict):
    """One kind of request."""

    label: Words
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    approval: str | None = None  # the choice field whose chosen entry names the approver
    group: str = Field(default="", max_length=100)
    tags: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()  # knowledge articles whose answer offers this request as a button

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not re.fullmatch(r"[\wäöüÄÖÜß-]{1,40}", tag):
                raise ValueError(f"tag {tag!r}: letters, digits, '-' and '_' only")
        return value


@dataclass(frozen=True)
class Kind:
    """A checked kind with its lists resolved."""

    name: str
    spec: KindSpec
    lists: dict[str, tuple[Entry, ...]]

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The fields in the order they are asked."""
        return self.spec.fields

    def label(self, language: str) -> str:
        """The kind's name for the employee."""
        return self.spec.label.get(language)

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (``KeyError`` otherwise)."""
        for spec in self.spec.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def choices(self, name: str) -> tuple[Entry, ...]:
        """What the choice field ``name`` offers (empty for other fields)."""
        spec = self.field(name)
        return self.lists.get(spec.choices or "", ()) if spec.type == "choice" else ()

    def entry(self, name: str, value: str) -> Entry | None:
        """The entry of choice field ``name`` chosen by its id or label (case-insensitive)."""
        wanted = value.strip().casefold()
        for entry in self.choices(name):
            if wanted in (entry.id.casefold(), entry.label.casefold()):
                return entry
        return None

    def check(self, name: str, value: object) -> str | None:
        """The value of one field as stored (entry id, ISO date, stripped text), or ``None`` when not valid."""
        spec = self.field(name)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE:
            return None
        text = value.strip()
        if spec.type == "choice":
            entry = self.entry(name, text)
            return entry.id if entry else None
        if spec.type == "date":
            return parse_date(text)
        if spec.type == "text" and ("\n" in text or "\r" in text):
            return None
        return text if all(ch.isprintable() or ch in "\n\t" for ch in text) else None

    def missing(self, values: dict[str, str]) -> list[str]:
        """Required fields without a valid value, in order (a form's next questions)."""
        return [f.name for f in self.fields if f.required and self.check(f.name, values.get(f.name)) is None]

    def shown(self, name: str, value: str, language: str = "de") -> str:
        """A stored value as the employee and the desk read it (an entry's label, a German date)."""
        spec = self.field(name)
        if spec.type == "choice":
            entry = self.entry(name, value)
            return entry.label if entry else value
        if spec.type == "date":
            try:
                return date.fromisoformat(value).strftime("%d.%m.%Y" if language != "en" else "%Y-%m-%d")
            except ValueError:
                return value
        return value

    def approver(self, values: dict[str, str]) -> str | None:
        """The intranet identity who must approve these values, or ``None`` when nobody needs to."""
        if not self.spec.approval:
            return None
        entry = self.entry(self.spec.approval, values.get(self.spec.approval, ""))
        return entry.approver if entry else None


def parse_date(text: str) -> str | None:
    """``TT.MM.JJJJ`` or ISO as an ISO date; ``None`` otherwise."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Catalogue:
    """The checked catalogue: people, kinds, and what was skipped."""

    kinds: dict[str, Kind] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def kind(self, name: str) -> Kind | None:
        """The kind called ``name``, if it is in use."""
        return self.kinds.get(name)

    def for_article(self, slug: str) -> Kind | None:
        """The kind an answer with this article offers, if any."""
        return next((k for k in self.kinds.values() if slug in k.spec.articles), None)


def _where(exc: ValidationError) -> str:
    """The first error of a validation, short: ``fields.1.type: Input should be ...``."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return f"{loc}: {first['msg']}" if loc else str(first["msg"])


def parse(raw: Any) -> Catalogue:
    """Check a loaded YAML document entry by entry."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return Catalogue(problems=("the catalogue is not a mapping with people, lists and kinds",))
    people: dict[str, Person] = {}
    for key, value in (raw.get("people") or {}).items():
        try:
            people[str(key)] = Person.model_validate(value)
        except ValidationError as exc:
            problems.append(f"people.{key}: {_where(exc)} (skipped)")
    lists: dict[str, tuple[Entry, ...]] = {}
    for name, entries in (raw.get("lists") or {}).items():
        good: list[Entry] = []
        for n, value in enumerate(entries if isinstance(entries, list) else []):
            try:
                entry = Entry.model_validate(value)
            except ValidationError as exc:
                problems.append(f"lists.{name}.{n}: {_where(exc)} (skipped)")
                continue
            if entry.approver is not None and entry.approver not in people:
                problems.append(f"lists.{name}.{n}: approver {entry.approver!r} is not in people (skipped)")
            elif any(e.id == entry.id for e in good):
                problems.append(f"lists.{name}.{n}: id {entry.id!r} twice (skipped)")
            else:
                good.append(entry)
        if not isinstance(entries, list):
            problems.append(f"lists.{name}: not a list (skipped)")
        lists[str(name)] = tuple(good)
    kinds: dict[str, Kind] = {}
    for name, value in (raw.get("kinds") or {}).items():
        found = _kind(str(name), value, lists)
        if isinstance(found, str):
            problems.append(f"kinds.{name}: {found} (skipped)")
        else:
            kinds[found.name] = found
    return Catalogue(kinds=kinds, people=people, problems=tuple(problems))


def _kind(name: str, value: Any, lists: dict[str, tuple[Entry, ...]]) -> Kind | str:
    """A checked kind, or what is wrong with it."""
    if not re.fullmatch(NAME, name):
        return "the name must be lower-case letters, digits and '_'"
    try:
        spec = KindSpec.model_validate(value)
    except ValidationError as exc:
        return _where(exc)
    names = [f.name for f in spec.fields]
    if len(set(names)) != len(names):
        return "a field name appears twice"
    for f in spec.fields:
        if f.type == "choice" and not lists.get(f.choices or ""):
            return f"field {f.name}: choices {f.choices!r} is not a list with entries"
        if f.type != "choice" and f.choices:
            return f"field {f.name}: only a choice field has choices"
    if spec.approval is not None:
        target = next((f for f in spec.fields if f.name == spec.approval), None)
        if target is None or target.type != "choice" or not target.required:
            return f"approval {spec.approval!r} must name a required choice field"
    return Kind(name=name, spec=spec, lists={f.choices: lists[f.choices] for f in spec.fields if f.choices})


def load(path: Path) -> Catalogue:
    """Read and check the file; an unreadable file is an empty catalogue with one problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return Catalogue(problems=(f"{path.name}: cannot be read ({type(exc).__name__})",))
    return parse(raw)


class CatalogueFile:
    """The catalogue of one file, read again when the file's modification time or size changes."""

    def __init__(self, path: Path) -> None:
        """Nothing is read until the first :meth:`get` (importing does nothing)."""
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._catalogue = Catalogue()
        self._lock = threading.Lock()

    def get(self) -> Catalogue:
        """The current catalogue; its problems are logged when it was (re)read."""
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (-1, -1)
        with self._lock:
            if stamp != self._seen:
                self._catalogue = load(self.path)
                self._seen = stamp
                for problem in self._catalogue.problems:
                    logger.warning("request catalogue: %s", problem)
            return self._catalogue


@functools.cache
def watched(path: Path) -> CatalogueFile:
    """The one watcher of ``path`` in this process (so every caller sees an edit at the same moment)."""
    return CatalogueFile(path)


def main(argv: list[str] | None = None) -> int:
    """Check a catalogue file and print its problems."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "settings" / "requests.yml"
    found = load(path)
    for problem in found.problems:
        print(problem)
    print(f"{len(found.kinds)} kinds: {', '.join(found.kinds)}")
    return 1 if found.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
