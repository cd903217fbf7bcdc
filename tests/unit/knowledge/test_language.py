"""The spaCy language layer: the same entity rules that Rasa's SpacyEntityExtractor uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.language import LABELS, EntityFinder, load_patterns

FINDER = EntityFinder()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Outlook zeigt Fehler 0x80070005", [("SYSTEM", "Outlook"), ("ERROR_CODE", "0x80070005")]),
        ("Wie ist der Stand von SD-2026-004711?", [("TICKET", "SD-2026-004711")]),
        ("Drucker in Raum 3.14 im 2. OG", [("DEVICE", "Drucker"), ("ROOM", "Raum 3.14"), ("ROOM", "2. OG")]),
        ("vpn fehler 809 seit heute", [("SYSTEM", "vpn"), ("ERROR_CODE", "fehler 809")]),
        ("error -7200 in der E-Akte", [("ERROR_CODE", "-7200"), ("SYSTEM", "E-Akte")]),
        ("INC0048213 ist noch offen", [("TICKET", "INC0048213")]),
        ("My second monitor stays black", [("DEVICE", "second monitor")]),
    ],
)
def test_it_entities_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(e.label, e.text) for e in FINDER.find(text)] == expected


def test_ordinary_words_and_passwords_are_no_entities() -> None:
    assert FINDER.find("Mein Passwort ist abgelaufen, was nun?") == []
    assert FINDER.first("Drucker und Outlook", "SYSTEM").text == "Outlook"  # type: ignore[union-attr]


def test_a_bad_pattern_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "p.jsonl"
    bad.write_text(json.dumps({"label": "SYSTEM", "pattern": "x"}) + "\n" + json.dumps({"label": "NAME"}) + "\n")
    with pytest.raises(ValueError, match=r"p\.jsonl:2"):
        load_patterns(bad)


def test_every_pattern_has_a_known_label() -> None:
    assert {p["label"] for p in load_patterns()} == set(LABELS)
