"""Property-based fuzzing of every operation in /openapi.yaml with schemathesis (issue 16).

For each operation, schemathesis generates requests from the documented schema (valid ones and, in negative
mode, ones that break it) and sends them to the running web service with the rights the operation needs
(an admin session and its CSRF token, or a chat session). Every answer must be no 5xx, a documented status
code and content type, and a body that matches the documented schema. Derandomized: CI runs the same cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.attack import stats
from tests.attack.conftest import Target

OPENAPI = Path(__file__).resolve().parents[2] / "web" / "static" / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
METHODS = ("get", "post", "put", "delete", "patch")
OPERATIONS = [
    (method.upper(), path)
    for path, item in yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["paths"].items()
    for method in item
    if method in METHODS and path != "/api/chat/ws"  # not HTTP; its first frames are in test_bad_inputs.py
]


@pytest.fixture(scope="module")
def schema(target: Target):  # noqa: ANN201
    return schemathesis.openapi.from_url(f"{target.base_url}/openapi.yaml")


@pytest.fixture(scope="module")
def rights(target: Target) -> dict[str, dict[str, str]]:
    """Headers per security scheme: an admin session with its CSRF token, a chat session."""
    client = target.login("admin")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    staff = {"Cookie": cookie, "X-CSRF-Token": client.headers["X-CSRF-Token"]}
    client.close()
    return {"staffSession": staff, "chatSession": {"Authorization": f"Bearer {target.chat_token()}"}, "": {}}


@pytest.fixture(scope="module")
def session() -> requests.Session:
    return requests.Session()


def test_all_documented_operations_are_fuzzed() -> None:
    assert len(OPERATIONS) == 83  # every documented HTTP operation (the WebSocket apart)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_survives_schema_fuzzing(schema, rights, session, target: Target, method: str, path: str) -> None:
    operation = schema[path][method]
    security = operation.definition.raw.get("security") or []
    scheme = next((name for requirement in security for name in requirement if name in rights), "")
    # Logging the suite's own admin out would only make the following operations shallow.
    headers = {} if path == "/api/auth/logout" else rights[scheme]
    raw = operation.definition.raw
    negatable = bool(raw.get("requestBody")) or any(
        p.get("in") == "query" for p in raw.get("parameters") or [] if isinstance(p, dict)
    )
    with stats.timed("schemathesis"):
        for mode, examples in EXAMPLES.items():
            if mode is GenerationMode.NEGATIVE and not negatable:
                continue  # only a path or nothing to break: schemathesis has no invalid request to make
            fuzz(operation, mode, examples, headers, session)
    assert target.healthy()


def fuzz(operation, mode: GenerationMode, examples: int, headers: dict[str, str], session) -> None:  # noqa: ANN001
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # noqa: ANN001
        response = case.call(session=session, headers=dict(headers), timeout=30)
        stats.record("schemathesis", f"{mode.value}", response.status_code)
        case.validate_response(response, checks=CHECKS, headers=dict(headers))

    run()
