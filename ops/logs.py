"""One log setup for the web service, the action server and our hooks in Rasa: text or JSON lines, request ids.

A request id names one turn across the processes: the web service takes a valid ``X-Request-ID`` or makes one,
sends it to Rasa in the REST message's ``metadata``; Rasa hands it to the action server in the tracker's
``latest_message.metadata``. Each process keeps the id of the turn it is working on in a context variable, and
:class:`RequestIdFilter` puts it on every log record, so ``grep <id> var/logs/*.log`` follows one turn.

Nothing here logs; what is logged is the callers' business, and they never log message texts or personal data.
Libraries that write request bodies or message texts at debug level stay at INFO whatever our level is
(:data:`QUIET`), so ``SERVICEDESK_LOG_LEVEL=DEBUG`` is safe for our processes too.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

HEADER = "X-Request-ID"
METADATA_KEY = "request_id"  # in the metadata of Rasa's user message
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(process_name)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Libraries kept above our level: those that log bodies, headers or message texts at debug level stay at INFO
# even when we run at DEBUG; httpx logs every upstream URL at INFO, and Rasa's URLs name the conversation.
QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.INFO,
    "hpack": logging.INFO,
    "multipart": logging.INFO,
    "sanic.access": logging.INFO,
    "websockets": logging.INFO,
}

# A client's id is taken only if it is plainly an id: letters, digits, "-", "_", ".", 8 to 64 characters.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
_CURRENT: ContextVar[str] = ContextVar("request_id", default="")


def valid_request_id(value: object) -> str | None:
    """``value`` if it is an acceptable request id, else ``None`` (a header, metadata: anything a client sent)."""
    if isinstance(value, str) and _VALID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A fresh random request id (32 hex digits)."""
    return secrets.token_hex(16)


def current_request_id() -> str:
    """The id of the turn this code works on ("" outside of one)."""
    return _CURRENT.get()


def set_request_id(value: str) -> None:
    """Make ``value`` the current request id of this task (the web service's request middleware)."""
    _CURRENT.set(value)


@contextmanager
def request_scope(value: object) -> Iterator[str]:
    """Inside, the current request id is ``value`` if valid (otherwise none); the previous one is restored after."""
    token = _CURRENT.set(valid_request_id(value) or "")
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and ``process_name`` to every record that passes a handler."""

    def __init__(self, process: str) -> None:
        """``process``: which of our processes writes (web, actions, rasa)."""
        super().__init__()
        self.process = process

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record; only annotates it."""
        record.request_id = _CURRENT.get() or "-"
        record.process_name = self.process
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, process (and an exception if any)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        request_id = getattr(record, "request_id", "-")
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
            "process": getattr(record, "process_name", ""),
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``text`` or ``json``."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, got {log_format!r}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str, process: str) -> None:
    """Our processes' logging: one handler on stderr at ``level`` in ``log_format``, request ids on every line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter(process))
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # library warnings as log lines too (one JSON object each)
    numeric = logging.getLevelName(level)
    for name, floor in QUIET.items():
        logging.getLogger(name).setLevel(max(floor, numeric if isinstance(numeric, int) else logging.INFO))


def adopt(log_format: str | None, process: str) -> None:
    """Inside a process that configured its logging itself (Rasa): annotate its handlers, and use JSON if asked.

    Leaves the level alone (Rasa's stays at INFO: its debug log contains message texts).
    """
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter(process))
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
