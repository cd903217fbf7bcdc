"""Vague problem statements ("geht nix mehr", "hilfe", "it doesn't work") and the topics that narrow them.

A message counts as vague only when every word of it is a complaint word or a filler: any word that could
name a thing ("Drucker", "Urlaub", "Outlook") makes it a real question for the normal decision. A vague
message gets topic buttons instead of a search over nothing; the chosen topic's words are put in front of
the message and searched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-zäöüß']+")

# Words that say something is wrong without saying what.
COMPLAINTS = frozenset(
    """
    geht gehts funktioniert funktionieren klappt läuft kaputt defekt hilfe helfen problem probleme fehler
    störung stoerung hängt haengt mist tot
    help problem problems issue issues error broken work works working trouble stuck dead
    """.split()
)
# Words that carry no topic of their own (a negation alone is a "no": "not at all" answers a question).
FILLERS = frozenset(
    """
    nicht nix nichts not nothing doesn't doesnt dont don't
    ich mir mich mein meine es das der die da hier jetzt mehr gar überhaupt ueberhaupt leider bitte schon
    wieder noch irgendwie einfach habe hab hat haben ein eine einen ganz total so bei uns wir alles mal
    i my me it is it's its this that here now anymore at all please again have has a an any just still
    anything everything all so
    """.split()
)
MAX_WORDS = 6


def is_vague(text: str) -> bool:
    """Only complaint words and fillers, at least one complaint word, at most :data:`MAX_WORDS` words."""
    words = _WORD.findall(text.lower())
    if not words or len(words) > MAX_WORDS:
        return False
    return all(w in COMPLAINTS or w in FILLERS for w in words) and any(w in COMPLAINTS for w in words)


@dataclass(frozen=True)
class Topic:
    """One topic button: its key (the payload), and the words that narrow the search."""

    key: str
    words: str


TOPICS = (
    Topic("login", "Anmeldung Passwort Konto"),
    Topic("email", "E-Mail Outlook Postfach"),
    Topic("printer", "Drucker drucken"),
    Topic("network", "VPN Netzwerk WLAN Verbindung"),
    Topic("phone", "Telefon Softphone"),
    Topic("software", "Software Programm installieren"),
)
OTHER = "other"  # "Sonstiges": the employee is asked to say it in a sentence (or to talk to the service desk)
_BY_KEY = {t.key: t for t in TOPICS}


def narrowed(topic: str, text: str) -> str | None:
    """The search text for a topic button and the vague message; ``None`` for "other" or an unknown key."""
    found = _BY_KEY.get(topic)
    return f"{found.words} {text}".strip() if found else None
