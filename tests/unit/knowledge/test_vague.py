"""Vague messages get topic buttons; anything that names a thing is a real question."""

from __future__ import annotations

import pytest

from knowledge.vague import OTHER, TOPICS, is_vague, narrowed


@pytest.mark.parametrize(
    "text",
    [
        "geht nix mehr",
        "hilfe",
        "Hilfe!",
        "funktioniert nicht",
        "Ich habe ein Problem",
        "es geht gar nichts mehr",
        "kaputt",
        "it doesn't work",
        "help",
        "nothing works anymore",
        "Fehler",
    ],
)
def test_complaints_without_a_thing_are_vague(text: str) -> None:
    assert is_vague(text)


@pytest.mark.parametrize(
    "text",
    [
        "Drucker geht nix mehr",
        "Outlook funktioniert nicht",
        "Wie viel Urlaub habe ich noch?",
        "Hallo",
        "danke",
        "Ich möchte mit einem Menschen sprechen",
        "help with VPN",
        "",
        "ich habe es leider wieder",
        "not at all",
        "nichts",
        "gar nicht",
        "geht nicht geht nicht geht nicht geht nicht",
    ],
)
def test_a_named_thing_a_greeting_or_a_long_message_is_not_vague(text: str) -> None:
    assert not is_vague(text)


def test_a_topic_puts_its_words_in_front_of_the_message() -> None:
    assert narrowed("printer", "geht nix mehr") == "Drucker drucken geht nix mehr"
    assert narrowed(OTHER, "geht nix mehr") is None and narrowed("weather", "x") is None
    assert len(TOPICS) == 6
