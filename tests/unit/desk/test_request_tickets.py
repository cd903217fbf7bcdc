"""A request's ticket in each sink: Zammad (the validating stand-in) with group, tags and custom fields; e-mail
as a readable form; the register keeps the fields whatever the sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from desk.db import tickets
from desk.requests import flow
from desk.tickets.email import EmailTicketSink
from desk.tickets.zammad import ZammadTicketSink
from tests.unit.desk.request_fixtures import CONVERSATION, FOLDER, SOFTWARE, USER, inbox, link_token, make_desk
from tests.unit.desk.test_ticket_sink_zammad import FakeZammad
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body
from tests.unit.desk.ticket_contract import CUSTOMER_EMAIL, GROUP, RECIPIENT, SENDER, TOKEN

__all__ = ["inbox"]


@pytest.fixture
def zammad() -> Iterator[FakeZammad]:
    fake = FakeZammad()
    fake.groups = {GROUP, "Users"}
    fake.attributes = {"sd_software", "sd_share", "sd_cost_centre"}
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def zammad_sink(engine: Engine, zammad: FakeZammad) -> ZammadTicketSink:
    return ZammadTicketSink(engine, base_url=zammad.url, token=TOKEN, group=GROUP, customer=CUSTOMER_EMAIL, timeout=3)


def test_zammad_gets_title_group_tags_and_custom_fields(engine: Engine, inbox: Inbox, zammad: FakeZammad) -> None:
    sink = zammad_sink(engine, zammad)
    desk = make_desk(engine, inbox, sink)
    flow.submit(desk, kind="folder_access", values=FOLDER, user=USER, conversation_id=CONVERSATION, language="de")
    done = flow.decide(desk, token=link_token(inbox.messages[0][2]), identity="k.schmidt", approved=True)
    sink.close()
    assert zammad.problems == []
    ticket = zammad.tickets[41]
    assert done.ticket_number == ticket["number"] == "31041" and done.ticket_sink == "zammad"
    assert ticket["title"] == f"Antrag {done.number}: Zugriff auf Ordner/Laufwerk"
    assert ticket["group"] == "Users"  # the kind's group, not the sink's default
    assert ticket["tags"] == ["antrag", "zugriff"]
    assert ticket["sd_share"] == "Stadtkasse (S:\\Stadtkasse)"
    assert "Art des Zugriffs (lesen oder ändern): lesen" in ticket["article"]["body"]
    with engine.connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.number == "31041")).one()
    assert row.request_kind == "folder_access" and row.fields["access"] == {
        "label": "Art des Zugriffs (lesen oder ändern)",
        "value": "lesen",
    }


def test_zammad_refuses_a_custom_field_its_object_manager_lacks(
    engine: Engine, inbox: Inbox, zammad: FakeZammad
) -> None:
    zammad.attributes = set()  # nobody created sd_software in Zammad
    sink = zammad_sink(engine, zammad)
    done = flow.submit(
        make_desk(engine, inbox, sink), kind="software", values=SOFTWARE, user=USER, conversation_id=None, language="de"
    )
    sink.close()
    assert done.status == "submitted" and done.ticket_number is None  # kept; the ticket is not pretended
    assert zammad.problems == ["invalid fields: ['attributes']"]


def test_the_mailed_ticket_is_a_readable_form(engine: Engine, inbox: Inbox) -> None:
    sink = EmailTicketSink(engine, host="127.0.0.1", port=inbox.port, sender=SENDER, recipient=RECIPIENT)
    done = flow.submit(
        make_desk(engine, inbox, sink),
        kind="new_staff",
        values={"full_name": "Eva Meier", "start_date": "01.02.2027", "cost_centre": "3200"},
        user=USER,
        conversation_id=None,
        language="de",
    )
    [(_, rcpt, msg)] = inbox.messages
    assert (
        rcpt == [RECIPIENT]
        and msg["Subject"] == f"[{done.ticket_number}] Antrag {done.number}: Neue Mitarbeiterin / neuer Mitarbeiter"
    )
    body = plain_body(msg)
    assert "Antrag:\n" in body
    lines = body.split("Antrag:\n")[1].split("\n\n")[0].splitlines()
    assert lines == [
        "  Name der neuen Kollegin oder des neuen Kollegen: Eva Meier",
        "  Erster Arbeitstag (TT.MM.JJJJ):                  01.02.2027",
        "  Kostenstelle:                                    3200 Bürgeramt",
    ]
