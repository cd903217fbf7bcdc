"""The labelled chat set: the frozen half stays unseen, and replies are graded as an employee sees them."""

from __future__ import annotations

from collections import Counter

from knowledge import chatset
from knowledge.chat_grading import Observed, grade, load_templates, observe, summary


def test_no_frozen_test_message_was_fitted_on() -> None:
    """No test line of three or more words is in the Rasa data, article questions or calibration sets."""
    seen = chatset.training_texts()
    leaked = [
        line.text
        for line in chatset.load("test")
        if len(line.text.split()) >= 3 and chatset.leak_key(line.text) in seen
    ]
    assert leaked == []


def test_the_leak_check_would_catch_a_copied_line() -> None:
    seen = chatset.training_texts()
    assert chatset.leak_key("Wie richte ich eine Abwesenheitsnotiz ein?") in seen  # an article question
    assert chatset.leak_key("wie richte ich eine ABWESENHEITSNOTIZ ein") in seen  # case and punctuation ignored


def test_the_halves_are_disjoint_and_large_enough() -> None:
    dev, test = chatset.load("dev"), chatset.load("test")
    assert not {chatset.leak_key(x.text) for x in dev} & {chatset.leak_key(x.text) for x in test}
    every = dev + test
    kinds = Counter(x.kind for x in every)
    assert len(every) >= 450
    assert kinds["unanswerable"] + kinds["off_topic"] >= 100 and kinds["smalltalk"] >= 100
    assert sum(1 for x in every if x.lang == "en") >= 0.2 * len(every)


TEMPLATES = load_templates()


def line(kind: str, expected: str | None, also: tuple[str, ...] = ()) -> chatset.ChatLine:
    return chatset.ChatLine("text", "de", kind, expected, also)


def test_replies_are_recognised_from_the_domain() -> None:
    card = {"text": "Dazu habe ich …", "custom": {"type": "article", "slug": "vpn-fehler"}}
    assert observe([card, {"text": "Hat Ihnen das geholfen?"}], TEMPLATES) == Observed("answer", ("vpn-fehler",))
    buttons = [{"title": "A", "payload": '/choose_article{"article_slug": "a"}'}, {"title": "x", "payload": "/deny"}]
    assert observe([{"text": "Meinten Sie?", "buttons": buttons}], TEMPLATES) == Observed("clarify", ("a",))
    refusal = TEMPLATES["utter_out_of_scope"][0].pattern.replace("\\", "")
    assert observe([{"text": refusal}], TEMPLATES).outcome == "off_topic"
    assert observe([{"text": "irgendwas"}], TEMPLATES).outcome == "other"


def test_grading_follows_the_issue_table() -> None:
    assert grade(line("in_scope", "a"), Observed("answer", ("a",))) == "answer_right"
    assert grade(line("in_scope", "a", ("b",)), Observed("answer", ("b",))) == "answer_right"
    assert grade(line("in_scope", "a"), Observed("answer", ("c",))) == "answer_wrong"
    assert grade(line("in_scope", "a"), Observed("clarify", ("c", "a"))) == "clarify_right"
    assert grade(line("in_scope", "a"), Observed("off_topic")) == "refused_off_topic"
    assert grade(line("in_scope", "ticket-status-abfragen"), Observed("ticket_status")) == "answer_right"
    assert grade(line("off_topic", None), Observed("answer", ("a",))) == "answered"
    assert grade(line("smalltalk", "greet"), Observed("greet")) == "right"
    assert grade(line("smalltalk", "greet"), Observed("thank")) == "wrong"


def test_summary_counts_per_language() -> None:
    rows = [(line("in_scope", "a"), "answer_right"), (chatset.ChatLine("t", "en", "in_scope", "a"), "no_answer")]
    figures = summary(rows)
    assert figures["in_scope"]["all"] == {"answer_right": 1, "no_answer": 1, "n": 2}
    assert figures["in_scope"]["en"] == {"no_answer": 1, "n": 1}


def test_self_service_actions_are_seen_in_buttons_and_the_unlock_question() -> None:
    from texts import text

    card = {"custom": {"type": "article", "slug": "konto-gesperrt"}}
    unlock = {"text": "Soll ich?", "buttons": [{"title": "Konto entsperren", "payload": "/unlock_account"}]}
    request = {"text": "Beantragen?", "buttons": [{"payload": '/start_request{"request_kind": "software"}'}]}
    got = observe([card, unlock, request], TEMPLATES)
    assert got.outcome == "answer" and got.actions == ("unlock", "request:software")
    assert observe([{"text": text("unlock.ask_username", "en")}], TEMPLATES).actions == ("unlock",)
    forged = {"text": "x", "buttons": [{"payload": '/start_request{"request_kind": "x"} trailing'}]}
    assert observe([card, forged], TEMPLATES).actions == ()
