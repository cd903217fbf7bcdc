"""The installation secret, pseudonymous user ids, and the signed tokens: the intranet's identity, chat sessions.

Both tokens are JWTs (PyJWT) with the algorithm pinned to HS256; nothing here parses a token by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from knowledge.text_policy import LIMITS
from settings import Identity, Records


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
        os.chmod(path, 0o600)  # a key file left readable by others (an older version, a copy) is closed again
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
    """A token that is malformed, badly signed, expired or meant for someone else."""


ALGORITHM = "HS256"  # pinned: the intranet signs with the shared key; "none" and every other algorithm fail
SESSION_AUDIENCE = "servicedesk:chat-session"


@dataclass(frozen=True)
class IntranetIdentity:
    """A verified employee: the intranet's subject and when its token expires."""

    sub: str
    exp: float


def verify_identity(
    token: str, key: bytes, *, audience: str = "", issuer: str = "", leeway_s: int = 60
) -> IntranetIdentity:
    """The employee behind an intranet identity token: a JWT signed with HS256 and the shared key.

    Required claims: ``sub`` and ``exp``; ``nbf`` and ``iat`` are honoured, each with ``leeway_s`` of clock
    difference; ``aud`` and ``iss`` must match when configured (``SERVICEDESK_IDENTITY_AUDIENCE`` / ``_ISSUER``).
    """
    if not key:
        raise IdentityError("no identity key configured (SERVICEDESK_IDENTITY_SECRET)")
    try:
        claims = jwt.decode(
            token.strip(),
            key,
            algorithms=[ALGORITHM],
            audience=audience or None,
            issuer=issuer or None,
            leeway=leeway_s,
            options={"require": ["exp", "sub"], "verify_aud": bool(audience), "strict_aud": bool(audience)},
        )
    except jwt.PyJWTError as exc:
        raise IdentityError(f"{type(exc).__name__}: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 200:
        raise IdentityError("no subject")
    return IntranetIdentity(sub.strip(), float(claims["exp"]))


def verify_configured(token: str, config: Identity) -> IntranetIdentity:
    """:func:`verify_identity` with the installation's ``SERVICEDESK_IDENTITY_*`` key, audience, issuer, leeway."""
    return verify_identity(
        token,
        config.secret.get_secret_value().encode(),
        audience=config.audience,
        issuer=config.issuer,
        leeway_s=config.leeway_s,
    )


def make_identity(sub: str, key: bytes, ttl_s: int = 3600, *, at: float | None = None, **claims: object) -> str:
    """An identity token as the intranet would issue it (for tests and the integration guide)."""
    moment = int(time.time() if at is None else at)
    return jwt.encode({"sub": sub, "iat": moment, "exp": moment + ttl_s, **claims}, key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class ChatSession:
    """Who a chat session belongs to: ``kind`` "a" (anonymous browser) or "e" (signed-in employee)."""

    kind: str
    subject: str

    def user(self, secret: bytes) -> str:
        """The pseudonymous user id (an employee's is the same on every device)."""
        return self.subject if self.kind == "e" else pseudonym(secret, f"anon:{self.subject}")


def _session_key(secret: bytes) -> bytes:
    # A key of its own for chat sessions, derived from the installation secret (32 bytes, as HS256 wants).
    return hmac.new(secret, b"chat-session-key", hashlib.sha256).digest()


def issue_session(secret: bytes, session: ChatSession, ttl_s: int, at: float | None = None) -> str:
    """A signed session token for the chat (a JWT the browser keeps and sends as a Bearer token)."""
    moment = int(time.time() if at is None else at)
    claims = {"k": session.kind, "s": session.subject, "iat": moment, "exp": moment + ttl_s, "aud": SESSION_AUDIENCE}
    return jwt.encode(claims, _session_key(secret), algorithm=ALGORITHM)


def read_session(secret: bytes, token: str | None) -> ChatSession | None:
    """The session behind a token, or ``None`` when forged, malformed, expired or of another kind."""
    if not token or len(token) > LIMITS["session"]:
        return None
    try:
        claims = jwt.decode(
            token.strip(),
            _session_key(secret),
            algorithms=[ALGORITHM],
            audience=SESSION_AUDIENCE,
            options={"require": ["exp", "aud", "k", "s"]},
        )
    except jwt.PyJWTError:
        return None
    kind, subject = claims.get("k"), claims.get("s")
    if kind not in {"a", "e"} or not isinstance(subject, str) or not subject:
        return None
    return ChatSession(kind=kind, subject=subject)


def new_anonymous() -> ChatSession:
    """A fresh anonymous browser."""
    return ChatSession(kind="a", subject=secrets.token_urlsafe(18))


def employee(secret: bytes, sub: str) -> ChatSession:
    """The session of a signed-in employee; the subject is already pseudonymous."""
    return ChatSession(kind="e", subject=pseudonym(secret, f"employee:{sub}"))
