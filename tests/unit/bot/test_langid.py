import pytest

from bot.components.command_words import command_of
from bot.components.langid import detect_language


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Hallo", "de"),
        ("Hello", "en"),
        ("Wie wird das Wetter morgen?", "de"),
        ("My printer is not working", "en"),
        ("Mein Drucker druckt nicht mehr", "de"),
        ("thanks a lot", "en"),
        ("Danke schön", "de"),
        ("Größe", "de"),
        ("I need to talk to a human", "en"),
        ("Ich möchte mit einem Menschen sprechen", "de"),
    ],
)
def test_detects_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["ok", "VPN", "0x80070005", "", "SD-2026-012345"])
def test_no_evidence_keeps_the_conversation_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text, command",
    [
        ("Abbrechen!", "cancel"),
        ("bitte abbrechen", "cancel"),
        ("never mind", "cancel"),
        ("Überspringen", "skip"),
        ("Weiß nicht.", "skip"),
        ("don't know", "skip"),
        ("Drucker abbrechen", None),  # only the whole message is a command
        ("nein", None),
        ("Ich weiß nicht, wie ich den Drucker verbinde", None),
    ],
)
def test_command_words_are_matched_exactly(text: str, command: str | None) -> None:
    assert command_of(text) == command
