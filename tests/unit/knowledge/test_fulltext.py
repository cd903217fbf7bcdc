"""The editors' full-text search: words in title, tags, questions and body, German compounds, odd input."""

from __future__ import annotations

import pytest

from knowledge import fulltext


def test_papierstau_finds_the_printer_article_and_marks_the_word(articles) -> None:
    (hit,) = fulltext.search(articles, "Papierstau")
    assert hit.slug == "drucker-druckt-nicht"
    assert hit.fields == ("questions", "body")
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["Papierstau"]
    assert "Papierstau Fach 2" in hit.snippet


@pytest.mark.parametrize(
    "query",
    ["papierstau", "PAPIERSTAUS", "Stau", "Papierstau Drucker", "drucker papierstau fach"],
)
def test_case_inflection_and_the_last_part_of_a_compound_find_it_too(articles, query: str) -> None:
    assert [h.slug for h in fulltext.search(articles, query)][:1] == ["drucker-druckt-nicht"]


def test_a_part_inside_a_compound_is_not_a_match(articles) -> None:
    # "stau" is only letters inside "Dienstausweis", never a word of it.
    assert "dienstausweis-smartcard-pin" not in {h.slug for h in fulltext.search(articles, "stau")}


def test_a_compound_whose_parts_the_article_has_is_found_with_the_parts_marked(articles) -> None:
    hits = fulltext.search(articles, "Druckerwarteschlange")
    assert hits and hits[0].slug == "drucker-druckt-nicht"
    marked = {hits[0].snippet[s:e].lower() for s, e in hits[0].marks}
    assert {"drucker", "warteschlange"} <= marked


def test_every_word_must_match_and_the_title_weighs_most(articles) -> None:
    assert fulltext.search(articles, "Papierstau Zeppelin") == []
    hits = fulltext.search(articles, "Outlook startet nicht")
    assert hits[0].slug == "outlook-startet-nicht" and hits[0].fields[0] == "title"
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))


@pytest.mark.parametrize("query", ["", "   ", "%%%", "\x00\x01", "<script>alert(1)</script>", "😀" * 50, "a"])
def test_odd_input_finds_nothing_and_raises_nothing(articles, query: str) -> None:
    assert fulltext.search(articles, query) == []


def test_only_stop_words_still_search_them_and_a_long_query_is_cut(articles) -> None:
    assert fulltext.terms("die und der") == ["die", "und", "der"]
    assert len(fulltext.terms(" ".join(f"wort{i}" for i in range(100)))) == fulltext.MAX_TERMS
    hit = fulltext.search(articles, "VPN 809")[0]
    assert hit.slug == "vpn-fehler" and len(hit.snippet) <= fulltext.SNIPPET + 4
