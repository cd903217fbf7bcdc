"""Rasa's tracker database (its SQL tracker store, ``events`` table), read and pruned by conversation.

Our conversation id is Rasa's ``sender_id``: the web service sends each message to Rasa's REST webhook with the
conversation id as sender, and the actions see it as ``tracker.sender_id``. The data-subject requests export and
erase a person's events here; the retention purge deletes expired conversations' events with the same call.

The table is Rasa's (``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``, Rasa 3.6); it is described here with
plain SQLAlchemy so Python 3.11 processes never import Rasa. A database that does not exist yet has no events:
it is not created.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
    update,
)

from settings import Servers, Settings

tracker_metadata = MetaData()
events = Table(
    "events",
    tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
BATCH = 500  # sender ids per statement (SQLite allows 999 bound parameters before 3.32)


def tracker_url(settings_or_url: Settings | Servers | Path | str) -> str:
    """The tracker database's SQLAlchemy URL: from the settings, a path or a URL.

    The settings name it by ``SERVICEDESK_TRACKER_URL`` (several Rasa servers), else ``SERVICEDESK_TRACKER_DB``.
    """
    if isinstance(settings_or_url, Settings):
        settings_or_url = settings_or_url.servers
    if isinstance(settings_or_url, Servers):
        settings_or_url = settings_or_url.tracker_url or settings_or_url.tracker_db
    if isinstance(settings_or_url, Path):
        return f"sqlite:///{settings_or_url}"
    return settings_or_url if "://" in settings_or_url else f"sqlite:///{settings_or_url}"


def _sqlite_missing(url: str) -> bool:
    if not url.startswith("sqlite"):
        return False
    path = url.split("///", 1)[1] if "///" in url else ""
    return not path or path == ":memory:" or not Path(path).exists()


@contextmanager
def _engine(url: str) -> Iterator[Engine | None]:
    if _sqlite_missing(url):
        yield None
        return
    # Rasa holds its own connection in WAL mode; we wait for its write lock instead of failing.
    args = {"timeout": 10} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=args, hide_parameters=True)
    try:
        yield engine if inspect(engine).has_table("events") else None
    finally:
        engine.dispose()


def _batches(sender_ids: Iterable[str]) -> Iterator[list[str]]:
    ids = sorted({s for s in sender_ids if s})
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def delete_events(settings_or_url: Settings | Servers | Path | str, sender_ids: Iterable[str]) -> int:
    """Delete every tracker event of these conversations; returns how many rows went."""
    removed = 0
    with _engine(tracker_url(settings_or_url)) as engine:
        if engine is None:
            return 0
        with engine.begin() as conn:
            for batch in _batches(sender_ids):
                removed += int(conn.execute(delete(events).where(events.c.sender_id.in_(batch))).rowcount)
    return removed


def export_events(settings_or_url: Settings | Servers | Path | str, sender_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every tracker event of these conversations, oldest first, with its ``data`` parsed from JSON."""
    out: list[dict[str, Any]] = []
    with _engine(tracker_url(settings_or_url)) as engine:
        if engine is None:
            return out
        with engine.connect() as conn:
            for batch in _batches(sender_ids):
                rows = conn.execute(select(events).where(events.c.sender_id.in_(batch)).order_by(events.c.id)).all()
                out.extend(_event(r) for r in rows)
    return sorted(out, key=lambda e: e["id"])


def _event(row: Any) -> dict[str, Any]:
    try:
        data = json.loads(row.data) if row.data else None
    except ValueError:
        data = row.data  # kept as stored: an export leaves nothing out
    return {
        "id": row.id,
        "sender_id": row.sender_id,
        "type_name": row.type_name,
        "timestamp": row.timestamp,
        "intent_name": row.intent_name,
        "action_name": row.action_name,
        "data": data,
    }


def count_events(settings_or_url: Settings | Servers | Path | str, sender_ids: Iterable[str]) -> int:
    """How many tracker events these conversations have (the purge's dry run)."""
    total = 0
    with _engine(tracker_url(settings_or_url)) as engine:
        if engine is None:
            return 0
        with engine.connect() as conn:
            for batch in _batches(sender_ids):
                query = select(func.count()).select_from(events).where(events.c.sender_id.in_(batch))
                total += int(conn.execute(query).scalar_one())
    return total


def idle_senders(settings_or_url: Settings | Servers | Path | str, before: datetime) -> list[str]:
    """Conversations whose newest tracker event is older than ``before`` (also those our records never saw)."""
    with _engine(tracker_url(settings_or_url)) as engine:
        if engine is None:
            return []
        with engine.connect() as conn:
            query = (
                select(events.c.sender_id)
                .group_by(events.c.sender_id)
                .having(func.max(events.c.timestamp) < before.timestamp())
            )
            return [str(s) for s in conn.execute(query).scalars()]


def mask_user_texts(
    settings_or_url: Settings | Servers | Path | str,
    sender_id: str,
    mask: Callable[[str], str],
    *,
    slot: str,
    values: Collection[str],
) -> int:
    """Rewrite the sender's user messages typed while ``slot`` held one of ``values`` with ``mask(text)``.

    For what must not stay in Rasa's history (the unlock's one-time codes): Rasa stores the user's text in the
    event and in its parse data. Returns how many events changed.
    """
    changed = 0
    with _engine(tracker_url(settings_or_url)) as engine:
        if engine is None:
            return 0
        with engine.begin() as conn:
            rows = conn.execute(
                select(events.c.id, events.c.type_name, events.c.data)
                .where(events.c.sender_id == sender_id, events.c.type_name.in_(("slot", "user")))
                .order_by(events.c.id)
            ).all()
            current: object = None
            for row in rows:
                try:
                    data = json.loads(row.data) if row.data else {}
                except ValueError:
                    continue
                if row.type_name == "slot":
                    if data.get("name") == slot:
                        current = data.get("value")
                    continue
                if current not in values or not isinstance(data.get("text"), str):
                    continue
                masked = mask(data["text"])
                if masked == data["text"]:
                    continue
                data["text"] = masked
                if isinstance(data.get("parse_data"), dict):
                    data["parse_data"]["text"] = masked
                conn.execute(update(events).where(events.c.id == row.id).values(data=json.dumps(data)))
                changed += 1
    return changed
