"""The assistant's automated actions (desk/automation.py): the context card's list and the lead's weekly counts.

The records are written by the real unlock service (in-memory directory) and the real request flow (shipped
catalogue, approval mails to a real SMTP server); the request records' clock is set per step, so each step falls
in a chosen week of the desk's time zone (Europe/Berlin).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from desk import automation
from desk.requests import flow, records
from desk.requests.catalogue import Catalogue
from settings import ROOT
from tests.unit.desk.directory_contract import MEIER
from tests.unit.desk.request_fixtures import CONVERSATION, FOLDER, SOFTWARE, USER, inbox, link_token, make_desk
from tests.unit.desk.test_ticket_sinks import Inbox
from tests.unit.desk.test_unlock import Rig, make_rig

__all__ = ["inbox"]

TZ = ZoneInfo("Europe/Berlin")
PERIOD = (date(2026, 11, 23), date(2026, 12, 6))  # 2026-W48 and 2026-W49
CATALOGUE = ROOT / "settings" / "requests.yml"
FOLDER_LABEL = "Zugriff auf Ordner/Laufwerk"
SOFTWARE_LABEL = "Software beantragen"
KARIN = "Karin Schmidt (Stadtkasse)"  # the approver of the share "Stadtkasse" in the shipped catalogue


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the desk's time zone, as the UTC instant the records store."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


class Clock:
    """The request records' clock (``desk.requests.records.now``), set by the test."""

    def __init__(self) -> None:
        self.at = berlin(11, 1, 12)

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Scene:
    """The unlock rig and the request desk on the same records, with the request records' clock."""

    rig: Rig
    requests: flow.RequestDesk
    inbox: Inbox
    clock: Clock

    def unlock_at(self, at: datetime) -> None:
        self.rig.clock.at = at

    def start(self, username: str, at: datetime, conversation: str = CONVERSATION) -> None:
        self.unlock_at(at)
        assert self.rig.start(username, conversation) == "sent"  # the same answer for every name

    def verify(self, code: str, at: datetime, conversation: str = CONVERSATION) -> str:
        self.unlock_at(at)
        return self.rig.service.verify(conversation_id=conversation, code=code).status

    def submit(self, kind: str, at: datetime) -> records.ServiceRequest:
        self.clock.at = at
        values = SOFTWARE if kind == "software" else FOLDER
        return flow.submit(
            self.requests, kind=kind, values=values, user=USER, conversation_id=CONVERSATION, language="de"
        )

    def decide(self, approved: bool, at: datetime) -> records.ServiceRequest:
        """The approver decides the request of the newest approval mail."""
        self.clock.at = at
        token = link_token(self.inbox.messages[-1][2])
        return flow.decide(self.requests, token=token, identity="k.schmidt", approved=approved)


@pytest.fixture
def scene(engine: Engine, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    clock = Clock()
    monkeypatch.setattr(records, "now", clock)
    yield Scene(make_rig(engine), make_desk(engine, inbox), inbox, clock)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def mailed_code(scene: Scene) -> str:
    return scene.rig.outbox.sent[-1][1]


# --- the context card ---------------------------------------------------------------------------------------


def test_a_conversations_actions_oldest_first_with_outcomes_decisions_and_tickets(scene: Scene) -> None:
    t0 = berlin(12, 1, 9)
    minute = timedelta(minutes=1)
    scene.rig.lock(MEIER.uid)
    scene.start(MEIER.uid, t0)
    code = mailed_code(scene)
    assert scene.verify(wrong(code), t0 + minute) == "wrong"
    software = scene.submit("software", t0 + 2 * minute)  # no approver: its ticket at once
    assert scene.verify(code, t0 + 3 * minute) == "unlocked"
    assert scene.verify(code, t0 + 4 * minute) == "unlocked"  # typed again: answered again, audited "already"
    approved = scene.submit("folder_access", t0 + 5 * minute)
    approved = scene.decide(True, t0 + 6 * minute)
    rejected = scene.submit("folder_access", t0 + 7 * minute)
    rejected = scene.decide(False, t0 + 8 * minute)
    scene.start("x.niemand", t0 + 9 * minute)  # no such account: refused, and the audit names no account
    waiting = scene.submit("folder_access", t0 + 10 * minute)
    scene.start(MEIER.uid, t0 + 11 * minute, conversation="c1")  # another conversation: not in this card

    found = automation.actions(scene.rig.engine, CONVERSATION, scene.requests.catalogue)

    def unlock(at: datetime, step: str, outcome: str, result: str, account: str | None) -> dict:
        return {"type": "unlock", "at": at.isoformat(), "step": step, "outcome": outcome, "result": result,
                "account": account}  # fmt: skip

    def request(at: datetime, found: records.ServiceRequest, **values: object) -> dict:
        return {"type": "request", "at": at.isoformat(), "number": found.number, **values}

    assert software.status == "ticket_created" and approved.status == "ticket_created"
    assert rejected.status == "rejected" and waiting.status == "waiting_approval"
    assert found == [
        unlock(t0, "start", "code_sent", "code_sent", MEIER.uid),
        unlock(t0 + minute, "verify", "wrong_code", "wrong_code", None),
        request(t0 + 2 * minute, software, kind="software", kind_label=SOFTWARE_LABEL, status="ticket_created",
                approver=None, decision=None, decided_at=None, ticket_number=software.ticket_number),
        unlock(t0 + 3 * minute, "verify", "unlocked", "unlocked", MEIER.uid),
        unlock(t0 + 4 * minute, "verify", "unlocked", "already_unlocked", None),
        request(t0 + 5 * minute, approved, kind="folder_access", kind_label=FOLDER_LABEL, status="ticket_created",
                approver=KARIN, decision="approved", decided_at=(t0 + 6 * minute).isoformat(),
                ticket_number=approved.ticket_number),
        request(t0 + 7 * minute, rejected, kind="folder_access", kind_label=FOLDER_LABEL, status="rejected",
                approver=KARIN, decision="rejected", decided_at=(t0 + 8 * minute).isoformat(), ticket_number=None),
        unlock(t0 + 9 * minute, "start", "refused", "unknown", None),
        request(t0 + 10 * minute, waiting, kind="folder_access", kind_label=FOLDER_LABEL, status="waiting_approval",
                approver=KARIN, decision=None, decided_at=None, ticket_number=None),
    ]  # fmt: skip
    assert software.ticket_number and approved.ticket_number and software.ticket_number != approved.ticket_number
    assert code not in json.dumps(found)  # the code is stored nowhere, so shown nowhere
    # A closed escalation's card: nothing done after its end (in any time zone), a request before it with its status.
    closed = (t0 + 6 * minute).astimezone(TZ)
    assert automation.actions(scene.rig.engine, CONVERSATION, scene.requests.catalogue, until=closed) == found[:6]
    assert [a["type"] for a in automation.actions(scene.rig.engine, "c1")] == ["unlock"]
    assert automation.actions(scene.rig.engine, "no-such-conversation") == []


def test_without_the_catalogue_or_for_kinds_and_people_taken_out_the_stored_keys_stand(scene: Scene) -> None:
    scene.submit("software", berlin(12, 1, 9))
    scene.submit("folder_access", berlin(12, 1, 10))
    scene.decide(True, berlin(12, 1, 11))

    def names(catalogue: Catalogue | None) -> list[tuple[str, str | None]]:
        found = automation.actions(scene.rig.engine, CONVERSATION, catalogue)
        return [(a["kind_label"], a["approver"]) for a in found if a["type"] == "request"]

    full = scene.requests.catalogue
    assert names(full) == [(SOFTWARE_LABEL, None), (FOLDER_LABEL, KARIN)]
    assert names(None) == [("software", None), ("folder_access", "k.schmidt")]
    trimmed = Catalogue(kinds={"software": full.kinds["software"]}, people={})
    assert names(trimmed) == [(SOFTWARE_LABEL, None), ("folder_access", "k.schmidt")]


@pytest.mark.parametrize(
    "result, outcome",
    [("code_sent", "code_sent"), ("wrong_code", "wrong_code"), ("unlocked", "unlocked"),
     ("already_unlocked", "unlocked"), ("blocked", "blocked"), ("expired", "expired"), ("unknown", "refused"),
     ("implausible", "refused"), ("not_locked", "refused"), ("no_contact", "refused"), ("privileged", "refused"),
     ("disabled", "refused"), ("rate_limited", "refused"), ("send_failed", "refused"),
     ("directory_error", "refused")],
)  # fmt: skip
def test_every_audited_result_has_its_outcome(result: str, outcome: str) -> None:
    assert automation.outcome(result) == outcome


def test_every_result_outcome_status_and_figure_has_words() -> None:
    from desk.unlock_records import RESULTS  # noqa: PLC0415
    from texts import catalogue  # noqa: PLC0415

    for language in ("de", "en"):
        words = catalogue(language)
        for result in RESULTS:
            key = f"ui.console.automation.unlock.{automation.outcome(result)}"
            assert key in words, (language, key)
            if automation.outcome(result) == "refused":
                assert f"ui.console.automation.reason.{result}" in words, (language, result)
        for status in records.STATUSES:
            assert f"ui.console.automation.status.{status}" in words, (language, status)
        for part, figures in (("unlocks", automation.UNLOCK_FIGURES), ("requests", automation.REQUEST_FIGURES)):
            for figure in figures:
                assert f"report.automation.{part}_{figure}" in words, (language, part, figure)


# --- the lead's weekly counts -------------------------------------------------------------------------------


def unlocks_in_four_weeks(scene: Scene) -> None:
    """W47 and W50 (outside the period): one refused start each. W48: a code, a wrong one, the unlock and the same
    code again on Sunday evening. W49 (from Monday 00:30): an unknown name, then a code typed wrong three times."""
    scene.start("x.niemand", berlin(11, 22, 23, 59))  # Sunday, W47
    scene.rig.lock(MEIER.uid)
    scene.start(MEIER.uid, berlin(11, 29, 23, 30))  # Sunday 23:30 in Berlin, 22:30 UTC: W48
    code = mailed_code(scene)
    assert scene.verify(wrong(code), berlin(11, 29, 23, 31)) == "wrong"
    assert scene.verify(code, berlin(11, 29, 23, 32)) == "unlocked"
    assert scene.verify(code, berlin(11, 29, 23, 33)) == "unlocked"  # audited "already_unlocked", no account
    scene.start("x.niemand", berlin(11, 30, 0, 30), "c1")  # Monday 00:30 in Berlin, still Sunday in UTC: W49
    scene.rig.lock(MEIER.uid)
    scene.start(MEIER.uid, berlin(11, 30, 0, 31), "c1")
    code = mailed_code(scene)
    assert [scene.verify(wrong(code), berlin(11, 30, 0, 32 + n), "c1") for n in range(3)] == [
        "wrong", "wrong", "blocked"
    ]  # fmt: skip
    scene.start("x.niemand", berlin(12, 7, 0, 0), "c1")  # Monday 00:00, W50


def requests_in_four_weeks(scene: Scene) -> None:
    """Each step counted in the week it happened, whenever the request was submitted."""
    scene.submit("folder_access", berlin(11, 22, 12))  # W47
    scene.decide(True, berlin(11, 24, 9))  # W48: approved, its ticket at once
    scene.submit("software", berlin(11, 29, 23, 30))  # W48: submitted, ticket at once
    scene.submit("folder_access", berlin(11, 29, 23, 45))  # W48
    scene.decide(True, berlin(11, 30, 0, 15))  # W49: approved and ticket
    scene.submit("folder_access", berlin(12, 2, 10))  # W49
    scene.decide(False, berlin(12, 2, 11))  # W49: rejected
    scene.submit("folder_access", berlin(12, 6, 23, 59))  # W49
    scene.decide(True, berlin(12, 7, 0, 0))  # W50: outside
    scene.submit("software", berlin(12, 7, 0, 0))  # W50: outside


def counts(week: str, **figures: int) -> dict:
    return {"week": week, **{k: figures.get(k, 0) for k in automation.UNLOCK_FIGURES}}


def request_counts(week: str, kind: str, label: str, **figures: int) -> dict:
    return {"week": week, "kind": kind, "label": label, **{k: figures.get(k, 0) for k in automation.REQUEST_FIGURES}}


def test_weekly_unlocks_by_the_desks_weeks_without_the_same_unlock_twice(scene: Scene) -> None:
    unlocks_in_four_weeks(scene)
    found = automation.insights(scene.rig.engine, *PERIOD, TZ)
    assert found["unlocks"] == [
        counts("2026-W48", requested=1, code_sent=1, unlocked=1),
        counts("2026-W49", requested=2, code_sent=1, blocked=1, refused=1),
    ]
    assert found["requests"] == []
    # In UTC the period and the weeks start an hour later: the Monday 00:30 steps still belong to Sunday (W48),
    # and the Monday 00:00 start of W50 to the Sunday before (W49).
    in_utc = automation.insights(scene.rig.engine, *PERIOD, UTC)["unlocks"]
    assert in_utc == [
        counts("2026-W48", requested=3, code_sent=2, unlocked=1, blocked=1, refused=1),
        counts("2026-W49", requested=1, refused=1),
    ]
    one_week = automation.insights(scene.rig.engine, date(2026, 11, 30), date(2026, 11, 30), TZ)["unlocks"]
    assert one_week == [counts("2026-W49", requested=2, code_sent=1, blocked=1, refused=1)]


def test_a_right_code_for_an_account_unlocked_meanwhile_counts_once_as_unlocked(scene: Scene) -> None:
    scene.rig.lock(MEIER.uid)
    scene.start(MEIER.uid, berlin(12, 1, 9))
    code = mailed_code(scene)
    assert scene.rig.directory.unlock(MEIER.uid)  # an administrator was quicker
    assert scene.verify(code, berlin(12, 1, 9, 1)) == "unlocked"
    assert scene.verify(code, berlin(12, 1, 9, 2)) == "unlocked"
    steps = [(a["result"], a["account"]) for a in automation.actions(scene.rig.engine, CONVERSATION)]
    assert steps == [("code_sent", MEIER.uid), ("already_unlocked", MEIER.uid), ("already_unlocked", None)]
    found = automation.insights(scene.rig.engine, *PERIOD, TZ)
    assert found["unlocks"] == [counts("2026-W49", requested=1, code_sent=1, unlocked=1)]


def test_weekly_requests_by_kind_each_step_in_the_week_it_happened(scene: Scene) -> None:
    requests_in_four_weeks(scene)
    labels = automation.kind_labels(CATALOGUE)
    assert labels["folder_access"] == FOLDER_LABEL and labels["software"] == SOFTWARE_LABEL
    assert automation.kind_labels(CATALOGUE, "en")["software"] == "Request software"
    found = automation.insights(scene.rig.engine, *PERIOD, TZ, labels)
    assert found["unlocks"] == []
    assert found["requests"] == [
        request_counts("2026-W48", "folder_access", FOLDER_LABEL, submitted=1, approved=1, ticket_created=1),
        request_counts("2026-W48", "software", SOFTWARE_LABEL, submitted=1, ticket_created=1),
        request_counts("2026-W49", "folder_access", FOLDER_LABEL, submitted=2, approved=1, rejected=1,
                       ticket_created=1),
    ]  # fmt: skip
    # Without labels (a kind taken out of the catalogue) the key stands; W50 is counted once it is asked for.
    later = automation.insights(scene.rig.engine, date(2026, 12, 7), date(2026, 12, 13), TZ)
    assert later["requests"] == [
        request_counts("2026-W50", "folder_access", "folder_access", approved=1, ticket_created=1),
        request_counts("2026-W50", "software", "software", submitted=1, ticket_created=1),
    ]
    empty = automation.insights(scene.rig.engine, date(2026, 11, 9), date(2026, 11, 15), TZ)
    assert empty == {"unlocks": [], "requests": []}
