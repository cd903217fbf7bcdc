"""The installation secret, and pseudonymous user ids derived from it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from knowledge.settings import Settings


def load_secret(settings: Settings) -> bytes:
    """``SERVICEDESK_SECRET_KEY``, else a key generated once into ``var/secret.key`` (mode 600).

    Several machines must share one key through the environment; on one machine the file suffices.
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    path: Path = settings.var_dir / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def pseudonym(secret: bytes, identity: str) -> str:
    """Stable pseudonymous id for an employee identity or an anonymous browser session.

    Keyed, so nobody without the secret can map an id back to a person by trying names.
    """
    return hmac.new(secret, f"user:{identity}".encode(), hashlib.sha256).hexdigest()[:32]


def conversation_id(secret: bytes, session: str) -> str:
    """The conversation id (Rasa sender id) behind a browser session cookie.

    Agents and logs see this id; it cannot be turned back into the cookie, so it never lets anyone
    act as the employee.
    """
    return hmac.new(secret, f"conversation:{session}".encode(), hashlib.sha256).hexdigest()[:32]
