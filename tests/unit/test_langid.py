import pytest

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
