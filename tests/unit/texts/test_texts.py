"""The one text catalogue: both languages complete, every code the code uses exists, Rasa agrees on shared terms."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

import texts
from desk.csat import PATHS
from knowledge.text_policy import CODES
from settings import ROOT
from web.errors import KNOWN

CODE = ROOT / "web"
DOMAIN = ROOT / "bot" / "domain"


def placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_every_key_exists_in_both_languages_with_the_same_placeholders() -> None:
    de, en = texts.catalogue("de"), texts.catalogue("en")
    assert sorted(set(de) ^ set(en)) == []
    assert [k for k in de if placeholders(de[k]) != placeholders(en[k])] == []
    assert [k for k in de if not de[k].strip() or not en[k].strip()] == []


def test_a_missing_key_is_an_error_not_an_empty_text() -> None:
    with pytest.raises(KeyError):
        texts.text("error.no.such.code")
    assert texts.text("notice.connected", "en", agent="Anna") == "You are now connected to the service desk (Anna)."
    assert texts.text("notice.connected", "fr", agent="Anna").startswith("Sie sind")  # German is the default


def test_every_error_code_the_web_service_answers_with_is_in_the_catalogue() -> None:
    used = set()
    for path in CODE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"error(?:_texts)?\(\s*\d{3},\s*\"([a-z_.0-9]+)\"", source))
    assert len(used) > 30
    # Codes put together at run time: the chat's input problems, the CSAT refusals, Sanic's own refusals.
    used |= {"chat.empty", "chat.too_long", "chat.characters", "chat.rate_later", "chat.rate_at_end"}
    used |= {f"http.{status}" for status in (*KNOWN, 500)}
    assert sorted(code for code in used if f"error.{code}" not in texts.catalogue("de")) == []
    assert [code for code in CODES if f"policy.{code}" not in texts.catalogue("de")] == []


def test_one_list_of_resolution_paths() -> None:
    assert tuple(texts.section("resolution_path")) == PATHS
    assert PATHS == ("bot", "agent", "ticket", "incident", "action", "abandoned")


def _responses() -> dict:
    found: dict = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return found


def _variants(responses: dict):  # noqa: ANN202 - (language, variant) pairs
    for variants in responses.values():
        for variant in variants:
            condition = variant.get("condition") or []
            yield ("en" if any(c.get("value") == "en" for c in condition) else "de"), variant


def test_rasa_offers_the_service_desk_under_one_label_everywhere() -> None:
    """Every button that hands the conversation to a person says the catalogue's "escalate" label."""
    seen = 0
    for language, variant in _variants(_responses()):
        for button in variant.get("buttons") or []:
            if button.get("payload") == "/request_human":
                seen += 1
                assert button["title"] == texts.text("shared.escalate", language), variant.get("text")
    assert seen >= 6


def test_rasa_closing_question_buttons_carry_the_catalogue_score_labels() -> None:
    for language, variant in _variants({"utter_ask_csat": _responses()["utter_ask_csat"]}):
        titles = [b["title"] for b in variant["buttons"]]
        labels = [texts.text(f"csat.score.{n}", language) for n in range(1, 6)]
        assert [t.split(" ", 1)[1] for t in titles] == labels  # a symbol, then the catalogue's words


def test_the_catalogue_files_are_the_ones_served(tmp_path: Path) -> None:
    assert texts.catalogue("de")["shared.escalate"] == "Mit dem Service Desk sprechen"
    assert texts.catalogue("en")["resolution_path.abandoned"] == "Abandoned"
