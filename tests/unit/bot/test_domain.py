"""The domain, rules and actions agree; every response speaks German by default and English on request."""

from __future__ import annotations

import re

import yaml

from actions.server import create_action_app
from settings import ROOT

FIXED_INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "request_human", "ticket_status", "out_of_scope"}


def domain() -> dict:
    merged: dict = {"intents": [], "responses": {}, "actions": [], "slots": {}}
    for path in sorted((ROOT / "bot/domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        merged["intents"] += part.get("intents", [])
        merged["actions"] += part.get("actions", [])
        merged["responses"].update(part.get("responses", {}))
        merged["slots"].update(part.get("slots", {}))
    return merged


def test_fixed_intents_and_it_request_exist() -> None:
    assert FIXED_INTENTS | {"it_request"} <= set(domain()["intents"])


def test_every_response_has_german_default_and_english_variant() -> None:
    for name, variants in domain()["responses"].items():
        defaults = [v for v in variants if not v.get("condition")]
        english = [v for v in variants if v.get("condition") == [{"type": "slot", "name": "language", "value": "en"}]]
        assert len(defaults) == 1 and len(english) == 1, name


def test_responses_used_by_actions_exist_with_their_variables() -> None:
    responses = domain()["responses"]
    source = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    used = set(re.findall(r'"(utter_[a-z_]+)"', source))
    assert used and used <= set(responses)
    assert "{url}" in responses["utter_kb_answer"][0]["text"]


def test_actions_registered_by_the_server_are_declared_in_the_domain(settings) -> None:
    declared = set(domain()["actions"])
    source = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    named = set(re.findall(r'return "((?:action|validate)_[a-z_]+)"', source))
    assert named == declared
    create_action_app(settings)  # builds without loading the knowledge base (that happens at server start)


def test_every_typed_message_and_click_goes_to_the_one_decision() -> None:
    """No intent is a gate: out_of_scope and greet reach the decision too, which also searches."""
    rules = yaml.safe_load((ROOT / "bot/data/rules/core.yml").read_text())["rules"]
    unconditional = [r for r in rules if "intent" in r["steps"][0] and not r.get("condition")]
    routes = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in unconditional}
    free_text = (
        set(domain()["intents"])
        - {"cancel", "skip", "csat", "choose_urgency", "start_request"}  # commands and form buttons
        - {i for i in routes if i.startswith("EXTERNAL")}
    )
    assert free_text <= set(routes)
    assert {routes[i] for i in free_text} == {"action_respond"}
    assert routes["cancel"] == routes["skip"] == "utter_anything_else"  # exact command words stay commands


def test_session_expiry_keeps_trackers_short() -> None:
    core = yaml.safe_load((ROOT / "bot/domain/core.yml").read_text())
    assert 0 < core["session_config"]["session_expiration_time"] <= 120
