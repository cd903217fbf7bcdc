"""CSAT comments for the lead: redacted, without staff names, newest first, in the JSON and the CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from desk import accounts, conversations, csat, csat_comments
from desk.db import csat_ratings

TODAY = datetime.now(UTC).date()


def rated(desk, conversation: str, score: int, comment: str | None, path: str = "bot", language: str = "de") -> None:
    conversations.ensure_conversation(desk.engine, conversation, "p")
    assert csat.mark_asked(desk.engine, conversation, path)
    assert csat.store_rating(
        desk.engine, conversation_id=conversation, score=score, path=path, articles=[], language=language
    )
    if comment is not None:
        assert csat.add_comment(desk.engine, conversation, comment)


def test_comments_are_redacted_without_staff_names_and_newest_first(desk) -> None:
    accounts.create_user(
        desk.engine, username="a.schmidt", password="agent-password-1", roles=("agent",), display_name="Anna Schmidt"
    )
    accounts.create_user(
        desk.engine, username="team1", password="agent-password-1", roles=("agent",), display_name="Team Service Desk 1"
    )
    rated(desk, "old", 2, "Frau Schmidt rief nicht zurück, meine Nummer ist 0171 2345678", "agent")
    rated(desk, "none", 4, None)
    rated(desk, "new", 5, "Danke an ANNA vom Service Desk! Ich bin Max Mustermann, max@example.org", "agent", "en")
    rated(desk, "bot", 3, '=HYPERLINK("http://x") der Assistent war ok')
    earlier = datetime.now(UTC) - timedelta(hours=2)
    with desk.engine.begin() as conn:
        conn.execute(update(csat_ratings).where(csat_ratings.c.conversation_id == "old").values(created_at=earlier))
        conn.execute(
            update(csat_ratings)
            .where(csat_ratings.c.conversation_id == "bot")
            .values(created_at=earlier - timedelta(hours=1))
        )

    found = csat_comments.comments(desk.engine, TODAY - timedelta(days=1), TODAY)
    assert [(c["score"], c["path"], c["language"]) for c in found] == [
        (5, "agent", "en"),
        (2, "agent", "de"),
        (3, "bot", "de"),
    ]
    assert found[0]["date"] == datetime.now(UTC).date().isoformat()
    assert found[0]["comment"] == "Danke an [Name] vom Service Desk! Ich bin [Name], [E-Mail]"
    assert found[1]["comment"] == "Frau [Name] rief nicht zurück, meine Nummer ist [Telefon]"
    shown = " ".join(c["comment"] for c in found).lower()
    assert "anna" not in shown and "schmidt" not in shown and "mustermann" not in shown
    # stored redacted at rest already (a name after "Frau"); the lead's view removes staff names on top
    assert csat.rating_of(desk.engine, "old")["comment"].startswith("Frau [Name]")
    assert csat_comments.comments(desk.engine, TODAY - timedelta(days=30), TODAY - timedelta(days=2)) == []

    lines = csat_comments.comments_csv(found).splitlines()
    assert lines[0] == "Datum;Bewertung;Lösungsweg;Sprache;Kommentar"
    newest = '"Danke an [Name] vom Service Desk! Ich bin [Name], [E-Mail]"'
    assert lines[1] == f'{TODAY:%d.%m.%Y};5;"Service Desk (Chat)";"Englisch";{newest}'
    assert lines[3].endswith(';"Assistent";"Deutsch";"\'=HYPERLINK(""http://x"") der Assistent war ok"')  # no formula
