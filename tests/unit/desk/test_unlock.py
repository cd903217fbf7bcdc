"""The unlock service over the in-memory directory: same answer for every name, codes, tries, limits, audit."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from desk import unlock_records as records
from desk.conversations import ensure_conversation
from desk.db import metadata, now
from desk.directory import DirectoryAccount, DirectoryError
from desk.directory.memory import MemoryDirectory
from desk.unlock import CODE_TTL, UnlockService
from desk.unlock_codes import CodeNotSent
from settings.directory import Unlock
from tests.unit.desk.directory_contract import MEIER, NO_CONTACT, SCHULZ, WEBER
from tests.unit.desk.test_directory import seeded_memory
from texts import text as catalogue_text

SECRET = b"k" * 32
PORTAL = "https://passwort.stadt.example"


@dataclass
class Outbox:
    """A CodeChannel that keeps what it is given (or fails)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    fail: bool = False

    def send(self, *, address: str, code: str, language: str, minutes: int) -> None:
        if self.fail:
            raise CodeNotSent("relay down")
        assert minutes == 10
        self.sent.append((address, code, language))


class Clock:
    def __init__(self) -> None:
        self.at = now()

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Rig:
    engine: Engine
    directory: MemoryDirectory
    outbox: Outbox
    clock: Clock
    service: UnlockService

    def lock(self, username: str) -> None:
        for _ in range(5):
            self.directory.authenticate(username, "falsch")
        account = self.directory.find(username)
        assert account is not None and account.locked

    def start(self, username: str, conversation: str = "c1", client: str = "10.0.0.1") -> str:
        return self.service.start(conversation_id=conversation, username=username, client=client).status

    def code_sent(self) -> str:
        """Lock Maria Meier, request a code in conversation c1, return the code she was mailed."""
        self.lock(MEIER.uid)
        self.start(MEIER.uid)
        [(_, code, _)] = self.outbox.sent
        return code

    def steps(self, conversation: str = "c1") -> list[tuple[str, str, str | None]]:
        rows = records.audit_rows(self.engine, conversation_id=conversation)
        return [(r["step"], r["result"], r["account"]) for r in reversed(rows)]


def make_rig(engine: Engine, **limits: int) -> Rig:
    directory, outbox, clock = seeded_memory(), Outbox(), Clock()
    settings = Unlock(password_portal_url=PORTAL, **limits)  # type: ignore[arg-type]
    service = UnlockService(
        engine, secret=SECRET, directory=directory, channel=outbox, settings=settings, clock=clock, floor_s=0
    )
    ensure_conversation(engine, "c1", "u-pseudonym-1")
    return Rig(engine, directory, outbox, clock, service)


@pytest.fixture
def rig(engine: Engine) -> Rig:
    return make_rig(engine)


def test_a_locked_employee_gets_a_code_at_the_alternative_contact_and_is_unlocked(rig: Rig) -> None:
    rig.lock(MEIER.uid)
    answer = rig.service.start(conversation_id="c1", username=f" {MEIER.uid.upper()} ", client="10.0.0.1")
    assert answer.status == "sent" and PORTAL in answer.message("de")
    [(address, code, language)] = rig.outbox.sent
    assert address == MEIER.contact and address != f"{MEIER.uid}@stadt.example"
    assert re.fullmatch(r"\d{6}", code) and language == "de"
    result = rig.service.verify(conversation_id="c1", code=f"{code[:3]} {code[3:]}")
    assert result.status == "unlocked"
    assert result.message("de").startswith("Ihr Konto ist entsperrt. Melden Sie sich jetzt mit Ihrem bisherigen")
    account = rig.directory.find(MEIER.uid)
    assert account is not None and not account.locked
    assert rig.steps() == [("start", "code_sent", MEIER.uid), ("verify", "unlocked", MEIER.uid)]
    [row] = records.audit_rows(rig.engine, conversation_id="c1")[:1]
    assert row["user_pseudonym"] == "u-pseudonym-1"


def test_the_code_is_stored_nowhere_in_the_clear(rig: Rig) -> None:
    code = rig.code_sent()
    rig.service.verify(conversation_id="c1", code="000000" if code != "000000" else "111111")
    with rig.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).all():
                assert code not in repr(tuple(row)), table.name


def test_an_unknown_name_gets_the_same_answer_no_mail_and_tries_like_a_wrong_code(rig: Rig) -> None:
    rig.lock(MEIER.uid)
    unknown = rig.service.start(conversation_id="c1", username="niemand", client="10.0.0.1")
    known = rig.service.start(conversation_id="c2", username=MEIER.uid, client="10.0.0.2")
    assert unknown == known and unknown.message("en") == known.message("en")
    assert [a for a, _, _ in rig.outbox.sent] == [MEIER.contact]
    answers = [rig.service.verify(conversation_id="c1", code="123456") for _ in range(3)]
    assert [(a.status, a.tries) for a in answers] == [("wrong", 2), ("wrong", 1), ("blocked", 0)]
    assert rig.steps() == [("start", "unknown", None), ("verify", "wrong_code", None), ("verify", "wrong_code", None),
                           ("verify", "blocked", None)]  # fmt: skip


@pytest.mark.parametrize(
    ("username", "result"),
    [(WEBER.uid, "privileged"), (NO_CONTACT.uid, "no_contact"), ("passwort ist Sommer2026", "implausible")],
)
def test_refused_accounts_get_the_same_answer_and_no_mail(rig: Rig, username: str, result: str) -> None:
    if " " not in username:
        rig.lock(username)
    assert rig.start(username) == "sent"
    assert rig.outbox.sent == []
    assert rig.steps()[0][1] == result
    assert "Sommer2026" not in repr(rig.steps())
    assert rig.service.verify(conversation_id="c1", code="123456").status == "wrong"


def test_an_unlocked_or_disabled_account_gets_no_code(rig: Rig) -> None:
    assert rig.start(SCHULZ.uid) == "sent"
    rig.directory.add("abgeschaltet", "x", contact="a@privat.example", disabled=True)
    assert rig.start("abgeschaltet", conversation="c2") == "sent"
    assert rig.outbox.sent == []
    assert rig.steps()[0][1] == "not_locked" and rig.steps("c2")[0][1] == "disabled"


def test_three_wrong_codes_void_the_code_and_the_right_one_then_fails(rig: Rig) -> None:
    code = rig.code_sent()
    wrong = "000000" if code != "000000" else "111111"
    statuses = [rig.service.verify(conversation_id="c1", code=wrong).status for _ in range(3)]
    assert statuses == ["wrong", "wrong", "blocked"]
    assert rig.service.verify(conversation_id="c1", code=code).status == "expired"
    account = rig.directory.find(MEIER.uid)
    assert account is not None and account.locked


def test_a_code_expires_after_ten_minutes_and_belongs_to_its_conversation(rig: Rig) -> None:
    code = rig.code_sent()
    assert rig.service.verify(conversation_id="other", code=code).status == "expired"
    rig.clock.at += CODE_TTL + timedelta(seconds=1)
    assert rig.service.verify(conversation_id="c1", code=code).status == "expired"
    account = rig.directory.find(MEIER.uid)
    assert account is not None and account.locked


def test_a_new_request_voids_the_earlier_code(rig: Rig) -> None:
    rig.lock(MEIER.uid)
    rig.start(MEIER.uid)
    rig.start(MEIER.uid)
    (_, first, _), (_, second, _) = rig.outbox.sent
    if first != second:
        assert rig.service.verify(conversation_id="c1", code=first).status == "wrong"
    assert rig.service.verify(conversation_id="c1", code=second).status == "unlocked"


def test_the_unlock_is_idempotent(rig: Rig) -> None:
    code = rig.code_sent()
    assert rig.service.verify(conversation_id="c1", code=code).status == "unlocked"
    # The same code again (a double submit): the same answer, no second unlock; a wrong one is no longer open.
    assert rig.service.verify(conversation_id="c1", code=code).status == "unlocked"
    assert rig.service.verify(conversation_id="c1", code="999999" if code != "999999" else "888888").status == (
        "expired"
    )
    assert [r for _, r, _ in rig.steps()] == ["code_sent", "unlocked", "already_unlocked", "expired"]


def test_an_account_unlocked_meanwhile_is_reported_unlocked(rig: Rig) -> None:
    code = rig.code_sent()
    rig.directory.unlock(MEIER.uid)
    assert rig.service.verify(conversation_id="c1", code=code).status == "unlocked"
    assert rig.steps()[-1] == ("verify", "already_unlocked", MEIER.uid)


def test_privilege_granted_after_the_code_was_sent_still_refuses(rig: Rig) -> None:
    code = rig.code_sent()
    rig.directory.add(MEIER.uid, MEIER.password, contact=MEIER.contact, groups=("cn=Servicedesk,ou=groups",))
    rig.lock(MEIER.uid)
    assert rig.service.verify(conversation_id="c1", code=code).status == "unavailable"
    account = rig.directory.find(MEIER.uid)
    assert account is not None and account.locked
    assert rig.steps()[-1] == ("verify", "privileged", MEIER.uid)


def test_limits_per_name_survive_a_new_conversation_and_end_after_an_hour(engine: Engine) -> None:
    rig = make_rig(engine, per_name_per_hour=2)
    assert [rig.start(MEIER.uid, conversation=f"c{i}", client=f"10.0.0.{i}") for i in range(3)] == [
        "sent",
        "sent",
        "limited",
    ]
    assert rig.start(SCHULZ.uid, conversation="c9") == "sent"
    assert rig.steps("c2") == [("start", "rate_limited", None)]
    rig.clock.at += timedelta(hours=1, seconds=1)
    assert rig.start(MEIER.uid, conversation="c5") == "sent"


def test_limits_per_client_and_in_total(engine: Engine) -> None:
    rig = make_rig(engine, per_client_per_hour=2, global_per_hour=4)
    assert [rig.start(f"name{i}", client="10.9.9.9") for i in range(3)] == ["sent", "sent", "limited"]
    assert [rig.start(f"other{i}", client=f"10.0.1.{i}") for i in range(3)] == ["sent", "sent", "limited"]
    limited = rig.service.start(conversation_id="c1", username="x", client="10.7.7.7")
    assert limited.status == "limited" and limited.message("de") == catalogue_text("unlock.limited", "de")


def test_a_mail_failure_answers_the_same_and_is_audited(rig: Rig) -> None:
    rig.lock(MEIER.uid)
    rig.outbox.fail = True
    assert rig.start(MEIER.uid) == "sent"
    assert rig.steps() == [("start", "send_failed", MEIER.uid)]
    assert rig.service.verify(conversation_id="c1", code="123456").status == "expired"


def test_a_directory_outage_says_unavailable(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(username: str) -> DirectoryAccount | None:
        raise DirectoryError("directory ldap://dc1: LDAPSocketOpenError")

    monkeypatch.setattr(rig.directory, "find", down)
    answer = rig.service.start(conversation_id="c1", username=MEIER.uid, client="10.0.0.1")
    assert answer.status == "unavailable" and "Service Desk" in answer.message("de")
    assert rig.steps() == [("start", "directory_error", None)]


def test_every_start_takes_at_least_the_floor(engine: Engine) -> None:
    rig = make_rig(engine)
    rig.service.floor_s = 0.3
    began = time.monotonic()
    rig.start("niemand")
    assert time.monotonic() - began >= 0.3


def test_the_rate_limit_window_keeps_hashes_only(rig: Rig) -> None:
    rig.start(MEIER.uid, client="198.51.100.7")
    with rig.engine.connect() as conn:
        rows = conn.execute(text("SELECT name_hash, client_hash FROM unlock_requests")).all()
    assert rows and all(MEIER.uid not in v and "198.51" not in v and len(v) == 64 for r in rows for v in r)


def test_export_shows_and_erase_unlinks_the_unlock_audit(rig: Rig) -> None:
    from desk import subject  # noqa: PLC0415

    rig.lock(MEIER.uid)
    rig.start(MEIER.uid)
    person = subject.Subject(pseudonym="u-pseudonym-1", given="user_id")
    exported = subject.export(rig.engine, "sqlite:///" + "/nonexistent/tracker.db", SECRET, person)
    assert [u["result"] for u in exported["conversations"][0]["unlock_audit"]] == ["code_sent"]
    subject.erase(rig.engine, "sqlite:///" + "/nonexistent/tracker.db", SECRET, person)
    [row] = records.audit_rows(rig.engine)
    assert row["conversation_id"] == "erased" and row["user_pseudonym"] is None and row["account"] == MEIER.uid
    with rig.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unlock_challenges")).scalar_one() == 0


def test_the_purge_drops_the_window_and_expired_codes(rig: Rig) -> None:
    from desk.retention import purge  # noqa: PLC0415
    from settings.parts import Retention  # noqa: PLC0415

    rig.code_sent()
    purge(rig.engine, Retention(), tz=UTC, now=rig.clock.at + timedelta(days=2))
    with rig.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unlock_requests")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM unlock_challenges")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM unlock_audit")).scalar_one() == 1  # kept for audit_days
