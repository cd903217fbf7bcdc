"""Command words matched exactly (no Rasa import, so the app's tests can check them)."""

from __future__ import annotations

import re
from typing import Dict

COMMANDS: Dict[str, frozenset] = {
    "cancel": frozenset(
        {
            "abbrechen",
            "bitte abbrechen",
            "abbrechen bitte",
            "abbruch",
            "stopp",
            "stop",
            "brich ab",
            "vergiss es",
            "vergessen sie es",
            "lass es",
            "lassen sie es",
            "nicht weiterleiten",
            "bitte nicht weiterleiten",
            "doch nicht weitergeben",
            "weitergabe abbrechen",
            "vorgang abbrechen",
            "hat sich erledigt",
            "cancel",
            "cancel please",
            "please cancel",
            "abort",
            "never mind",
            "nevermind",
            "forget it",
            "stop this",
        }
    ),
    "skip": frozenset(
        {
            "überspringen",
            "ueberspringen",
            "bitte überspringen",
            "frage überspringen",
            "keine angabe",
            "weiß nicht",
            "weiss nicht",
            "weiß ich nicht",
            "weiss ich nicht",
            "keine ahnung",
            "ka",
            "k a",
            "möchte ich nicht sagen",
            "skip",
            "skip this",
            "no idea",
            "dont know",
            "i dont know",
        }
    ),
}
_PUNCT = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces ("Abbrechen!" -> "abbrechen", "don't" -> "dont")."""
    return " ".join(_PUNCT.sub("", text.replace("’", "'").replace("'", "").lower()).split())


def command_of(text: str) -> str | None:
    """The command a message is, if it is one."""
    words = normalise(text)
    return next((name for name, phrases in COMMANDS.items() if words in phrases), None)
