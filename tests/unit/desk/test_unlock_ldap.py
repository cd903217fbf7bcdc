"""The unlock end to end below the chat: a real OpenLDAP (slapd + ppolicy) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from desk import unlock_records as records
from desk.directory.ldap import LdapDirectory
from desk.unlock import UnlockService
from desk.unlock_codes import EmailCodeChannel
from settings.directory import Unlock
from tests.ldap_server import Slapd
from tests.unit.desk.directory_contract import MEIER, WEBER
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body, serving_inbox

pytestmark = pytest.mark.integration
SENDER = "servicedesk-bot@stadt.example"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with serving_inbox() as inbox:
        yield inbox


def test_a_locked_employee_is_unlocked_with_the_code_from_the_mail(slapd: Slapd, inbox: Inbox, engine: Engine) -> None:
    directory = LdapDirectory(slapd.settings())
    service = UnlockService(
        engine,
        secret=b"s" * 32,
        directory=directory,
        channel=EmailCodeChannel(host="127.0.0.1", port=inbox.port, sender=SENDER),
        settings=Unlock(),
        floor_s=0,
    )
    for _ in range(5):
        assert not directory.authenticate(MEIER.uid, "falsch")
    locked = directory.find(MEIER.uid)
    assert locked is not None and locked.locked

    # A privileged colleague, locked as well: the same answer, no mail.
    for _ in range(5):
        directory.authenticate(WEBER.uid, "falsch")
    assert service.start(conversation_id="c2", username=WEBER.uid, client="10.0.0.2").status == "sent"
    assert inbox.messages == []

    assert service.start(conversation_id="c1", username=MEIER.uid, client="10.0.0.1", language="en").status == "sent"
    [(mail_from, rcpt_tos, msg)] = inbox.messages
    assert mail_from == SENDER and rcpt_tos == [MEIER.contact]
    body = plain_body(msg)
    [code] = re.findall(r"^(\d{6})$", body, re.MULTILINE)
    assert code not in str(msg["Subject"]) and str(msg["Subject"]) == "Your code to unlock your account"
    assert service.verify(conversation_id="c1", code=code).status == "unlocked"
    assert directory.authenticate(MEIER.uid, MEIER.password)
    assert [(r["step"], r["result"]) for r in reversed(records.audit_rows(engine))] == [
        ("start", "privileged"),
        ("start", "code_sent"),
        ("verify", "unlocked"),
    ]
    weber = directory.find(WEBER.uid)
    assert weber is not None and weber.locked
    directory.unlock(WEBER.uid)
