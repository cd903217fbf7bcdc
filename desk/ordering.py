"""Messages of one conversation commit in id order, also with concurrent writers on PostgreSQL.

Clients, the consoles and the handoff's range (``messages_from``, ``messages_until``] read a conversation's
messages as "id > the last one I saw". On SQLite writers are serialised by the database, so ids commit in order.
On PostgreSQL two transactions draw ids from the sequence and may commit the other way round: a reader that saw
id 12 would never read id 11 committed a moment later. So every transaction that writes a conversation's messages,
or fixes a handoff boundary from them, first takes that conversation's lock (a transaction-level advisory lock:
it needs no row, and goes with the commit or rollback). The id is drawn after the lock is held and the lock is
released at commit, so within one conversation a higher id always commits later than every lower one.

The lock also orders an agent's reply and the resolve of the handoff: whichever comes second sees the first
(the reply is refused after the resolve; the resolve's ``messages_until`` includes the reply before it).

Writers to many conversations at once (an incident's update to its subscribers) take one exclusive lock instead
of thousands (PostgreSQL's lock table is small); single writers hold that lock shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, text

NAMESPACE = 0x5E2D  # first key of the two-key advisory locks (the migration lock uses the one-key space)
ALL = 0  # second key of the lock every single writer holds shared


def key(conversation_id: str) -> int:
    """A conversation's lock key: a signed 32-bit hash, never :data:`ALL` (a collision only serialises two)."""
    value = int.from_bytes(hashlib.sha256(conversation_id.encode()).digest()[:4], "big", signed=True)
    return value or 1


def lock_conversations(conn: Connection, conversation_ids: Iterable[str]) -> None:
    """Hold these conversations' message locks until the caller's transaction ends (PostgreSQL; else nothing).

    Keys are taken in sorted order, so two writers of the same conversations cannot deadlock on them.
    """
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({key(c) for c in conversation_ids})
    if not keys:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:ns, :all)"), {"ns": NAMESPACE, "all": ALL})
    for k in keys:
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": NAMESPACE, "key": k})


def lock_conversation(conn: Connection, conversation_id: str) -> None:
    """:func:`lock_conversations` for one."""
    lock_conversations(conn, (conversation_id,))


def lock_every_conversation(conn: Connection) -> None:
    """Exclude every other message writer until the caller's transaction ends (PostgreSQL; else nothing)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :all)"), {"ns": NAMESPACE, "all": ALL})
