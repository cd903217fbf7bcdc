"""The one catalogue of user-facing text: ``texts/de.yml`` (German, formal "Sie", the default) and ``texts/en.yml``.

``text("notice.queued", "de", minutes="5")`` in Python; the staff pages and the widget read the same catalogue
from ``/texts/<lang>.json``. Keys are dotted paths; placeholders are ``{name}``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LANGUAGES = ("de", "en")


def _flatten(node: Any, prefix: str, out: dict[str, str]) -> dict[str, str]:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = str(node)
    return out


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every text of one language by dotted key (read once per process)."""
    lang = language if language in LANGUAGES else "de"
    return _flatten(yaml.safe_load((HERE / f"{lang}.yml").read_text(encoding="utf-8")), "", {})


def text(key: str, language: str = "de", **values: object) -> str:
    """One text in ``language`` (anything but "en" is German); ``KeyError`` for a key the catalogue lacks."""
    found = catalogue("en" if language == "en" else "de")[key]
    return found.format(**values) if values else found


def both(key: str, **values: object) -> tuple[str, str]:
    """German and English, e.g. for an API error that carries both."""
    return text(key, "de", **values), text(key, "en", **values)


def section(prefix: str, language: str = "de") -> dict[str, str]:
    """The texts under ``prefix`` by their last key part (``section("escalation.reason")["no_answer"]``)."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in catalogue("en" if language == "en" else "de").items() if k.startswith(start)}
