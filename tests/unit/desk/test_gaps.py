"""The gap queue: redaction, one entry per question and conversation, clustering, dismissal."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pytest

from desk import gaps
from knowledge.clustering import cluster
from knowledge.embedder import HashingEmbedder


@pytest.mark.parametrize(
    "text, kept, gone",
    [
        ("Bitte an max.muster@stadt.example schicken", "[E-Mail]", "max.muster"),
        ("Rufen Sie mich an: 0123 456-7890", "[Telefon]", "456"),
        ("Meine Nummer +49 (0)30 1234567", "[Telefon]", "1234567"),
        ("Hallo, ich bin Erika Mustermann und der Beamer geht nicht", "ich bin [Name] und der Beamer", "Erika"),
        ("Mein Name ist Max Müller", "[Name]", "Müller"),
        ("Mein Passwort ist Sommer2026! und geht nicht", "Passwort ist [Passwort]", "Sommer2026"),
        ("my password is hunter2", "password is [Passwort]", "hunter2"),
    ],
)
def test_personal_data_is_redacted(text: str, kept: str, gone: str) -> None:
    out = gaps.redact(text)
    assert kept in out and gone not in out


def test_error_codes_and_lowercase_words_after_ich_bin_stay() -> None:
    assert gaps.redact("Fehler 0x80070005 bei Update") == "Fehler 0x80070005 bei Update"
    assert gaps.redact("ich bin neu hier, Fehler 809") == "ich bin neu hier, Fehler 809"


def test_one_entry_per_question_and_conversation_without_ids_kept(desk) -> None:
    args = {"secret": desk.secret, "reason": "none", "language": "de"}
    assert gaps.record_gap(desk.engine, conversation_id="c1", question="Beamer geht nicht", **args)
    assert not gaps.record_gap(desk.engine, conversation_id="c1", question="Beamer geht nicht", **args)
    assert gaps.record_gap(desk.engine, conversation_id="c2", question="Beamer geht nicht", **args)
    found = gaps.open_gaps(desk.engine)
    assert [g.question for g in found] == ["Beamer geht nicht"] * 2
    with desk.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM knowledge_gaps LIMIT 1").mappings().first()
    assert "c1" not in str(dict(row)) and "conversation_id" not in row


def test_clusters_group_similar_questions_largest_first_and_dismissal_sticks(desk) -> None:
    e = HashingEmbedder()
    questions = [
        "Beamer im Sitzungssaal verbinden",
        "Beamer im Sitzungssaal verbinden?",
        "beamer im sitzungssaal verbinden bitte",
        "Dienstwagen buchen",
        "Dienstwagen buchen wie",
        "Kantine Speiseplan",
    ]
    for i, q in enumerate(questions):
        gaps.record_gap(
            desk.engine,
            secret=desk.secret,
            conversation_id=f"c{i}",
            question=q,
            reason="none",
            language="de",
            vector=e.embed_queries([q])[0],
        )
    report = gaps.clusters(gaps.open_gaps(desk.engine), UTC, threshold=0.8)
    assert [c["size"] for c in report] == [3, 2, 1]
    assert report[0]["questions"][0].lower().startswith("beamer") and report[0]["reasons"]["none"] == 3
    assert sum(w["count"] for w in report[0]["weeks"]) == 3
    assert gaps.dismiss(desk.engine, report[0]["gap_ids"]) == 3
    after = gaps.clusters(gaps.open_gaps(desk.engine), UTC, threshold=0.8)
    assert [c["size"] for c in after] == [2, 1] and gaps.dismissed_count(desk.engine) == 3


def test_cluster_puts_every_row_in_exactly_one_group() -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(5, 32))
    rows = np.concatenate([c + 0.05 * rng.normal(size=(20, 32)) for c in centres])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    groups = cluster(rows, 0.9)
    assert sorted(i for g in groups for i in g) == list(range(100))
    assert [len(g) for g in groups] == [20] * 5
    assert all(len({i // 20 for i in g}) == 1 for g in groups)
