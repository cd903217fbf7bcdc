"""The length limits of knowledge/text_policy.py and of /openapi.yaml are the same numbers."""

from __future__ import annotations

import pytest
import yaml

from knowledge.text_policy import LIMITS
from settings import ROOT, KnowledgeSettings

SPEC = yaml.safe_load((ROOT / "web" / "static" / "openapi.yaml").read_text())


def body_properties(path: str, method: str) -> dict:
    schema = SPEC["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema["properties"]


INCIDENT = SPEC["components"]["schemas"]["IncidentFields"]["properties"]
ARTICLE = SPEC["components"]["schemas"]["ArticleFields"]["properties"]
ADD_QUESTION = SPEC["paths"]["/api/knowledge/gaps/add-question"]["post"]["requestBody"]["content"]["application/json"][
    "schema"
]["allOf"][1]["properties"]


@pytest.mark.parametrize(
    "documented, limit",
    [
        (body_properties("/api/auth/login", "post")["username"]["maxLength"], LIMITS["username"]),
        (body_properties("/api/auth/login", "post")["password"]["maxLength"], LIMITS["password"]),
        (body_properties("/api/users", "post")["username"]["maxLength"], LIMITS["username"]),
        (body_properties("/api/users", "post")["password"]["maxLength"], LIMITS["password"]),
        (body_properties("/api/users", "post")["display_name"]["maxLength"], LIMITS["display_name"]),
        (body_properties("/api/chat/session", "post")["identity"]["maxLength"], LIMITS["identity"]),
        (body_properties("/api/chat/session", "post")["session"]["maxLength"], LIMITS["session"]),
        (body_properties("/api/chat/messages", "post")["label"]["maxLength"], LIMITS["label"]),
        (body_properties("/api/escalations/{id}/messages", "post")["text"]["maxLength"], LIMITS["reply"]),
        (body_properties("/api/articles/preview", "post")["body"]["maxLength"], LIMITS["body"]),
        (body_properties("/api/escalations/{id}/notes", "post")["text"]["maxLength"], LIMITS["internal_note"]),
        (body_properties("/api/canned-replies", "post")["title"]["maxLength"], LIMITS["canned_title"]),
        (body_properties("/api/canned-replies", "post")["body"]["maxLength"], LIMITS["canned_body"]),
        (body_properties("/api/canned-replies/{id}", "put")["body"]["maxLength"], LIMITS["canned_body"]),
        (SPEC["components"]["schemas"]["SubjectRequest"]["properties"]["user_id"]["maxLength"], LIMITS["user_id"]),
        (
            SPEC["components"]["schemas"]["SubjectRequest"]["properties"]["conversation_id"]["maxLength"],
            LIMITS["conversation_id"],
        ),
        (INCIDENT["title"]["maxLength"], LIMITS["title"]),
        (INCIDENT["symptoms"]["maxLength"], LIMITS["incident_text"]),
        (INCIDENT["status_text"]["maxLength"], LIMITS["incident_text"]),
        (INCIDENT["workaround"]["maxLength"], LIMITS["incident_text"]),
        (INCIDENT["services"]["maxItems"], LIMITS["services"]),
        (INCIDENT["services"]["items"]["maxLength"], LIMITS["services_item"]),
        (body_properties("/api/incidents/{id}/updates", "post")["text"]["maxLength"], LIMITS["incident_text"]),
        (body_properties("/api/incidents/{id}/resolve", "post")["text"]["maxLength"], LIMITS["incident_text"]),
        (ADD_QUESTION["slug"]["maxLength"], LIMITS["slug"]),
        (ADD_QUESTION["question"]["maxLength"], LIMITS["questions_item"]),
        (ARTICLE["slug"]["maxLength"], LIMITS["slug"]),
        (ARTICLE["title"]["maxLength"], LIMITS["title"]),
        (ARTICLE["owner"]["maxLength"], LIMITS["owner"]),
        (ARTICLE["audience"]["maxLength"], LIMITS["audience"]),
        (ARTICLE["notes"]["maxLength"], LIMITS["notes"]),
        (ARTICLE["body"]["maxLength"], LIMITS["body"]),
        (ARTICLE["questions"]["maxItems"], LIMITS["questions"]),
        (ARTICLE["questions"]["items"]["maxLength"], LIMITS["questions_item"]),
        (ARTICLE["tags"]["oneOf"][0]["maxItems"], LIMITS["tags"]),
        (ARTICLE["tags"]["oneOf"][0]["items"]["maxLength"], LIMITS["tags_item"]),
        # The chat message and the search question follow SERVICEDESK_MAX_QUERY_CHARS (default documented).
        (
            body_properties("/api/chat/messages", "post")["text"]["maxLength"],
            KnowledgeSettings.model_fields["max_query_chars"].default,
        ),
        (
            body_properties("/api/knowledge/test", "post")["query"]["maxLength"],
            KnowledgeSettings.model_fields["max_query_chars"].default,
        ),
    ],
)
def test_documented_limits_are_the_enforced_ones(documented: int, limit: int) -> None:
    assert documented == limit
