"""Project code the Rasa server loads at start: its tracker store, named in ``bot/endpoints.yml``.

``ServicedeskTrackerStore`` is Rasa's SQL tracker store. Creating it also makes Rasa's check of every
action server response cheap: Rasa 3.6 calls ``jsonschema.validate(result, spec)`` per custom-action
call, which re-checks the large event schema against the meta-schema every time (~21 ms of CPU per
turn, measured under load). The replacement builds the validator once and applies the same schema
with the same error, so a malformed response is still refused. Nothing in site-packages is edited:
the method is replaced on the class when the server creates its tracker store.

On SQLite the store also writes ahead (``journal_mode=WAL``, ``synchronous=NORMAL``), as the records
database does, over one kept connection: committing a turn then no longer waits for the disk twice
and no connection is opened and closed per turn (commit and close were ~24 % of Rasa's CPU under
load). A crashed process loses nothing committed; only a power cut can lose the last transactions.

Redaction at rest: what the store writes is redacted (``knowledge/redaction.py``, the one redaction of the
project): the text of user and bot messages, their entity values, and the free-text slots. Rasa has understood
the message before it saves the turn, so NLU, policies and the actions of this turn see the text as typed; later
turns read the redacted history. The escalation form's contact slot is kept as given (the one exception; the
purge deletes it with the conversation's events).

Several Rasa servers (``deploy/rasa/endpoints.yml``) share one PostgreSQL tracker store: its ``url`` is
``SERVICEDESK_TRACKER_URL`` (Rasa takes a URL in ``host`` as the whole database URL), opened with psycopg2.

Logging: creating the store also installs the request ids on Rasa's log lines (``bot/log_context.py``); its
``log_format`` argument comes from ``bot/endpoints.yml`` (``SERVICEDESK_LOG_FORMAT``).

Python 3.10, Rasa's environment; the project imports are the redaction (stdlib, ``re`` and spaCy) and the log
helpers (``ops.logs``, stdlib).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore

from bot.action_connections import install_kept_action_connections
from bot.log_context import install_request_ids
from knowledge.redaction import redact, warm_up

# Slots that hold what the employee typed; ``esc_contact`` is deliberately not here (see the module docstring).
REDACTED_SLOTS = frozenset({"esc_description", "esc_description_draft", "esc_system", "kb_query", "csat_comment"})

_DOCS_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
    "is valid. For more information about the format visit https://rasa.com/docs/rasa/custom-actions"
)


def install_fast_action_validation() -> None:
    """Validate action server responses with a validator built once (idempotent)."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "_servicedesk", False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator = validator_for(spec)(spec)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        if not isinstance(error, ValidationError):  # pragma: no cover - jsonschema always yields these
            raise error
        error.message += _DOCS_HINT
        raise error

    _validate_action_result._servicedesk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def _write_ahead(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_file(path: str) -> None:
    """The tracker database holds conversations: readable by this user only (0600), made so before SQLite opens it."""
    import os

    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def rasa_driver(url: str) -> str:
    """A tracker URL as Rasa's environment can open it (psycopg2, in requirements/rasa.lock).

    ``SERVICEDESK_TRACKER_URL`` names psycopg 3, the project's driver (Python 3.11); Rasa's SQLAlchemy 1.4 has none.
    """
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgresql+psycopg", "postgres"):
        scheme = "postgresql+psycopg2"
    return f"{scheme}{sep}{rest}"


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """A serialised event as it may be stored: personal data in its free text replaced by placeholders."""
    kind = data.get("event")
    if kind in ("user", "bot") and isinstance(data.get("text"), str):
        data = {**data, "text": redact(data["text"])}
    if kind == "user" and isinstance(data.get("parse_data"), dict):
        parse = dict(data["parse_data"])
        if isinstance(parse.get("text"), str):
            parse["text"] = redact(parse["text"])
        parse["entities"] = [
            {**e, "value": redact(e["value"])} if isinstance(e, dict) and isinstance(e.get("value"), str) else e
            for e in parse.get("entities") or []
        ]
        data["parse_data"] = parse
    if kind == "slot" and data.get("name") in REDACTED_SLOTS and isinstance(data.get("value"), str):
        data = {**data, "value": redact(data["value"])}
    return data


class _Redacted:
    """An event as ``SQLTrackerStore.save`` reads it (``type_name``, ``as_dict()``), with its text redacted."""

    def __init__(self, event: Any) -> None:
        self.type_name = event.type_name
        self._data = redact_event(event.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return self._data


class ServicedeskTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that stores redacted text; its creation installs the cheap response validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as ``SQLTrackerStore``, and ``log_format`` (text or json) for our log setup in Rasa."""
        install_request_ids(kwargs.pop("log_format", None))
        install_fast_action_validation()
        install_kept_action_connections()
        warm_up()  # the redaction's rules load at Rasa's start, not in its first turn
        if isinstance(kwargs.get("host"), str) and "://" in kwargs["host"]:
            kwargs["host"] = rasa_driver(kwargs["host"])
        if kwargs.get("dialect", "sqlite") == "sqlite" and kwargs.get("db") not in (None, "", ":memory:"):
            _private_file(str(kwargs["db"]))
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            import sqlalchemy as sa
            from sqlalchemy.pool import SingletonThreadPool

            # Rasa opens a new SQLite connection per session by default; closing the last one of a WAL
            # database checkpoints it. One kept connection (Rasa's store runs on its event loop's thread).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _write_ahead)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Any]:
        """The events not stored yet, redacted (``save`` serialises exactly these)."""
        for event in super()._additional_events(session, tracker):
            yield _Redacted(event)
