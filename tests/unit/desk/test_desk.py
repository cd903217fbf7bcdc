"""Service-desk records: escalations, accounts, service hours, on a real SQLite database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from desk import accounts, conversations, escalations
from desk.escalations import TransitionError, build_summary
from desk.identity import pseudonym
from settings.hours import HoursError, ServiceHours

ARTICLES = [
    {"slug": "drucker-druckt-nicht", "title": "Drucker druckt nicht", "verdict": "not_helpful"},
    {"slug": "drucker-hinzufuegen", "title": "Drucker hinzufügen", "verdict": "not_chosen"},
]


def make(desk, conversation: str = "c1", **overrides):  # noqa: ANN001, ANN201
    values = {
        "conversation_id": conversation,
        "user_pseudonym": "p1",
        "language": "de",
        "reason": "not_helpful",
        "details": {
            "description": "Drucker im 2. OG druckt nicht",
            "system": "Drucker 2. OG",
            "urgency": "many",
            "contact": "-",
        },
        "intents": [{"text": "Drucker druckt nicht", "intent": "it_request", "confidence": 0.93}],
        "articles": ARTICLES,
        "transcript": [{"role": "user", "text": "Drucker druckt nicht", "ts": 1.0}],
        "query": "Drucker druckt nicht",
    }
    values.update(overrides)
    return escalations.create(desk.engine, **values)


def test_summary_is_built_from_the_data_only() -> None:
    lines = build_summary(
        reason="not_helpful",
        details={
            "description": "Drucker im 2. OG druckt nicht",
            "system": "Drucker 2. OG",
            "urgency": "many",
            "contact": "-",
        },
        articles=ARTICLES,
    )
    assert lines == (
        "Anliegen: Drucker im 2. OG druckt nicht",
        "Versucht: „Drucker druckt nicht“ (hat nicht geholfen); „Drucker hinzufügen“ (nicht gewählt)",
        "Offen: die angebotenen Anleitungen haben nicht geholfen; betroffen: Drucker 2. OG; "
        "Dringlichkeit: mehrere Personen betroffen",
    )
    skipped = build_summary(reason="no_answer", details={"description": "-"}, articles=[], query="Beamer geht nicht")
    assert skipped[0] == "Anliegen: Beamer geht nicht"
    assert skipped[1] == "Versucht: Wissensdatenbank durchsucht, keine passende Anleitung"


def test_escalation_round_trip_and_one_active_per_conversation(desk) -> None:
    first = make(desk)
    assert first.status == "waiting" and first.summary[0].startswith("Anliegen: Drucker im 2. OG")
    assert make(desk).id == first.id  # a second request while one is active returns it
    assert escalations.active_for(desk.engine, "c1") == first
    assert [e.id for e in escalations.list_by_status(desk.engine, ("waiting",))] == [first.id]
    with pytest.raises(ValueError):
        make(desk, "c2", reason="because")


def test_only_one_of_two_agents_wins_a_claim(desk) -> None:
    esc = make(desk)
    results: list[str] = []

    def claim(agent: int) -> None:
        try:
            escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="claimed", agent_name=f"a{agent}")
            results.append("won")
        except TransitionError:
            results.append("lost")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "lost", "lost", "won"]
    claimed = escalations.get(desk.engine, esc.id)
    assert claimed is not None and claimed.status == "claimed" and claimed.claimed_at is not None


def test_changes_bump_the_counter_and_overdue_finds_unclaimed(desk) -> None:
    before = escalations.change_counter(desk.engine)
    esc = make(desk)
    assert escalations.change_counter(desk.engine) == before + 1
    assert escalations.overdue(desk.engine, timeout_s=300) == []
    later = datetime.now(UTC) + timedelta(seconds=301)
    assert escalations.overdue(desk.engine, timeout_s=300, at=later) == [esc.id]
    escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="ticket")
    # a ticket without a number (the sink failed) is due for a retry once the attempt's lease has expired
    assert escalations.overdue(desk.engine, timeout_s=300) == []
    lease_over = datetime.now(UTC) + timedelta(seconds=escalations.TICKET_LEASE_S + 1)
    assert escalations.overdue(desk.engine, timeout_s=300, at=lease_over) == [esc.id]
    assert escalations.claim_ticket_attempt(desk.engine, esc.id, at=lease_over)
    assert not escalations.claim_ticket_attempt(desk.engine, esc.id, at=lease_over)  # one retry at a time
    escalations.set_ticket(desk.engine, esc.id, number="SD-1", sink="sql")
    assert escalations.overdue(desk.engine, timeout_s=300, at=lease_over + timedelta(seconds=120)) == []


def test_messages_keep_order_and_resume_after_an_id(desk) -> None:
    conversations.ensure_conversation(desk.engine, "c1", "p1")
    conversations.ensure_conversation(desk.engine, "c1", "p1")  # idempotent
    ids = conversations.add_messages(desk.engine, "c1", [("user", "a", {}), ("bot", "b", {"buttons": []})])
    conversations.add_message(desk.engine, "other", "user", "not mine")
    assert [m["text"] for m in conversations.messages_after(desk.engine, "c1")] == ["a", "b"]
    assert [m["text"] for m in conversations.messages_after(desk.engine, "c1", ids[0])] == ["b"]
    assert conversations.pseudonym_of(desk.engine, "c1") == "p1"
    with pytest.raises(ValueError):
        conversations.add_message(desk.engine, "c1", "hacker", "x")


def test_passwords_are_hashed_and_sessions_expire_with_logout(desk) -> None:
    account = accounts.create_user(
        desk.engine, username="anna", password="correct horse 1", roles=("agent",), display_name="Anna (Service Desk)"
    )
    with desk.engine.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from users where username='anna'").scalar()
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert accounts.authenticate(desk.engine, "anna", "wrong password!") is None
    assert accounts.authenticate(desk.engine, "nobody", "correct horse 1") is None
    assert accounts.authenticate(desk.engine, "anna", "correct horse 1") == account
    token, csrf = accounts.start_session(desk.engine, account)
    session = accounts.session_for(desk.engine, token)
    assert session is not None and session.csrf_token == csrf and session.account.has_role("agent")
    assert not session.account.has_role("lead")
    import hashlib

    with desk.engine.connect() as conn:
        stored_tokens = [r[0] for r in conn.exec_driver_sql("select token_hash from sessions")]
    assert stored_tokens == [hashlib.sha256(token.encode()).hexdigest()]  # only the hash, never the cookie
    accounts.end_session(desk.engine, token)
    assert accounts.session_for(desk.engine, token) is None
    with pytest.raises(accounts.AccountError):
        accounts.create_user(desk.engine, username="anna", password="another password", roles=("agent",))
    with pytest.raises(accounts.AccountError):
        accounts.create_user(desk.engine, username="bob", password="short", roles=("agent",))
    with pytest.raises(accounts.AccountError):
        accounts.create_user(desk.engine, username="bob", password="long enough pw", roles=("boss",))


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert pseudonym(b"k1", "anon:abc") == pseudonym(b"k1", "anon:abc")
    assert pseudonym(b"k1", "anon:abc") != pseudonym(b"k2", "anon:abc")
    assert "abc" not in pseudonym(b"k1", "anon:abc")


BERLIN = ServiceHours.parse("Mo-Fr 07:30-16:00", "Europe/Berlin")


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN.tz)


@pytest.mark.parametrize(
    "moment, open_",
    [
        ("2026-11-27 07:29", False),  # Friday before opening
        ("2026-11-27 07:30", True),
        ("2026-11-27 15:59", True),
        ("2026-11-27 16:00", False),
        ("2026-11-28 10:00", False),  # Saturday
    ],
)
def test_service_hours(moment: str, open_: bool) -> None:
    assert BERLIN.is_open(berlin(moment)) is open_


def test_next_opening_and_answer_deadline_count_service_time_only() -> None:
    friday_evening = berlin("2026-11-27 18:00")
    assert BERLIN.next_open(friday_evening) == berlin("2026-11-30 07:30")
    # 8 service hours from Friday 15:00: 1 h on Friday, 7 h on Monday from 7:30
    assert BERLIN.answer_by(berlin("2026-11-27 15:00"), 8) == berlin("2026-11-30 14:30")
    assert ServiceHours.parse("always").is_open(friday_evening)
    assert ServiceHours.parse("never").never_open and ServiceHours.parse("never").next_open(friday_evening) is None
    split = ServiceHours.parse("Mo-Do 07:30-16:00, Fr 07:30-13:00")
    assert not split.is_open(berlin("2026-11-27 14:00")) and split.is_open(berlin("2026-11-26 14:00"))


@pytest.mark.parametrize("spec", ["Mo-Fr", "Xy 08:00-09:00", "Mo 10:00-09:00", "Mo-Fr 7-16"])
def test_bad_service_hours_are_rejected_clearly(spec: str) -> None:
    with pytest.raises(HoursError):
        ServiceHours.parse(spec)


def test_first_start_creates_one_admin_with_a_generated_password(tmp_path) -> None:
    from scripts.users import bootstrap_admin
    from settings import Settings

    settings = Settings.load(env={"SERVICEDESK_VAR_DIR": str(tmp_path)}, dotenv=tmp_path / "no.env")
    password = bootstrap_admin(settings)
    assert password and len(password) >= 12
    assert bootstrap_admin(settings) is None  # only once
    from desk.db import open_db

    admin = accounts.authenticate(open_db(settings.records.db_url), "admin", password)
    assert admin is not None and admin.roles == ("admin",)


def test_two_instances_creating_the_same_account_get_a_clear_error(desk) -> None:
    errors: list[Exception] = []

    def create() -> None:
        try:
            accounts.create_user(desk.engine, username="admin2", password="same password 1", roles=("admin",))
        except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 3 and all(isinstance(e, accounts.AccountError) for e in errors)
