"""Konto entsperren through Rasa's REST webhook against the real stack, a real OpenLDAP and a real SMTP server.

A seeded employee locked by 5 wrong passwords is unlocked with the code read from the mail; three wrong codes void
the code; an unknown name gets the same answer and no mail; the audit shows every step; the code is in no
message, no record and (after the turn) not in Rasa's history.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from sqlalchemy import select

from desk import rasa_tracker
from desk import unlock_records as records
from desk.db import open_db, unlock_requests
from desk.directory.ldap import LdapDirectory
from desk.unlock import MASK
from scripts.stack import Stack
from tests.integration.conftest import RasaChat
from tests.integration.employee import Employee
from tests.ldap_server import Slapd
from tests.unit.desk.directory_contract import MEIER, SCHULZ
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body

pytestmark = pytest.mark.integration
SENT = "Falls zu diesem Anmeldenamen ein gesperrtes Konto"


def texts(replies: list[dict]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def new_chat(stack: Stack) -> RasaChat:
    return RasaChat(stack.settings, sender=f"unlock-{uuid.uuid4().hex[:12]}")


def lock(directory: LdapDirectory, username: str) -> None:
    for _ in range(5):
        assert not directory.authenticate(username, "falsch")
    account = directory.find(username)
    assert account is not None and account.locked


def code_for(inbox: Inbox, address: str, before: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mails = [m for _, to, m in inbox.messages[before:] if to == [address]]
        if mails:
            [code] = re.findall(r"^(\d{6})$", plain_body(mails[-1]), re.MULTILINE)
            return code
        time.sleep(0.1)
    raise AssertionError(f"no code mailed to {address}")


def steps(stack: Stack, sender: str) -> list[tuple[str, str]]:
    engine = open_db(stack.settings.records.db_url)
    try:
        return [(r["step"], r["result"]) for r in reversed(records.audit_rows(engine, conversation_id=sender))]
    finally:
        engine.dispose()


def test_unlock_through_the_rest_webhook(stack: Stack, slapd: Slapd, mail_inbox: Inbox) -> None:
    directory = LdapDirectory(slapd.settings())
    lock(directory, MEIER.uid)
    chat = new_chat(stack)
    assert "Anmeldename" in texts(chat.say("Bitte entsperren Sie mein Konto"))
    before = len(mail_inbox.messages)
    assert SENT in texts(chat.say(MEIER.uid))
    code = code_for(mail_inbox, str(MEIER.contact), before)
    answer = texts(chat.say(code))
    assert "Ihr Konto ist entsperrt. Melden Sie sich jetzt mit Ihrem bisherigen Passwort an." in answer
    assert "https://passwort.stadt.example" in answer and code not in answer
    assert directory.authenticate(MEIER.uid, MEIER.password)
    assert steps(stack, chat.sender) == [("start", "code_sent"), ("verify", "unlocked")]
    # Rasa stores the turn after the action answered; the action masks the code in its history right after.
    deadline = time.monotonic() + 15
    while code in str(rasa_tracker.export_events(stack.settings, [chat.sender])) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert code not in str(rasa_tracker.export_events(stack.settings, [chat.sender]))


def test_an_unknown_name_gets_the_same_answer_and_no_mail(stack: Stack, mail_inbox: Inbox) -> None:
    chat = new_chat(stack)
    chat.say("Konto entsperren")
    before = len(mail_inbox.messages)
    answer = texts(chat.say("niemand.hier"))
    assert answer.startswith(SENT)
    time.sleep(1)
    assert len(mail_inbox.messages) == before
    assert steps(stack, chat.sender) == [("start", "unknown")]


def test_three_wrong_codes_void_the_code(stack: Stack, slapd: Slapd, mail_inbox: Inbox) -> None:
    directory = LdapDirectory(slapd.settings())
    lock(directory, SCHULZ.uid)
    chat = new_chat(stack)
    chat.say("Können Sie mein Konto entsperren?")
    before = len(mail_inbox.messages)
    chat.say(SCHULZ.uid)
    code = code_for(mail_inbox, str(SCHULZ.contact), before)
    wrong = "000000" if code != "000000" else "111111"
    assert "noch 2 Versuch" in texts(chat.say(wrong))
    assert "noch 1 Versuch" in texts(chat.say(wrong))
    assert "dreimal falsch" in texts(chat.say(wrong))
    chat.say("Konto entsperren")
    chat.say(SCHULZ.uid)  # a new request; the voided code must not work for it either
    account = directory.find(SCHULZ.uid)
    assert account is not None and account.locked
    assert [r for _, r in steps(stack, chat.sender)] == [
        "code_sent",
        "wrong_code",
        "wrong_code",
        "blocked",
        "code_sent",
    ]
    directory.unlock(SCHULZ.uid)


def test_unlock_through_the_web_chat_keeps_the_code_out_of_the_history(
    stack: Stack, slapd: Slapd, mail_inbox: Inbox
) -> None:
    directory = LdapDirectory(slapd.settings())
    lock(directory, MEIER.uid)
    employee = Employee(stack.settings)
    try:
        # Recognised as a request to unlock, or answered with the locked-account article and its unlock button.
        said = employee.say("Ich habe mein Passwort zu oft falsch eingegeben, mein Konto ist gesperrt")
        if "Anmeldename" not in Employee.texts(said):
            offers = [m for m in said if "/unlock_account" in str(m["data"].get("buttons"))]
            assert offers, Employee.texts(said)
            button = offers[0]["data"]["buttons"][0]
            said = employee.say(button["payload"], button["title"])
        assert "Anmeldename" in Employee.texts(said)
        before = len(mail_inbox.messages)
        assert SENT in Employee.texts(employee.say(MEIER.uid))
        code = code_for(mail_inbox, str(MEIER.contact), before)
        assert "Ihr Konto ist entsperrt" in Employee.texts(employee.say(f"{code[:3]} {code[3:]}"))
        history = employee.http.get("/api/chat/history").json()
        assert MASK in [m["text"] for m in history["messages"]] and code[:3] not in str(history)
        # The per-client limit counted this browser's address (the web service's hash), not Rasa's channel.
        sender = employee.conversation_id
        engine = open_db(stack.settings.records.db_url)
        with engine.connect() as conn:
            newest = conn.execute(
                select(unlock_requests.c.client_hash).order_by(unlock_requests.c.id.desc()).limit(1)
            ).scalar_one()
        engine.dispose()
        secret = stack.settings.records.secret_key.get_secret_value().encode()
        assert newest != records.keyed(secret, "client", "channel:rest")
        assert steps(stack, sender) == [("start", "code_sent"), ("verify", "unlocked")]
    finally:
        employee.close()
