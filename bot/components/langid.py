"""Tell German from English in short chat messages, without a model.

Pure Python (3.10-compatible) so both the Rasa component and the tests use it.
Returns ``None`` when a message gives no evidence ("ok", "VPN", "0x80070005"):
the conversation then keeps the language it had.
"""

from __future__ import annotations

import re
from typing import Optional

_WORD_RE = re.compile(r"[a-zäöüß']+")

GERMAN = frozenset(
    """
    aber alle als also am an auch auf aus bei beim bin bis bitte bist da dann das dass dem den denn der des
    die dies diese dieser doch du ein eine einem einen einer es etwas für fuer gibt geht gut guten hab habe
    haben hallo hat heute hier ich ihr ihnen im immer in ist ja jetzt kann kein keine können koennen man
    mein meine meinem meinen meiner mich mir mit muss nach nein nicht nichts noch nur oder schon sehr sich
    sie sind so soll tag und uns unser von vor war was weil wenn wer wie wieder wir wird wo zu zum zur
    danke dank vielen schön schoen tschüss tschuess tschüs wiedersehen morgen moin servus grüß gruess gott
    abend funktioniert geht klappt drucker passwort kennwort rechner ausdrucken geholfen mehr leider genau
    richtig stimmt okay nö ne jo mitarbeiter mensch menschen sprechen möchte moechte würde wuerde bräuchte
    brauche brauch hilfe fehler meldung anmelden anmeldung kollege kollegin dienststelle wetter
    wie viel urlaub stand
    """.split()
)
ENGLISH = frozenset(
    """
    a about after all am an and any are as at be been but by can cannot can't could do does doesn't don't
    for from get got has have hello hey hi how i i'm if in into is it it's its just me my no not now of on
    or our please problem should so some that the there this to up us was we what when where which who why
    will with won't would you your yes yeah thanks thank thx bye goodbye see good morning afternoon evening
    help working work works printer password computer laptop issue error human agent person talk speak
    someone status ticket didn't helped still nope sure correct right weather tomorrow
    """.split()
)


def detect_language(text: str) -> Optional[str]:
    """Return ``"de"``, ``"en"`` or ``None`` when the text gives too little evidence."""
    lowered = text.lower()
    words = _WORD_RE.findall(lowered)
    de = sum(1 for w in words if w in GERMAN)
    en = sum(1 for w in words if w in ENGLISH)
    if any(ch in lowered for ch in "äöüß"):
        de += 2
    if de == en:
        return None
    return "de" if de > en else "en"
