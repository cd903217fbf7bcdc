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

Python 3.10, Rasa's environment.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore

from bot.action_connections import install_kept_action_connections

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


class ServicedeskTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store; its creation installs the cheap response validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as ``SQLTrackerStore``."""
        install_fast_action_validation()
        install_kept_action_connections()
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
