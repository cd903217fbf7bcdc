"""Konto entsperren through action_respond: the questions, the server-side state, the code kept out of records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from actions.handoff_context import conversation_facts
from actions.respond import ActionRespond
from actions.unlock import STAGE_CODE, STAGE_USERNAME, UnlockFlow, client_of, username_in
from desk import conversations, rasa_tracker
from desk.runtime import Desk, LazyDesk
from desk.unlock import MASK, UnlockService
from knowledge.source import KnowledgeUnavailable
from settings import Settings
from settings.directory import Unlock
from tests.unit.actions.helpers import make_tracker, run, slots_of
from tests.unit.desk.directory_contract import MEIER
from tests.unit.desk.test_directory import seeded_memory
from tests.unit.desk.test_unlock import Outbox
from web.chat.service import _begin_turn


class Unavailable:
    def get(self) -> Any:
        raise KnowledgeUnavailable("model missing")


class Rig:
    def __init__(self, desk: Desk, settings: Settings) -> None:
        self.desk, self.directory, self.outbox = desk, seeded_memory(), Outbox()
        service = UnlockService(
            desk.engine,
            secret=desk.secret,
            directory=self.directory,
            channel=self.outbox,
            settings=Unlock(password_portal_url="https://passwort.stadt.example"),
            floor_s=0,
        )
        self.action = ActionRespond(Unavailable(), settings, LazyDesk.ready(desk))  # type: ignore[arg-type]
        self.action.unlock = UnlockFlow(LazyDesk.ready(desk), settings, service, mask_delay_s=0)

    def lock(self) -> None:
        for _ in range(5):
            self.directory.authenticate(MEIER.uid, "falsch")

    async def say(self, text: str, intent: str = "nlu_fallback", **slots: Any) -> tuple[list[str], dict[str, Any]]:
        dispatcher, events = await run(self.action, make_tracker(text, intent, sender="conv-u", **slots))
        return [str(m.get("text") or m.get("response")) for m in dispatcher.messages], slots_of(events)


@pytest.fixture
def rig(desk: Desk, desk_settings: Settings) -> Rig:
    return Rig(desk, desk_settings)


async def test_the_whole_flow_unlocks_and_never_repeats_the_code(rig: Rig) -> None:
    rig.lock()
    said, slots = await rig.say("Bitte entsperren Sie mein Konto", "unlock_account")
    assert "Anmeldename" in said[0] and "niemals Ihr Passwort" in said[0]
    assert slots == {"kb_stage": STAGE_USERNAME}
    said, slots = await rig.say("Mein Anmeldename ist mmeier", kb_stage=STAGE_USERNAME)
    assert said[0].startswith("Falls zu diesem Anmeldenamen") and slots == {"kb_stage": STAGE_CODE}
    [(_, code, _)] = rig.outbox.sent
    said, slots = await rig.say(code, kb_stage=STAGE_CODE)
    assert said[0].startswith("Ihr Konto ist entsperrt. Melden Sie sich jetzt mit Ihrem bisherigen Passwort an.")
    assert "https://passwort.stadt.example" in said[0] and code not in said[0]
    assert slots == {"kb_stage": None}
    account = rig.directory.find(MEIER.uid)
    assert account is not None and not account.locked


async def test_a_wrong_code_keeps_asking_and_a_crafted_stage_unlocks_nothing(rig: Rig) -> None:
    rig.lock()
    # A payload that claims the code stage without a request on the server: nothing is open.
    said, slots = await rig.say("123456", kb_stage=STAGE_CODE)
    assert "kein gültiger Code" in said[0] and slots == {"kb_stage": None}
    await rig.say("mmeier", kb_stage=STAGE_USERNAME)
    [(_, code, _)] = rig.outbox.sent
    wrong = "000000" if code != "000000" else "111111"
    said, slots = await rig.say(f"Der Code ist {wrong[:3]} {wrong[3:]}", kb_stage=STAGE_CODE)
    assert "noch 2 Versuch" in said[0] and slots == {"kb_stage": STAGE_CODE}
    account = rig.directory.find(MEIER.uid)
    assert account is not None and account.locked


async def test_an_english_conversation_gets_english_answers(rig: Rig) -> None:
    said, _ = await rig.say("Please unlock my account", "unlock_account", language="en")
    assert said[0].startswith("I can unlock your account")
    said, _ = await rig.say("niemand", kb_stage=STAGE_USERNAME, language="en")
    assert said[0].startswith("If this user name belongs to a locked account") and rig.outbox.sent == []


async def test_something_else_leaves_the_flow(rig: Rig) -> None:
    said, slots = await rig.say("Der Drucker im zweiten Stock druckt nicht mehr", "it_request", kb_stage=STAGE_CODE)
    assert slots.get("kb_stage", "missing") is None and said == ["utter_kb_unavailable"]


async def test_without_a_directory_the_chat_says_unlocking_is_not_set_up(desk: Desk, desk_settings: Settings) -> None:
    action = ActionRespond(Unavailable(), desk_settings, LazyDesk.ready(desk))  # type: ignore[arg-type]
    dispatcher, events = await run(action, make_tracker("/unlock_account", "unlock_account"))
    assert "nicht eingerichtet" in dispatcher.messages[0]["text"] and slots_of(events) == {"kb_stage": None}


def test_user_names_in_answers() -> None:
    assert username_in("mmeier") == "mmeier" and username_in("Mein Anmeldename ist m.meier.") == "m.meier"
    assert username_in("Ich weiß meinen Anmeldenamen nicht") is None


def test_the_client_comes_from_the_web_services_metadata_only_as_a_hash() -> None:
    tracker = make_tracker("x")
    tracker.latest_message["metadata"] = {"client": "a" * 64}
    assert client_of(tracker) == "a" * 64
    tracker.latest_message["metadata"] = {"client": "198.51.100.7"}
    assert client_of(tracker).startswith("channel:")


def test_the_transcript_for_a_ticket_masks_codes_typed_at_the_code_question() -> None:
    events = [
        {"event": "user", "text": "Ticket 123456 bitte", "parse_data": {}},
        {"event": "slot", "name": "kb_stage", "value": STAGE_CODE},
        {"event": "user", "text": "654 321", "parse_data": {}},
        {"event": "slot", "name": "kb_stage", "value": None},
    ]
    facts = conversation_facts(make_tracker("x", events=events), {})
    assert [t["text"] for t in facts["transcript"]] == ["Ticket 123456 bitte", MASK]


def test_rasas_history_gets_the_codes_masked(tmp_path: Path, desk_settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    from sqlalchemy import create_engine  # noqa: PLC0415

    engine = create_engine(url)
    rasa_tracker.tracker_metadata.create_all(engine)
    rows = [
        ("slot", {"event": "slot", "name": "kb_stage", "value": STAGE_CODE}),
        ("user", {"event": "user", "text": "123 456", "parse_data": {"text": "123 456"}}),
        ("user", {"event": "user", "text": "123456", "parse_data": {"text": "123456"}}),
    ]
    with engine.begin() as conn:
        for sender in ("conv-u", "other"):
            for kind, data in rows:
                conn.execute(
                    insert(rasa_tracker.events).values(sender_id=sender, type_name=kind, data=json.dumps(data))
                )
    flow = UnlockFlow(
        LazyDesk(lambda: None), desk_settings.override(SERVICEDESK_TRACKER_DB=str(tmp_path / "tracker.db"))
    )  # type: ignore[arg-type,return-value]
    assert flow.mask_history("conv-u") == 2
    with engine.connect() as conn:
        stored = conn.execute(select(rasa_tracker.events.c.sender_id, rasa_tracker.events.c.data)).all()
    texts = {(s, json.loads(d).get("text"), (json.loads(d).get("parse_data") or {}).get("text")) for s, d in stored}
    assert ("conv-u", MASK, MASK) in texts and ("other", "123456", "123456") in texts
    assert not any("123" in str(t) for s, *t in texts if s == "conv-u")


async def test_the_web_service_stores_a_typed_code_masked(rig: Rig) -> None:
    rig.lock()
    user = "u-web"
    conversation = conversations.start(rig.desk.engine, user)
    rig.action.unlock.service().start(conversation_id=conversation, username=MEIER.uid, client="c")
    [(_, code, _)] = rig.outbox.sent
    turn = _begin_turn(rig.desk, user, f"{code[:3]} {code[3:]}", None)
    assert turn.rasa_text == f"{code[:3]} {code[3:]}"  # Rasa must see it to check it
    stored = conversations.messages_after(rig.desk.engine, conversation, 0)
    assert [m["text"] for m in stored] == [MASK]
    assert code not in repr(stored)


async def test_the_locked_account_article_offers_the_unlock_as_a_button(rig: Rig, hashing_kb: Any) -> None:
    from knowledge.source import StaticKnowledgeSource  # noqa: PLC0415
    from tests.unit.actions.test_respond import ANSWER  # noqa: PLC0415

    action = ActionRespond(StaticKnowledgeSource(hashing_kb), rig.action.settings, rig.action.desk, params=ANSWER)
    action.unlock = rig.action.unlock
    dispatcher, _ = await run(action, make_tracker("Mein Konto ist gesperrt nach zu vielen Fehlversuchen"))
    shown = [m for m in dispatcher.messages if m.get("response") == "utter_kb_answer"]
    assert shown and shown[0]["custom"]["slug"] == "konto-gesperrt"
    assert dispatcher.messages[-1]["buttons"] == [{"title": "Konto jetzt entsperren", "payload": "/unlock_account"}]
    said, slots = await rig.say("/unlock_account", "unlock_account")
    assert "Anmeldename" in said[0] and slots == {"kb_stage": STAGE_USERNAME}
