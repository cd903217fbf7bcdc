"""Request bodies and error answers, in one place for every blueprint.

An error answer is ``{"code": ..., "error": <German>, "error_en": <English>, ...}``; the texts come from the one
catalogue (``texts/``, key ``error.<code>``), so a client can show either language and a test can name the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanic.response import HTTPResponse, json

import texts
from web.input_policy import body, field_text, query_int

__all__ = ["body", "error", "error_texts", "field_text", "query_int"]


def error(
    status: int,
    code: str,
    values: Mapping[str, object] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> HTTPResponse:
    """A JSON error: the catalogue's ``error.<code>`` in German and English (``values`` fill its placeholders)."""
    de, en = texts.both(f"error.{code}", **dict(values or {}))
    return error_texts(status, code, de, en, headers=headers, **extra)


def error_texts(
    status: int, code: str, de: str, en: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> HTTPResponse:
    """A JSON error whose texts were put together already (field messages of a form, a policy refusal)."""
    payload = {"code": code, "error": de, "error_en": en, **extra}
    return json(payload, status=status, headers=dict(headers) if headers else None)
