"""The tables and columns Rasa's SQL tracker store creates, as JSON (run with Rasa's Python, ``.venv-rasa``).

    .venv-rasa/bin/python -m scripts.tracker_schema > tests/data/rasa_tracker_schema.json

It creates the project's tracker store (``bot.rasa_hooks.ServicedeskTrackerStore``, Rasa's SQLTrackerStore) on a
fresh SQLite file and reads back what Rasa made. The records-of-processing register must describe every one of
them; a unit test reads the saved JSON, an integration test checks that it is still what Rasa creates.
Python 3.10; imports Rasa and nothing of ours but ``bot/``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def schema() -> dict[str, list[str]]:
    """Table → column names, as Rasa creates them."""
    import importlib

    import sqlalchemy as sa
    from rasa.shared.core.domain import Domain

    # Imported by name: bot/ is Rasa's world (Python 3.10), outside what mypy checks for the 3.11 packages.
    store_class = importlib.import_module("bot.rasa_hooks").ServicedeskTrackerStore

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tracker.db"
        store = store_class(domain=Domain.empty(), dialect="sqlite", db=str(path))
        inspector = sa.inspect(store.engine)
        found = {t: [c["name"] for c in inspector.get_columns(t)] for t in sorted(inspector.get_table_names())}
        store.engine.dispose()
    return found


if __name__ == "__main__":
    json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
