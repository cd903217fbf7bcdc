from datetime import date

import pytest

from knowledge.articles import ArticleError, chunk_article, chunk_id, parse_article

REQUIRED_SLUGS = """
passwort-zuruecksetzen passwort-abgelaufen konto-gesperrt mfa-einrichten mfa-neues-handy berechtigung-beantragen
neue-mitarbeitende-zugang austritt-zugaenge dienstausweis-smartcard-pin elektronische-signatur outlook-postfach-voll
outlook-startet-nicht abwesenheitsnotiz funktionspostfach kalender-freigeben email-verschluesselung phishing-melden
spam-quarantaene verteilerliste vpn-verbinden vpn-fehler wlan-verbinden netzwerk-langsam netzlaufwerk-verbinden
homeoffice-einrichten drucker-hinzufuegen drucker-druckt-nicht scannen-an-email zweiter-bildschirm
laptop-startet-nicht pc-langsam headset-audio kamera-videokonferenz hardware-bestellen diensthandy-einrichten
geraet-verloren dockingstation tastatur-maus software-beantragen softwarecenter-installieren teams-besprechung
teams-anmeldung office-aktivierung onedrive-synchronisation datei-wiederherstellen pdf-bearbeiten
zertifikatsfehler-browser windows-updates e-akte-zugang fachverfahren-anmeldung videokonferenz-extern
telefon-rufumleitung voicemail softphone virus-verdacht usb-stick-gesperrt bildschirmsperre servicedesk-kontakt
ticket-status-abfragen datenschutz-it
""".split()

GOOD = """---
slug: test-artikel
title: Test
language: de
tags: [a, b]
owner: Team Test
reviewed: 2026-10-01
audience: alle
---
Worum es geht.

## So gehen Sie vor
1. Erstens.
2. Zweitens.
3. Drittens.
4. Viertens.

## Wenn es nicht funktioniert
- Nochmal.
"""


def test_parse_reads_front_matter_and_sections() -> None:
    a = parse_article(GOOD)
    assert a.slug == "test-artikel" and a.reviewed == date(2026, 10, 1) and a.tags == ("a", "b")
    assert [s.heading for s in a.sections] == ["", "So gehen Sie vor", "Wenn es nicht funktioniert"]
    assert a.lead == "Worum es geht."
    assert a.steps() == ["Erstens.", "Zweitens.", "Drittens.", "Viertens."]


def test_summary_is_taken_from_the_steps_not_invented() -> None:
    a = parse_article(GOOD)
    assert a.summary() == ["1. Erstens.", "2. Zweitens.", "3. Drittens.", "…"]


@pytest.mark.parametrize(
    "broken, message",
    [
        (GOOD.replace("owner: Team Test\n", ""), "missing front matter field.*owner"),
        (GOOD.replace("slug: test-artikel", "slug: Test Artikel"), "slug"),
        (GOOD.replace("reviewed: 2026-10-01", "reviewed: gestern"), "reviewed must be a date"),
        (GOOD.split("---\nWorum")[0] + "---\n", "body is empty"),
        ("kein front matter", "must start with"),
    ],
)
def test_bad_articles_get_clear_messages(broken: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        parse_article(broken, "x.md")


def test_chunk_ids_are_stable_and_distinct() -> None:
    a = parse_article(GOOD)
    chunks = chunk_article(a)
    assert len(chunks) == 3
    assert chunks[0].chunk_id == chunk_id("test-artikel", 0)
    assert len({c.chunk_id for c in chunks}) == 3
    assert "Test" in chunks[1].text and "So gehen Sie vor" in chunks[1].text


def test_every_required_slug_exists_with_steps_and_contact_section(articles) -> None:
    by_slug = {a.slug: a for a in articles}
    missing = [s for s in REQUIRED_SLUGS if s not in by_slug]
    assert not missing
    for slug in REQUIRED_SLUGS:
        a = by_slug[slug]
        assert a.language == "de"
        assert len(a.steps()) >= 3, slug
        headings = [s.heading for s in a.sections]
        assert "Wann Sie den Service Desk kontaktieren" in headings, slug
