"""The incident matcher: passages of an incident, features, the model's threshold, reuse of vectors."""

from __future__ import annotations

import numpy as np

from knowledge.decision import Logistic
from knowledge.embedder import HashingEmbedder
from knowledge.incident_match import IncidentMatcher, IncidentMatchParams, features, passages, words_of
from knowledge.ranking import SearchHit

MAIL = {
    "id": 7,
    "title": "E-Mail-Versand gestört",
    "symptoms": "Outlook hängt beim Senden. Nachrichten bleiben im Postausgang.",
    "services": ["E-Mail", "Outlook"],
}
PRINT = {"id": 8, "title": "Drucker in Gebäude A", "symptoms": "Druckaufträge kommen nicht an.", "services": []}


def lexical_params(threshold: float = 0.5, ask: float = 1.0) -> IncidentMatchParams:
    """A model that looks at the shared words only: half of the message's words in the incident is a match."""
    names = ("dense", "lex", "shared", "gap")
    return IncidentMatchParams(
        Logistic(names, ("yes",), (0.0,) * 4, (1.0,) * 4, ((0.0, 20.0, 0.0, 0.0),), (-10.0,)), threshold, ask
    )


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return super().embed_passages(texts)


def test_passages_are_title_each_symptom_sentence_and_services() -> None:
    found = passages(MAIL)
    assert found[0] == "E-Mail-Versand gestört"
    assert "Outlook hängt beim Senden." in found and "Nachrichten bleiben im Postausgang." in found
    assert found[-1] == "E-Mail-Versand gestört (E-Mail, Outlook)"
    assert len(found) == len(set(found))


def test_features_share_words_and_compare_with_the_best_article() -> None:
    x = features(0.8, ["outlook", "send", "hang"], words_of(MAIL) | {"send"}, 0.6)
    assert x["lex"] == 2 / 3 and x["shared"] == 2.0
    assert abs(x["gap"] - 0.2) < 1e-9


def test_a_message_about_the_incident_matches_and_another_does_not() -> None:
    matcher = IncidentMatcher(HashingEmbedder(), lexical_params())
    matcher.set_incidents([MAIL, PRINT])
    hit = matcher.match("Outlook hängt beim Senden", [])
    assert hit is not None and hit.id == 7
    assert matcher.match("Wie ändere ich mein Passwort?", []) is None
    assert matcher.match("Outlook hängt beim Senden", [], skip=frozenset({7})) is None  # "anderes Problem"


def test_between_ask_and_threshold_the_match_is_not_sure() -> None:
    matcher = IncidentMatcher(HashingEmbedder(), lexical_params(threshold=0.9, ask=0.3))
    matcher.set_incidents([MAIL])
    sure = matcher.match("Outlook hängt beim Senden", [])  # every word is the incident's: p = 1
    assert sure is not None and sure.sure
    likely = matcher.match("Outlook hängt beim Senden, sagt Kollege Meier heute", [])  # half the words: p = 0.5
    assert likely is not None and not likely.sure
    assert matcher.match("Wie ändere ich mein Passwort?", []) is None


def test_a_better_article_lowers_the_gap_feature() -> None:
    matcher = IncidentMatcher(HashingEmbedder(), lexical_params())
    matcher.set_incidents([MAIL])
    alone = matcher.scored("Outlook Postausgang", [])[0].features["gap"]
    article = SearchHit("x", "x", 1.0, 0.99, 0.0, "")
    assert matcher.scored("Outlook Postausgang", [article])[0].features["gap"] < alone


def test_unchanged_incidents_are_not_embedded_again() -> None:
    embedder = CountingEmbedder()
    matcher = IncidentMatcher(embedder, lexical_params())
    matcher.set_incidents([MAIL, PRINT])
    first = embedder.passages
    matcher.set_incidents([MAIL, PRINT])
    assert embedder.passages == first
    matcher.set_incidents([{**MAIL, "title": "E-Mail-Versand wieder langsam"}])
    assert embedder.passages == first + len(passages({**MAIL, "title": "E-Mail-Versand wieder langsam"}))
    assert len(matcher) == 1


def test_the_fitted_model_file_loads(tmp_path) -> None:
    params = lexical_params(0.7)
    params.dump(tmp_path / "m.yml", "header")
    again = IncidentMatchParams.load(tmp_path / "m.yml")
    assert again.threshold == 0.7 and again.ask == 0.7 and again.model == params.model  # ask never above
    shipped = IncidentMatchParams.load()
    assert 0.0 < shipped.ask <= shipped.threshold < 1.0 and shipped.model.names == ("dense", "lex", "shared", "gap")
