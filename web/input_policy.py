"""The API's input policy, applied before any handler runs: bad input is a 400 with a German and English message.

Every ``/api/`` request passes :func:`check_request`: path numbers within 64 bit, query values without control
characters and not over-long, and a JSON body parsed strictly (valid UTF-8 and Unicode, no lone surrogates, no
control characters except tab and newlines, integers within 64 bit, finite numbers, at most
:data:`~knowledge.text_policy.MAX_JSON_DEPTH` levels, an object; another content type is a 415). Field rules
(lengths, single-line names) are applied by the services with :mod:`knowledge.text_policy`; they raise
:class:`PolicyError`, which becomes the same 400.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.response import HTTPResponse
from sanic.response import json as json_response

import texts
from knowledge.text_policy import (
    LIMITS,
    MAX_JSON_DEPTH,
    char_problem,
    int_problem,
    message,
    parse_date,
    parse_int,
    text_problem,
)

MAX_BODY_BYTES = 2 * 1024 * 1024  # the largest legitimate body is an article (100,000 characters of Markdown)
# Routes that take multipart/form-data instead of JSON: a screenshot of up to 5 MB plus the form's framing.
UPLOADS = frozenset({"/api/chat/attachments"})
UPLOAD_MAX_BYTES = 5 * 1024 * 1024 + 64 * 1024


class PolicyError(ValueError):
    """Input the policy refuses: ``field`` names it, ``de``/``en`` say why."""

    def __init__(self, code: str, field: str, de: str | None = None, en: str | None = None, status: int = 400) -> None:
        """``code`` is a :data:`knowledge.text_policy.CODES` entry; ``de``/``en`` override its catalogue text."""
        default_de, default_en = message(code, field)
        super().__init__(en or default_en)
        self.code, self.field, self.de, self.en = code, field, de or default_de, en or default_en
        self.status = status

    def response(self) -> HTTPResponse:
        """The 400 answer; ``fields`` as the editor's forms expect it (field -> German message)."""
        body = {
            "code": f"policy.{self.code}",
            "error": self.de,
            "error_en": self.en,
            "field": self.field,
            "fields": {self.field: self.de},
        }
        return json_response(body, status=self.status)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _walk(value: Any) -> tuple[str, str] | None:
    """The first problem anywhere in a parsed JSON value and the top-level key it is under (iterative)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "body")]
    while stack:
        item, depth, where = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "depth", "body"
        found = None
        if isinstance(item, str):
            found = char_problem(item, multiline=True)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            found = "int" if int_problem(item) else None
        elif isinstance(item, float):
            found = None if math.isfinite(item) else "int"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = key if depth == 1 and isinstance(key, str) and len(key) <= 40 else where
                stack.append((key, depth, where))
                stack.append((child, depth + 1, name))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, where) for child in item)
        if found:
            return found, where
    return None


def parse_body(raw: bytes) -> Any:
    """A request body as JSON, strictly; :class:`PolicyError` when the policy refuses it."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise PolicyError("depth", "body") from None
    except (UnicodeDecodeError, ValueError):
        raise PolicyError("json", "body") from None
    found = _walk(value)
    if found:
        raise PolicyError(*found)
    return value


def check_request(request: Request) -> None:
    """Path numbers, query values and the JSON body of an API request; raises :class:`PolicyError`."""
    for name, value in (request.match_info or {}).items():
        if isinstance(value, int) and int_problem(value):
            raise PolicyError("int", name)
        if isinstance(value, str) and text_problem(value, "query_param"):
            raise PolicyError(text_problem(value, "query_param") or "control", name)
    for name, values in request.args.items():
        for value in values:
            found = text_problem(value, "query_param")
            if found:
                raise PolicyError(found, name)
    if request.body:
        if request.path in UPLOADS:
            return  # the route checks the session, then the form (415 unless multipart) and the image
        if len(request.body) > MAX_BODY_BYTES:
            raise PayloadTooLarge("Request body exceeds the size limit")
        if not (request.content_type or "").startswith("application/json"):
            raise PolicyError("json", "content-type", *texts.both("policy.content_type"), status=415)
        request.parsed_json = parse_body(request.body)
        if not isinstance(request.parsed_json, dict):
            raise PolicyError("json", "body")


def body(request: Request) -> dict[str, Any]:
    """The checked JSON object of a request (``{}`` without a body)."""
    value = (
        request.parsed_json if request.body and (request.content_type or "").startswith("application/json") else None
    )
    return value if isinstance(value, dict) else {}


def query_int(request: Request, name: str, default: int = 0, lo: int = 0) -> int:
    """A whole-number query parameter within ``lo`` … 2**63-1; :class:`PolicyError` otherwise."""
    value = parse_int(request.args.get(name), default, lo)
    if value is None:
        raise PolicyError("int", name, *texts.both("policy.whole_number", field=name))
    return value


def query_date(request: Request, name: str) -> date | None:
    """An ISO date query parameter (2000–2099), ``None`` when absent; :class:`PolicyError` otherwise."""
    raw = request.args.get(name)
    if not raw:
        return None
    found = parse_date(raw)
    if found is None:
        raise PolicyError("date", name, *texts.both("error.insights.date"))
    return found


def field_text(value: object, field: str, *, required: bool = True, multiline: bool = False, name: bool = False) -> str:
    """One text field by the policy (limit from ``LIMITS[field]``); returns it stripped."""
    if value is None and not required:
        return ""
    found = text_problem(value, field, multiline=multiline, name=name)
    if found:
        raise PolicyError(found, field)
    text = str(value).strip()
    if required and not text:
        raise PolicyError("empty", field)
    return text


def install(app: Sanic) -> None:
    """Check every API request first; a :class:`PolicyError` anywhere answers 400."""
    app.config.REQUEST_MAX_SIZE = UPLOAD_MAX_BYTES  # other routes: MAX_BODY_BYTES, checked in check_request
    # A question of 1000 characters outside ASCII is up to 12 KB percent-encoded in the URL.
    app.config.REQUEST_MAX_HEADER_SIZE = 16_384

    @app.on_request
    async def _check(request: Request) -> HTTPResponse | None:
        if not request.path.startswith("/api/"):
            return None
        try:
            check_request(request)
        except PolicyError as exc:
            return exc.response()
        return None

    @app.exception(PolicyError)
    async def _refused(_request: Request, exc: PolicyError) -> HTTPResponse:
        return exc.response()


__all__ = ["LIMITS", "PolicyError", "body", "check_request", "field_text", "install", "parse_body", "query_int"]
