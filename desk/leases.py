"""Leases: a job that one instance at a time should run (the hourly purge) is run by whoever takes its lease.

Taking it is one conditional UPDATE (``WHERE expires_at <= now``): of several instances asking at once exactly
one changes the row. The lease is held until it expires, so a job leased for an hour runs once an hour however
many instances there are; nobody releases it early.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import leases, now, utc


def holder_id() -> str:
    """This process's name as a lease holder: host, process id and a random part (a restarted process is new)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(engine: Engine, name: str, holder: str, ttl_s: float, at: datetime | None = None) -> bool:
    """Take the lease ``name`` for ``ttl_s`` seconds if nobody holds it; ``True`` when this caller has it now."""
    moment = at or now()
    until = moment + timedelta(seconds=ttl_s)
    with engine.begin() as conn:
        free = update(leases).where(leases.c.name == name, leases.c.expires_at <= moment)
        taken = conn.execute(free.values(holder=holder, expires_at=until)).rowcount
    if taken:
        return True
    try:
        with engine.begin() as conn:  # the first time ever: the row does not exist yet
            conn.execute(insert(leases).values(name=name, holder=holder, expires_at=until))
    except IntegrityError:
        return False  # it exists and is held by someone
    return True


def holder(engine: Engine, name: str) -> tuple[str, datetime] | None:
    """Who holds (or last held) the lease, and until when."""
    with engine.connect() as conn:
        row = conn.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)).first()
    return (row.holder, utc(row.expires_at)) if row is not None else None
