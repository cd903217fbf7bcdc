"""The status of structured requests in the chat, through the ticket status action (the decision's
``ticket_status`` intent): own requests only, by number or with the newest tickets."""

from __future__ import annotations

from functools import partial

from rasa_sdk import Tracker

from actions.respond import ActionRespond
from actions.ticket_status import ActionTicketStatus
from desk import conversations
from desk.requests import flow
from desk.requests.status import LOCAL
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.unit.actions.helpers import make_tracker, run, slots_of
from tests.unit.fakes import fixed_decision

tracker = partial(make_tracker, intent="ticket_status", sender="conv-req")
SOFTWARE = {"software": "Adobe Acrobat Pro", "reason": "Formulare ausfüllbar machen"}
FOLDER = {"share": "buergeramt", "access": "ändern", "reason": "Vertretung"}


def submit(desk, settings, kind: str, values: dict[str, str], sender: str = "conv-req"):  # noqa: ANN001, ANN201
    conversations.ensure_conversation(desk.engine, sender, f"user-of-{sender}", "de")
    return flow.submit(
        flow.for_settings(desk, settings),
        kind=kind,
        values=values,
        user=f"user-of-{sender}",
        conversation_id=sender,
        language="de",
    )


async def test_the_newest_requests_come_with_the_tickets_and_alone(desk, desk_settings) -> None:  # noqa: ANN001
    action = ActionTicketStatus(LazyDesk.ready(desk), desk_settings)
    conversations.ensure_conversation(desk.engine, "conv-req", "user-of-conv-req", "de")
    d, events = await run(action, tracker("Wie ist der Stand?"))
    assert [m["response"] for m in d.messages] == ["utter_ticket_status_none"]  # nothing at all: as before
    software = submit(desk, desk_settings, "software", SOFTWARE)
    folder = submit(desk, desk_settings.override(SERVICEDESK_SMTP_PORT="9"), "folder_access", FOLDER)
    d, events = await run(action, tracker("Wie ist der Stand?"))
    texts = [m["text"] for m in d.messages]
    assert texts[0].startswith(f"Antrag {folder.number} (Zugriff auf Ordner/Laufwerk) vom ")
    assert texts[0].endswith(": wartet auf Freigabe.")
    assert texts[1].endswith(f": in Bearbeitung beim Service Desk. Ticket: {software.ticket_number}.")
    assert slots_of(events) == {"kb_stage": None}


async def test_a_request_number_is_answered_for_its_owner_only(desk, desk_settings, hashing_kb) -> None:  # noqa: ANN001
    mine = submit(desk, desk_settings, "software", SOFTWARE)
    other = submit(desk, desk_settings, "software", SOFTWARE, sender="conv-other")
    kb = StaticKnowledgeSource(hashing_kb)
    respond = ActionRespond(kb, desk_settings, LazyDesk.ready(desk), fixed_decision(top1=0.9))
    asked = tracker(f"Was ist mit meinem Antrag {mine.number}?", language="en")
    d, _ = await run(respond, asked)
    assert [m["text"] for m in d.messages] == [
        f"Request {mine.number} (Request software) of {mine.created_at.astimezone(LOCAL):%Y-%m-%d}: "
        f"being handled by the service desk. Ticket: {mine.ticket_number}."
    ]
    stranger = Tracker.from_dict({**tracker(f"Stand von {mine.number}").current_state(), "sender_id": "conv-other"})
    d, _ = await run(ActionTicketStatus(LazyDesk.ready(desk), desk_settings), stranger)
    assert [m["text"] for m in d.messages] == [f"Einen Antrag {mine.number} finde ich bei Ihnen nicht."]
    assert other.number != mine.number
