"""The installation secret, and pseudonymous user ids derived from it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from settings import Records


def load_secret(records: Records) -> bytes:
    """``SERVICEDESK_SECRET_KEY``, else a key generated once into ``var/secret.key`` (mode 600).

    Several machines must share one key through the environment; on one machine the file suffices.
    """
    if records.secret_key.get_secret_value():
        return records.secret_key.get_secret_value().encode()
    path: Path = records.var_dir / "secret.key"
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


class IdentityError(ValueError):
    """A token that is malformed, badly signed or expired."""


def _b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _sign(key: bytes, data: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, data.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()


def verify_identity(token: str, key: bytes, at: float | None = None) -> str:
    """The employee id (``sub``) of an intranet identity token: a JWT signed with HS256 and the shared key.

    Required claims: ``sub`` and ``exp``; ``nbf`` is honoured. Any other algorithm is refused.
    """
    if not key:
        raise IdentityError("no identity key configured (SERVICEDESK_IDENTITY_SECRET)")
    try:
        head_b64, body_b64, sig = token.strip().split(".")
        header, claims = json.loads(_b64d(head_b64)), json.loads(_b64d(body_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IdentityError("not a JWT") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise IdentityError("only HS256 tokens are accepted")
    if not hmac.compare_digest(sig.encode(), _sign(key, f"{head_b64}.{body_b64}").encode()):
        raise IdentityError("bad signature")
    moment = time.time() if at is None else at
    exp, nbf, sub = claims.get("exp"), claims.get("nbf"), claims.get("sub")
    if not isinstance(exp, int | float) or not math.isfinite(exp) or exp < moment:
        raise IdentityError("expired or without exp")
    if isinstance(nbf, int | float) and nbf > moment + 60:
        raise IdentityError("not valid yet")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 200:
        raise IdentityError("no subject")
    return sub.strip()


def identity_expiry(token: str) -> float:
    """The ``exp`` of an identity token already checked by :func:`verify_identity`."""
    return float(json.loads(_b64d(token.strip().split(".")[1]))["exp"])


def make_identity(sub: str, key: bytes, ttl_s: int = 3600, at: float | None = None) -> str:
    """An identity token as the intranet would issue it (for tests and the integration guide)."""
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    moment = int(time.time() if at is None else at)
    body = base64.urlsafe_b64encode(json.dumps({"sub": sub, "exp": moment + ttl_s}).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{_sign(key, f'{head}.{body}')}"


@dataclass(frozen=True)
class ChatSession:
    """Who a chat session belongs to: ``kind`` "a" (anonymous browser) or "e" (signed-in employee)."""

    kind: str
    subject: str

    def user(self, secret: bytes) -> str:
        """The pseudonymous user id (an employee's is the same on every device)."""
        return self.subject if self.kind == "e" else pseudonym(secret, f"anon:{self.subject}")


def issue_session(secret: bytes, session: ChatSession, ttl_s: int, at: float | None = None) -> str:
    """A signed, opaque session token for the chat (kept by the browser, sent as a Bearer token)."""
    exp = int((time.time() if at is None else at) + ttl_s)
    data = f"v1.{session.kind}.{session.subject}.{exp}"
    return f"{data}.{_sign(secret, 'chat-session:' + data)}"


def read_session(secret: bytes, token: str | None, at: float | None = None) -> ChatSession | None:
    """The session behind a token, or ``None`` when forged, malformed or expired."""
    if not token or len(token) > 300:
        return None
    parts = token.strip().split(".")
    if len(parts) != 5 or parts[0] != "v1" or parts[1] not in {"a", "e"}:
        return None
    data = ".".join(parts[:4])
    if not hmac.compare_digest(parts[4].encode(), _sign(secret, "chat-session:" + data).encode()):
        return None
    try:
        if int(parts[3]) < (time.time() if at is None else at):
            return None
    except ValueError:
        return None
    return ChatSession(kind=parts[1], subject=parts[2])


def new_anonymous() -> ChatSession:
    """A fresh anonymous browser."""
    return ChatSession(kind="a", subject=secrets.token_urlsafe(18).replace(".", "_"))


def employee(secret: bytes, sub: str) -> ChatSession:
    """The session of a signed-in employee; the subject is already pseudonymous."""
    return ChatSession(kind="e", subject=pseudonym(secret, f"employee:{sub}"))
