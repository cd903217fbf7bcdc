"""Login throttling per user name and per client address, with exponential backoff instead of a lock.

The policy (README, "Accounts and the console"):

- A client address may fail :data:`CLIENT_FREE` times within :data:`WINDOW`; after that each further attempt
  (for any name) waits 2, 4, 8 … seconds after its last failure, at most :data:`MAX_WAIT_S`. Spraying
  passwords across many names from one address is slowed down this way.
- A name that failed :data:`NAME_FREE` times within the window makes clients that have failed themselves
  lately wait the same way (after the name's last failure). A client without recent failures is never
  held back on account of the name: anonymous guessing cannot lock the real owner out.

Failures are counted in the database, so every instance applies the same limits. Names and addresses are
stored only as hashes (the address keyed with the installation secret), and only for the window.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, or_, select

from desk.db import aware, login_failures, now

WINDOW = timedelta(minutes=15)
CLIENT_FREE = 10  # failures from one address before it waits
NAME_FREE = 5  # failures on one name before failing clients wait
MAX_WAIT_S = 15 * 60


def name_hash(username: str) -> str:
    """How a user name is kept: SHA-256 of its trimmed lower-case form."""
    return hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()


def client_hash(secret: bytes, address: str) -> str:
    """How a client address is kept: HMAC with the installation secret (no raw addresses in the database)."""
    return hmac.new(secret, f"client:{address}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def _wait(failures: list[datetime], free: int, at: datetime) -> int:
    """Seconds still to wait after ``failures`` (times) when ``free`` of them come without waiting."""
    excess = len(failures) - free + 1
    if excess <= 0:
        return 0
    pause = min(2**excess if excess < 20 else MAX_WAIT_S, MAX_WAIT_S)
    left = (max(failures) + timedelta(seconds=pause) - at).total_seconds()
    return max(0, int(left + 0.999))


def wait_seconds(engine: Engine, *, username: str, client: str, at: datetime | None = None) -> int:
    """How long this client must wait before it may try this name (0: try now)."""
    moment = at or now()
    name = name_hash(username)
    with engine.connect() as conn:
        rows = conn.execute(
            select(login_failures.c.username_hash, login_failures.c.client_hash, login_failures.c.at).where(
                login_failures.c.at > moment - WINDOW,
                login_failures.c.at <= moment,
                or_(login_failures.c.client_hash == client, login_failures.c.username_hash == name),
            )
        ).all()
    times = [(r.username_hash, r.client_hash, aware(r.at)) for r in rows]
    from_client = [t for n, c, t in times if c == client and t is not None]
    on_name = [t for n, c, t in times if n == name and t is not None]
    by_client = _wait(from_client, CLIENT_FREE, moment)
    by_name = _wait(on_name, NAME_FREE, moment) if from_client else 0
    return max(by_client, by_name)


def record_failure(engine: Engine, *, username: str, client: str, at: datetime | None = None) -> None:
    """Remember a failed login; entries older than the window are dropped."""
    moment = at or now()
    with engine.begin() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.at < moment - WINDOW))
        conn.execute(insert(login_failures).values(username_hash=name_hash(username), client_hash=client, at=moment))
