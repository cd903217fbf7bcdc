"""Redaction at rest: personal data in free text replaced by typed placeholders before it is stored.

One redaction for every store: chat messages, escalation details and transcripts, CSAT comments, gap questions
(``desk/``) and the user texts in Rasa's tracker store (``bot/rasa_hooks.py``, Rasa's Python 3.10). Hence
stdlib, ``re`` and spaCy only, no project imports but :mod:`knowledge.language`.

Exact patterns are regular expressions (e-mail, IBAN, phone numbers, numbers after an ID cue, the value after
"Passwort ist/lautet/:"); names are found by spaCy ``Matcher`` patterns after cues ("ich bin", "mein Name ist",
"Frau", "Viele Grüße,"). The project's entity layer (error codes, ticket numbers, rooms) marks what must stay:
a look-alike such as ``0x80070005``, ``SD-2026-000123`` or ``Raum 2.14`` is never a phone number. Numbers of
six digits or fewer (one-time codes, PINs, ports) are not phone numbers either unless a phone cue precedes them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from knowledge.language import build_pipeline, import_spacy

PLACEHOLDERS = {
    "email": "[E-Mail]",
    "phone": "[Telefon]",
    "iban": "[IBAN]",
    "name": "[Name]",
    "password": "[Passwort]",
    "number": "[Nummer]",
}
PROTECTED_LABELS = ("ERROR_CODE", "TICKET", "ROOM")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# The value after "Passwort ist/lautet/:" (quoted, or the next word); the word "Passwort" itself stays.
_SECRET = re.compile(
    r"(?i:\b(?:passwort|kennwort|password|passphrase|passwd)\b)"
    r"(?P<cue>\s*[:=]\s*|\s+(?i:ist|lautet|heißt|heisst|war|is|was)\s*:?\s*)"
    r"(?P<value>\"[^\"\n]+\"|'[^'\n]+'|„[^“\n]+“|\S+)"
)
# Numbers that identify a person, after their cue: tax, social insurance, ID card, passport, staff numbers.
_NUMBER_CUES = (
    r"steuer-?id(?:entifikationsnummer)?|steueridentifikationsnummer|steuer-?nr\.?|steuernummer|"
    r"sozialversicherungsnummer|sv-?nummer|sv-?nr\.?|rentenversicherungsnummer|rv-?nummer|"
    r"krankenversichertennummer|versichertennummer|personalausweisnummer|personalausweis|ausweisnummer|"
    r"ausweis-?nr\.?|reisepassnummer|passnummer|pass-?nr\.?|personalnummer|personal-?nr\.?|kontonummer|"
    r"kreditkartennummer|tax id|tax number|social security number|ssn|national insurance number|"
    r"id card number|identity card number|passport number|employee id|employee number|personnel number"
)
_NUMBER = re.compile(
    rf"(?i:\b(?:{_NUMBER_CUES}))(?:\s+(?i:ist|lautet|is)\s*:?\s*|\s*[:=]\s*|\s+)"
    r"(?P<value>[A-Z0-9][A-Z0-9/-]*(?: (?:[A-Z0-9/-]*\d[A-Z0-9/-]*|[A-Z]))*)"
)
_PHONE = re.compile(r"(?<![\w#/+.-])(?:\+|00|\()?\d[\d /()-]*\d(?![\w]|[.,/]\d)")
_PHONE_CUE = re.compile(
    r"(?i:\b(?:tel|telefon\w*|handy\w*|mobil\w*|festnetz|rufnummer|durchwahl|fax|phone|call me\w*|"
    r"erreichbar\w*|rückruf\w*|reach me\w*)\W{0,3}(?:\w+\W{1,3}){0,2})$"
)
# Numbers after these words are codes, tickets, versions or devices, never phone numbers.
_NOT_PHONE_CUE = re.compile(
    r"(?i:\b(?:code|\w+code|tan|pin|otp|ticket\w*|vorgang\w*|inventar\w*|inv|serien\w*|sn|fehler\w*|error|"
    r"version|build|kb|port|event|event-id|id|nr|auftrag\w*|bestell\w*|rechnung\w*|az|aktenzeichen)"
    r"\W{0,3})$"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")

# Words after a name cue that are not names: roles, places, states ("Ich bin Sachbearbeiterin", "Hier ist Outlook").
_NOT_NAMES = frozenset(
    """sachbearbeiter sachbearbeiterin mitarbeiter mitarbeiterin azubi auszubildende auszubildender praktikant
    praktikantin teamleiter teamleiterin leiter leiterin amtsleiter amtsleiterin abteilungsleiter
    abteilungsleiterin referent referentin beamter beamtin administrator administratorin admin kollege kollegin
    neu neue neuer vertretung sekretariat homeoffice urlaub außendienst aussendienst teilzeit hier heute gerade
    das der die ein eine es im in am seit nicht kein keine auch noch schon leider jetzt so
    not unable able new the a an from at on still also just trying having locked stuck sorry ok okay back
    away out working calling writing""".split()
)
_NAME_CUES = (
    ("ich", "bin"),
    ("ich", "heiße"),
    ("ich", "heisse"),
    ("mein", "name", "ist"),
    ("mein", "name", "lautet"),
    ("hier", "ist"),
    ("hier", "spricht"),
    ("name", ":"),
    ("my", "name", "is"),
    ("i", "am"),
    ("i'm",),
    ("i’m",),
    ("this", "is"),
    ("frau",),
    ("herr",),
    ("herrn",),
    ("mr",),
    ("mr.",),
    ("mrs",),
    ("mrs.",),
    ("ms",),
    ("ms.",),
    ("grüße", ","),
    ("grüßen", ","),
    ("gruß", ","),
    ("grüße",),
    ("gruß",),
    ("mfg",),
    ("regards", ","),
    ("regards",),
    ("cheers", ","),
)
_TITLES = ("Dr.", "Prof.", "Dipl.-Ing.")
MAX_NAME_TOKENS = 3


@dataclass(frozen=True)
class Span:
    """A stretch of personal data: its kind (a key of :data:`PLACEHOLDERS`) and character offsets."""

    kind: str
    start: int
    end: int


class Redactor:
    """The rules, with the spaCy layer loaded once on first use; thread-safe."""

    def __init__(self) -> None:
        """Nothing is loaded here (the Rasa server and the action server import this at start)."""
        self._nlp: Any = None
        self._matcher: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    import_spacy()  # before spaCy's first import: without thinc's torch
                    from spacy.matcher import Matcher  # noqa: PLC0415 - heavy, only when text is redacted

                    nlp = build_pipeline()
                    matcher = Matcher(nlp.vocab)
                    name = {"IS_TITLE": True, "LOWER": {"NOT_IN": sorted(_NOT_NAMES)}}
                    for cue in _NAME_CUES:
                        words = [{"LOWER": w} for w in cue]
                        matcher.add(
                            "NAME", [[*words, {"ORTH": {"IN": list(_TITLES)}, "OP": "?"}, name]], greedy="LONGEST"
                        )
                    self._matcher, self._nlp = matcher, nlp
        return self._nlp, self._matcher

    def find(self, text: str) -> list[Span]:
        """The personal-data spans of ``text``, in order, not overlapping."""
        if not text or not text.strip():
            return []
        nlp, matcher = self._load()
        doc = nlp(text)
        protected = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in PROTECTED_LABELS]
        entity_tokens = {t.i for e in doc.ents for t in e}
        found: list[Span] = []

        def free(start: int, end: int, guard: bool = False) -> bool:
            spans = [(s.start, s.end) for s in found] + (protected if guard else [])
            return all(end <= a or start >= b for a, b in spans)

        def add(kind: str, start: int, end: int, guard: bool = False) -> None:
            if start < end and free(start, end, guard):
                found.append(Span(kind, start, end))

        for m in _EMAIL.finditer(text):
            add("email", m.start(), m.end())
        for m in _IBAN.finditer(text):
            if 15 <= len(m.group(0).replace(" ", "")) <= 34:
                add("iban", m.start(), m.end())
        for m in _SECRET.finditer(text):
            if _is_secret(m.group("cue"), m.group("value")):
                start, end = m.start("value"), m.end("value")
                while end > start + 1 and text[end - 1] in ".,;)" and end - 2 >= start:
                    end -= 1  # a sentence's full stop is not part of the password
                add("password", start, end)
        for m in _NUMBER.finditer(text):
            if m.group("value") and sum(c.isdigit() for c in m.group("value")) >= 4:
                add("number", m.start("value"), m.end("value"))
        self._names(doc, matcher, entity_tokens, add)
        for m in _PHONE.finditer(text):
            if _is_phone(text, m):
                add("phone", m.start(), m.end(), guard=True)
        return sorted(found, key=lambda s: s.start)

    @staticmethod
    def _names(doc: Any, matcher: Any, entity_tokens: set[int], add: Any) -> None:
        for _, start, end in matcher(doc):
            words = [t.lower_ for t in doc[start:end]]
            cue = max((c for c in _NAME_CUES if tuple(words[: len(c)]) == c), key=len)
            name = list(doc[start + len(cue) : end])
            for t in doc[end:]:  # the rest of the name: more capitalised words, up to three in all
                if len([n for n in name if n.text not in _TITLES]) >= MAX_NAME_TOKENS:
                    break
                if not t.is_title or t.lower_ in _NOT_NAMES or t.i in entity_tokens:
                    break
                name.append(t)
            if not name or any(t.i in entity_tokens for t in name):
                continue
            add("name", name[0].idx, name[-1].idx + len(name[-1].text))


def _is_secret(cue: str, value: str) -> bool:
    """After "ist"/"is" a plain lower-case word is a state ("Passwort ist abgelaufen"), not the password."""
    if value[:1] in "\"'„" or ":" in cue or "=" in cue or "lautet" in cue.lower():
        return True
    word = value.rstrip(".,;!?)")
    plain = word.isalpha() and (word.islower() or (word[:1].isupper() and word[1:].islower()))
    return not plain


def _is_phone(text: str, m: re.Match[str]) -> bool:
    digits = sum(c.isdigit() for c in m.group(0))
    before = text[max(0, m.start() - 40) : m.start()]
    if _DATE.fullmatch(m.group(0)):
        return False
    if m.group(0).startswith(("+", "00")) and digits >= 7:
        return True  # an international number is a phone number whatever precedes it
    if _NOT_PHONE_CUE.search(before):
        return False
    return digits >= 7 or (digits >= 5 and _PHONE_CUE.search(before) is not None)


_DEFAULT = Redactor()


def warm_up() -> None:
    """Load the rules now (a server's start) rather than on the first message."""
    _DEFAULT.find("warm up")


def find(text: str) -> list[Span]:
    """The personal-data spans of ``text`` (see :class:`Redactor`)."""
    return _DEFAULT.find(text)


def redact(text: str) -> str:
    """``text`` with every personal-data span replaced by its typed placeholder (``[E-Mail]``, ``[Name]`` …)."""
    spans = find(text)
    for span in reversed(spans):
        text = text[: span.start] + PLACEHOLDERS[span.kind] + text[span.end :]
    return text
