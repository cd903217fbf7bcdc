"""The shared log setup: request ids (taken only when plainly ids), JSON lines, quiet libraries, warnings."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings

import pytest

from ops import logs


@pytest.fixture
def restore_logging():  # noqa: ANN201
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in quiet.items():
        logging.getLogger(name).setLevel(value)
    logging.captureWarnings(False)


@pytest.mark.parametrize(
    "value, valid",
    [
        ("abc-123_XYZ.42", True),
        ("0123456789abcdef0123456789abcdef", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("short", False),
        ("-leading-dash", False),
        ("with space-1234", False),
        ("umlaut-äöü-1234", False),
        ("line\nbreak-1234", False),
        ("", False),
        (None, False),
        (12345678, False),
    ],
)
def test_a_request_id_is_taken_only_when_plainly_an_id(value, valid) -> None:
    assert logs.valid_request_id(value) == (value if valid else None)


def test_new_ids_are_valid_and_differ() -> None:
    made = {logs.new_request_id() for _ in range(100)}
    assert len(made) == 100 and all(logs.valid_request_id(m) for m in made)


async def test_the_scope_holds_per_task_and_restores() -> None:
    async def turn(request_id: str) -> str:
        with logs.request_scope(request_id):
            await asyncio.sleep(0.01)
            return logs.current_request_id()

    assert await asyncio.gather(turn("turn-aaaa-0001"), turn("turn-bbbb-0002"), turn("no")) == [
        "turn-aaaa-0001",
        "turn-bbbb-0002",
        "",
    ]
    assert logs.current_request_id() == ""


def capture(level: str, log_format: str, process: str) -> io.StringIO:
    logs.configure(level, log_format, process)
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    return stream


def test_json_lines_carry_time_level_logger_message_request_id_and_process(restore_logging) -> None:
    stream = capture("DEBUG", "json", "actions")
    with logs.request_scope("turn-0001-abcdef"):
        logging.getLogger("actions.respond").debug("decision %s", "outcome=answer")
    logging.getLogger("desk.retention").info("outside a turn")
    try:
        raise ValueError("kaputt")
    except ValueError:
        logging.getLogger("web.app").exception("failed")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first == {
        "time": first["time"],
        "level": "DEBUG",
        "logger": "actions.respond",
        "message": "decision outcome=answer",
        "request_id": "turn-0001-abcdef",
        "process": "actions",
    }
    assert first["time"].endswith("+00:00") and second["request_id"] is None
    assert third["level"] == "ERROR" and "ValueError: kaputt" in third["exception"]


def test_text_lines_name_the_process_and_the_request(restore_logging) -> None:
    stream = capture("INFO", "text", "web")
    with logs.request_scope("turn-0001-abcdef"):
        logging.getLogger("web.chat").info("hello")
        logging.getLogger("web.chat").debug("not at info")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("web INFO web.chat [turn-0001-abcdef] hello")


def test_libraries_that_log_bodies_or_urls_stay_quiet_at_debug(restore_logging) -> None:
    stream = capture("DEBUG", "json", "web")
    logging.getLogger("httpcore.http11").debug("send_request_body.started request=<Request [b'POST']>")
    logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1:5005/conversations/abc/tracker/events")
    logging.getLogger("web.chat").debug("our level is debug")  # (sanic.root: Sanic may have unhooked it)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["web.chat", "py.warnings"]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format"):
        logs.formatter("xml")


def test_adopt_annotates_handlers_set_up_by_someone_else(restore_logging) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger().setLevel(logging.INFO)
    logs.adopt("json", "rasa")
    logs.adopt("json", "rasa")
    with logs.request_scope("turn-0001-abcdef"):
        logging.getLogger("rasa.core.processor").info("predicted")
    assert len(handler.filters) == 1
    line = json.loads(stream.getvalue())
    assert line["process"] == "rasa" and line["request_id"] == "turn-0001-abcdef"
