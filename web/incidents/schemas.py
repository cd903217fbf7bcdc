"""The incident form's fields by the input policy: every bad field at once, as ``fields`` (field -> German text)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sanic.response import HTTPResponse

from desk.incidents import Draft
from knowledge.text_policy import DATE_MAX, DATE_MIN, LIMITS, message, text_problem
from texts import both, text
from web.http import error_texts

TEXTS = ("symptoms", "status_text", "workaround")
MAX_TIME_CHARS = 40


class FieldErrors(ValueError):
    """One or more bad fields; :meth:`response` is the 400."""

    def __init__(self, fields: dict[str, tuple[str, str]]) -> None:
        """``fields``: field -> (German, English) message."""
        super().__init__(", ".join(fields))
        self.fields = fields

    def response(self) -> HTTPResponse:
        """``{"code": "incident.fields", "field": <first>, "fields": {field: German}, "fields_en": ...}``."""
        de, en = both("error.incident.fields")
        first = next(iter(self.fields))
        return error_texts(
            400,
            "incident.fields",
            de,
            en,
            field=first,
            fields={k: v[0] for k, v in self.fields.items()},
            fields_en={k: v[1] for k, v in self.fields.items()},
        )


def _label(field: str) -> str:
    return text(f"incident.field.{field}")


def _text(data: dict[str, Any], field: str, limit: str, bad: dict, *, required: bool, name: bool = False) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    found = text_problem(value, limit, multiline=not name, name=name)
    if found is None and required and not str(value).strip():
        found = "empty"
    if found:
        bad[field] = message(found, limit, _label(field))
        return ""
    return str(value).strip()


def parse_time(value: object, tz: tzinfo) -> datetime | None:
    """An ISO 8601 time (with offset; without one it is the desk's local time) within 2000-2099, else ``None``."""
    if not isinstance(value, str) or len(value) > MAX_TIME_CHARS:
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=tz)
    return found if DATE_MIN <= found.date() <= DATE_MAX else None


def _time(data: dict[str, Any], bad: dict, tz: tzinfo) -> datetime | None:
    raw = data.get("next_update_at")
    if raw is None or raw == "":
        return None
    found = parse_time(raw, tz)
    if found is None:
        bad["next_update_at"] = both("error.incident.time")
    return found


def _services(data: dict[str, Any], bad: dict) -> tuple[str, ...]:
    raw = data.get("services")
    if raw is None:
        return ()
    ok = isinstance(raw, list) and len(raw) <= LIMITS["services"]
    items = [str(s).strip() for s in raw] if ok else []
    if not ok or any(text_problem(s, "services_item", name=True) for s in raw) or not all(items):
        bad["services"] = both("error.incident.services", limit=LIMITS["services"], chars=LIMITS["services_item"])
        return ()
    return tuple(dict.fromkeys(items))


def draft(data: dict[str, Any], tz: tzinfo) -> Draft:
    """A create/edit body: title, symptoms, status_text; workaround, services, next_update_at optional."""
    bad: dict[str, tuple[str, str]] = {}
    title = _text(data, "title", "title", bad, required=True, name=True)
    symptoms = _text(data, "symptoms", "incident_text", bad, required=True)
    status_text = _text(data, "status_text", "incident_text", bad, required=True)
    workaround = _text(data, "workaround", "incident_text", bad, required=False)
    services = _services(data, bad)
    next_update_at = _time(data, bad, tz)
    if bad:
        raise FieldErrors(bad)
    return Draft(title, symptoms, status_text, workaround, services, next_update_at)


def update(data: dict[str, Any], tz: tzinfo, *, with_time: bool) -> tuple[str, datetime | None]:
    """A status update (``text``, ``next_update_at``?) or a resolution (``text``)."""
    bad: dict[str, tuple[str, str]] = {}
    found = _text(data, "text", "incident_text", bad, required=True)
    at = _time(data, bad, tz) if with_time else None
    if bad:
        raise FieldErrors(bad)
    return found, at
