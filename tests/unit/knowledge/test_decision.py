"""The chat's one decision: features, the fitted file, and the order in which outcomes win."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from knowledge.decision import KINDS, DecisionParams, Logistic, Signals, choose, decide, features, score
from knowledge.search import SearchHit
from settings import Settings
from tests.unit.fakes import fixed_decision


def hit(slug: str, score: float, lexical: float = 0.0) -> SearchHit:
    return SearchHit(slug, slug.title(), score, score, lexical, "")


HITS = [hit("vpn-fehler", 0.88, 12.0), hit("vpn-verbinden", 0.86), hit("wlan-verbinden", 0.80)]


def test_features_describe_retrieval_intents_and_message() -> None:
    s = Signals("VPN Fehler 809 seit heute", "de", {"it_request": 0.7, "out_of_scope": 0.2}, HITS, 3, 4)
    x = features(s)
    assert x["s1"] == pytest.approx(0.88) and x["margin"] == pytest.approx(0.02)
    assert x["lex1"] == pytest.approx(12 / 22)
    assert x["coverage"] == pytest.approx(0.75) and x["code"] == 1.0 and x["en"] == 0.0
    assert x["conf_it_request"] == 0.7 and x["conf_greet"] == 0.0
    assert x["short"] == 0.0 and x["words"] == pytest.approx(math.log1p(5))


def test_no_hits_and_no_terms_give_zeros_not_errors() -> None:
    x = features(Signals("Servus", "de", {"greet": 0.99}, [], 0, 0))
    assert x["s1"] == 0.0 and x["coverage"] == 0.0 and x["short"] == 1.0


def test_logistic_round_trips_through_plain_data() -> None:
    model = Logistic(("a", "b"), ("x", "y", "z"), (0.5, 1.0), (2.0, 1.0), ((1, 0), (0, 1), (-1, -1)), (0.1, 0.2, 0.3))
    again = Logistic.from_dict(model.to_dict())
    point = {"a": 2.0, "b": -1.0}
    assert again.proba(point) == pytest.approx(model.proba(point))
    assert sum(model.proba(point).values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kind", "top1", "top3", "outcome"),
    [
        ("greet", 0.99, 0.99, "intent"),  # a confident conversation intent wins
        ("it", 0.7, 0.9, "answer"),
        ("off_topic", 0.7, 0.9, "answer"),  # DIET-style "off-topic" never blocks a confident article
        ("it", 0.5, 0.9, "clarify"),
        ("it", 0.1, 0.2, "none"),
        ("off_topic", 0.1, 0.2, "off_topic"),
    ],
)
def test_outcome_order(kind: str, top1: float, top3: float, outcome: str) -> None:
    s = Signals("text", "de", {}, HITS, 1, 1)
    assert decide(s, fixed_decision(kind, top1, top3)).outcome == outcome


def test_clarify_offers_at_most_three_close_hits() -> None:
    params = replace(fixed_decision("it", 0.1, 0.9), clarify_span=0.05)
    hits = HITS + [hit("drucker-druckt-nicht", 0.70)]
    d = choose(score(Signals("vpn", "de", {}, hits, 1, 1), params), hits, params)
    assert [h.slug for h in d.hits] == ["vpn-fehler", "vpn-verbinden"]  # 0.80 is more than 0.05 below the best


def test_an_answer_keeps_only_close_runners_up_for_after_a_thumbs_down() -> None:
    """A printer question must not be offered "Laptop startet nicht" after a 👎 (scores as measured for such a
    question): only articles within the next span of the best are kept as next candidates."""
    params = replace(fixed_decision("it", 0.9, 0.9), clarify_span=0.05, next_span=0.025)
    hits = [hit("drucker-druckt-nicht", 0.91), hit("drucker-hinzufuegen", 0.89), hit("laptop-startet-nicht", 0.865)]
    d = choose(score(Signals("Drucker", "de", {}, hits, 1, 1), params), hits, params)
    assert d.outcome == "answer" and [h.slug for h in d.hits] == ["drucker-druckt-nicht"]
    assert [h.slug for h in d.runners_up] == ["drucker-hinzufuegen"]
    far = [hits[0], hit("laptop-startet-nicht", 0.865)]  # within the clarify span, not within the next span
    assert choose(score(Signals("Drucker", "de", {}, far, 1, 1), params), far, params).runners_up == ()


def test_why_names_outcome_and_features_but_never_the_text() -> None:
    d = decide(Signals("mein geheimes Passwort ist hunter2", "de", {}, HITS, 1, 1), fixed_decision("it", 0.9, 0.9))
    line = d.why()
    assert "outcome=answer" in line and "s1=0.880" in line and "hunter2" not in line


def test_the_fitted_decision_loads_and_knows_every_feature(settings: Settings) -> None:
    params = DecisionParams.load(settings.knowledge.decision_file)
    names = set(features(Signals("x", "de", {}, HITS, 1, 1)))
    for model in (params.kind, params.top1, params.top3):
        assert set(model.names) == names
    assert set(params.kind.classes) == set(KINDS)
    assert 0 < params.clarify <= params.answer < 1 and 0 < params.intent_min < 1
