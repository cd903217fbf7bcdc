"""The request form's actions as the SDK runs them: questions from the catalogue, validation, summary, submit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker

from actions.requests import (
    ActionAskRequestAnswer,
    ActionRequestCancel,
    ActionRequestSummary,
    ActionSubmitRequest,
    ValidateRequestForm,
)
from desk import conversations
from desk.requests import records
from desk.runtime import LazyDesk
from settings import ROOT, Settings
from tests.unit.actions.helpers import make_tracker, run, slots_of

DOMAIN = yaml.safe_load((ROOT / "bot" / "domain" / "requests.yml").read_text(encoding="utf-8"))


def turn(answer: str | None, values: dict[str, str], kind: str = "software", **slots: Any) -> Tracker:
    """The form's turn after the employee answered (``None``: right after the button started it)."""
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    if answer is None:
        events.append({"event": "slot", "name": "request_kind", "value": kind})
    else:
        events.append({"event": "slot", "name": "request_answer", "value": answer})
    return make_tracker(
        answer or f'/start_request{{"request_kind": "{kind}"}}',
        intent="start_request" if answer is None else "it_request",
        sender="conv-form",
        events=events,
        request_kind=kind,
        request_values=values,
        request_answer=answer,
        requested_slot="request_answer" if answer is not None else None,
        **slots,
    )


async def validate(tracker: Tracker, settings: Settings) -> tuple[list[str], dict[str, Any]]:
    d, events = await run(ValidateRequestForm(settings), tracker, DOMAIN)
    return [m["text"] for m in d.messages], slots_of(events)


async def test_the_questions_come_from_the_catalogue_and_an_edit_needs_no_retraining(
    desk_settings: Settings, tmp_path: Path
) -> None:
    d, _ = await run(ActionAskRequestAnswer(desk_settings), turn("", {}))
    [asked] = d.messages
    assert asked["text"].splitlines()[0] == "Software? Bitte wählen Sie:"
    assert (
        "- Adobe Acrobat Pro: Kostenpflichtige Lizenz je Arbeitsplatz; die Kostenstelle wird belastet."
        in asked["text"].splitlines()
    )
    assert {"title": "GIMP", "payload": "GIMP"} in asked["buttons"]
    d, _ = await run(ActionAskRequestAnswer(desk_settings), turn("", {"software": "gimp"}, language="en"))
    assert [m["text"] for m in d.messages] == ["What do you need the software for?"]
    # The desk edits the catalogue: the same domain asks the new question.
    doc = yaml.safe_load((ROOT / "settings" / "requests.yml").read_text(encoding="utf-8"))
    doc["kinds"]["software"]["fields"].insert(
        1, {"name": "room", "label": {"de": "Raum", "en": "Room"}, "type": "text", "required": True}
    )
    edited = tmp_path / "requests.yml"
    edited.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    settings = desk_settings.override(SERVICEDESK_REQUESTS_CATALOGUE=str(edited))
    d, _ = await run(ActionAskRequestAnswer(settings), turn("", {"software": "gimp"}))
    assert [m["text"] for m in d.messages] == ["Raum?"]


async def test_answers_are_checked_filed_and_the_form_ends_when_all_are_there(desk_settings: Settings) -> None:
    said, slots = await validate(turn(None, {}), desk_settings)
    assert slots == {"request_kind": "software", "request_values": {}, "request_answer": None}
    # What the employee typed before the button is not asked again (one named entry; two named: asked).
    named = turn(None, {}, kind="hardware")
    named.events.insert(0, {"event": "user", "text": "Ich brauche einen Monitor 27 Zoll für Kostenstelle 3200"})
    said, slots = await validate(named, desk_settings)
    assert slots["request_values"] == {"item": "monitor-27", "cost_centre": "3200"}
    assert slots["requested_slot"] is None  # every required field named: straight to the summary
    # The language layer's entities name an entry in other words (its "entities" in the catalogue).
    spoken = turn(None, {}, kind="hardware")
    spoken.events.insert(0, {"event": "user", "text": "Für das Homeoffice bräuchte ich einen zweiten Bildschirm"})
    said, slots = await validate(spoken, desk_settings)
    assert slots["request_values"] == {"item": "monitor-27"}
    pdf = turn(None, {})
    pdf.events.insert(0, {"event": "user", "text": "Ich muss PDFs bearbeiten, kann ich Acrobat bekommen?"})
    said, slots = await validate(pdf, desk_settings)
    assert slots["request_values"] == {"software": "adobe-acrobat-pro"}
    both = turn(None, {}, kind="hardware")
    both.events.insert(0, {"event": "user", "text": "Headset oder Dockingstation, egal"})
    said, slots = await validate(both, desk_settings)
    assert slots["request_values"] == {}
    said, slots = await validate(turn("Photoshop", {}), desk_settings)
    assert said == ["Bitte wählen Sie für „Software“ einen der angebotenen Einträge."]
    assert slots == {"request_answer": None}  # asked again (the form picks the empty slot)
    said, slots = await validate(turn("gimp", {}), desk_settings)
    assert said == [] and slots == {"request_values": {"software": "gimp"}, "request_answer": None}
    said, slots = await validate(turn("Für das Amtsblatt", {"software": "gimp"}), desk_settings)
    assert slots["request_values"] == {"software": "gimp", "reason": "Für das Amtsblatt"}
    assert slots["requested_slot"] is None  # every required field answered: the form is complete
    said, slots = await validate(turn("morgen", {}, kind="new_staff"), desk_settings)
    assert slots["request_answer"] is None  # "full_name" takes any one line
    said, slots = await validate(turn(None, {}, kind="yacht"), desk_settings)
    assert slots == {"requested_slot": None}  # a kind the catalogue lacks ends the form; the summary says so
    d, events = await run(ActionRequestSummary(desk_settings), turn(None, {}, kind="yacht"))
    assert [m["text"] for m in d.messages] == [
        "Diesen Antrag gibt es im Katalog nicht (mehr). Bitte wenden Sie sich an den Service Desk."
    ]
    assert slots_of(events)["request_kind"] is None


async def test_summary_submit_and_cancel(desk, desk_settings: Settings) -> None:  # noqa: ANN001
    values = {"share": "stadtkasse", "access": "lesen", "reason": "Kassenabschluss"}
    tracker = turn(None, values, kind="folder_access")
    d, _ = await run(ActionRequestSummary(desk_settings), tracker)
    [summary] = d.messages
    assert summary["text"].splitlines() == [
        "Ich würde folgenden Antrag stellen – Zugriff auf Ordner/Laufwerk:",
        "- Ordner oder Laufwerk: Stadtkasse (S:\\Stadtkasse)",
        "- Art des Zugriffs (lesen oder ändern): lesen",
        "- Begründung: Kassenabschluss",
        "Freigeben muss ihn Karin Schmidt (Stadtkasse).",
        "Soll ich den Antrag so stellen?",
    ]
    assert [b["payload"] for b in summary["buttons"]] == ["/affirm", "/deny"]
    conversations.ensure_conversation(desk.engine, "conv-form", "user-form", "de")
    settings = desk_settings.override(SERVICEDESK_SMTP_PORT="9")  # no mail server: the request still waits
    d, events = await run(ActionSubmitRequest(LazyDesk.ready(desk), settings), tracker)
    [stored] = records.of_user(desk.engine, "user-form")
    assert (stored.kind, stored.status, stored.conversation_id) == ("folder_access", "waiting_approval", "conv-form")
    assert [m["text"] for m in d.messages] == [
        f"Ihr Antrag {stored.number} (Zugriff auf Ordner/Laufwerk) ist eingegangen. Er wartet auf die Freigabe "
        "durch Karin Schmidt (Stadtkasse); ich melde mich hier, sobald entschieden ist."
    ]
    assert slots_of(events) == {"request_kind": None, "request_values": None, "request_answer": None}
    assert conversations.messages_after(desk.engine, "conv-form") == []  # said once, by the action
    d, events = await run(ActionRequestCancel(), turn(None, values, language="en"))
    assert [m["text"] for m in d.messages] == ["All right, I have discarded the request."]
    assert slots_of(events)["request_values"] is None


async def test_an_answer_with_a_request_article_offers_the_request(hashing_kb, settings: Settings) -> None:  # noqa: ANN001
    from actions.respond import ActionRespond
    from knowledge.source import StaticKnowledgeSource
    from tests.unit.fakes import fixed_decision

    action = ActionRespond(StaticKnowledgeSource(hashing_kb), settings, params=fixed_decision(top1=0.9, top3=0.9))
    clicked = make_tracker(
        '/choose_article{"article_slug": "berechtigung-beantragen"}',
        intent="choose_article",
        article_slug="berechtigung-beantragen",
        language="en",
    )
    d, _ = await run(action, clicked)
    assert d.messages[0]["custom"]["slug"] == "berechtigung-beantragen"
    offered = d.messages[-1]
    assert offered["text"] == "You can request this right here in the chat:"
    assert offered["buttons"] == [
        {"title": "Access to a folder/drive", "payload": '/start_request{"request_kind": "folder_access"}'}
    ]
    other = make_tracker(
        '/choose_article{"article_slug": "vpn-fehler"}', intent="choose_article", article_slug="vpn-fehler"
    )
    d, _ = await run(action, other)
    assert all("/start_request" not in str(m.get("buttons")) for m in d.messages)
