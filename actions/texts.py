"""Read short labels from the domain's responses, so user-facing text stays in one place."""

from __future__ import annotations

from typing import Any


def response_text(domain: dict[str, Any], name: str, language: str | None) -> str:
    """The text of response ``name`` in ``language`` (the variant without condition is the default)."""
    variants = domain.get("responses", {}).get(name, [])
    default = ""
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions:
            default = default or variant.get("text", "")
            continue
        if all(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return str(variant.get("text", ""))
    return str(default)
