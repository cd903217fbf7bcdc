"""Staff accounts (agent, editor, lead, admin) with hashed passwords, and their login sessions.

A *directory-managed* account (``source = "directory"``) is the local shadow of a directory account signed in by
``desk.directory.staff``: it has no usable local password, and its roles are re-synced at every sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import aware, new_id, now, sessions, users
from knowledge.text_policy import LIMITS, char_problem, text_problem, username_problem

ROLES = ("agent", "editor", "lead", "admin")
SESSION_HOURS = 10  # one working day
_DUMMY: list[str] = []  # one hash to verify against for unknown names (same cost as a real check)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
DIRECTORY = "directory"  # users.source of directory-managed accounts
NO_PASSWORD = "!directory"  # their password_hash: no scrypt string, so no password ever matches


class AccountError(ValueError):
    """A bad username, password or role; ``field`` names which."""

    def __init__(self, message: str, field: str = "username") -> None:
        """``message`` in English (API, CLI)."""
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Account:
    """A staff member as the web service sees them (never the hash)."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]

    def has_role(self, role: str) -> bool:
        """Admins may do everything."""
        return role in self.roles or "admin" in self.roles


@dataclass(frozen=True)
class Session:
    """A logged-in session: the account and the CSRF token its forms must send."""

    account: Account
    csrf_token: str


def check_password(password: str) -> None:
    """12 to 200 characters of valid text: the same limit at creation and at login (nothing is cut)."""
    if len(password) < 12 or len(password) > LIMITS["password"]:
        raise AccountError(f"password must have 12 to {LIMITS['password']} characters", "password")
    if char_problem(password):
        raise AccountError("password must not contain control characters", "password")


def hash_password(password: str) -> str:
    """Scrypt with a random salt, in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check against :func:`hash_password` output."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(candidate.hex(), digest)


def _account(row: object) -> Account:
    return Account(
        id=row.id,  # type: ignore[attr-defined]
        username=row.username,  # type: ignore[attr-defined]
        display_name=row.display_name,  # type: ignore[attr-defined]
        roles=tuple(r for r in row.roles.split(",") if r),  # type: ignore[attr-defined]
    )


def create_user(
    engine: Engine, *, username: str, password: str, roles: tuple[str, ...], display_name: str = ""
) -> Account:
    """Add an account; raises :class:`AccountError` on bad input or a taken name."""
    username = username.strip()
    if username_problem(username):
        raise AccountError("username must be 1-80 ASCII letters, digits or . _ @ -")
    check_password(password)
    if text_problem(display_name, "display_name", name=True):
        raise AccountError(
            f"display name must be text without control characters, at most {LIMITS['display_name']}", "display_name"
        )
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise AccountError(f"roles must be some of {', '.join(ROLES)}", "roles")
    try:
        with engine.begin() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                raise AccountError(f"user {username!r} exists")
            uid = new_id(
                conn.execute(
                    insert(users).values(
                        username=username,
                        display_name=display_name.strip() or username,
                        password_hash=hash_password(password),
                        roles=",".join(roles),
                        active=True,
                        created_at=now(),
                    )
                )
            )
    except IntegrityError as exc:  # another instance created it a moment ago
        raise AccountError(f"user {username!r} exists") from exc
    return Account(id=uid, username=username, display_name=display_name.strip() or username, roles=roles)


def count_users(engine: Engine) -> int:
    """How many accounts exist (first start creates the admin)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account when the password matches; ``None`` otherwise (same cost for unknown names)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(users).where(users.c.username == username, users.c.active.is_(True), users.c.source.is_(None))
        ).first()
    if row is None:  # directory-managed accounts too: their password is the directory's
        if not _DUMMY:
            _DUMMY.append(hash_password(secrets.token_hex(8)))
        verify_password(password, _DUMMY[0])
        return None
    return _account(row) if verify_password(password, row.password_hash) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, account: Account) -> tuple[str, str]:
    """Create a session; returns (cookie token, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now()))
        conn.execute(
            insert(sessions).values(
                token_hash=_token_hash(token),
                user_id=account.id,
                csrf_token=csrf,
                created_at=now(),
                expires_at=now() + timedelta(hours=SESSION_HOURS),
            )
        )
    return token, csrf


def session_for(engine: Engine, token: str | None) -> Session | None:
    """The live session behind a cookie value, if any."""
    if not token or len(token) > 100:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(sessions.c.csrf_token, sessions.c.expires_at, users)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == _token_hash(token), users.c.active.is_(True))
        ).first()
    if row is None or aware(row.expires_at) < now():  # type: ignore[operator]
        return None
    return Session(account=_account(row), csrf_token=row.csrf_token)


def end_session(engine: Engine, token: str | None) -> None:
    """Log out."""
    if token:
        with engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def set_password(engine: Engine, username: str, password: str) -> None:
    """Change a password and end that account's sessions (never for directory-managed accounts)."""
    check_password(password)
    with engine.begin() as conn:
        row = conn.execute(select(users.c.id, users.c.source).where(users.c.username == username)).first()
        if row is None:
            raise AccountError(f"no user {username!r}")
        if row.source == DIRECTORY:
            raise AccountError(f"{username!r} signs in with the directory: its password is changed there", "password")
        uid = row.id
        conn.execute(update(users).where(users.c.id == uid).values(password_hash=hash_password(password)))
        conn.execute(delete(sessions).where(sessions.c.user_id == uid))


def local_name_taken(engine: Engine, username: str) -> bool:
    """Whether a local account has this name (case-insensitive): then the directory may not sign anyone in as it."""
    with engine.connect() as conn:
        found = conn.execute(
            select(users.c.id).where(func.lower(users.c.username) == username.lower(), users.c.source.is_(None))
        ).first()
    return found is not None


def sync_directory_account(engine: Engine, username: str, roles: tuple[str, ...]) -> Account | None:
    """Create or update the shadow of a directory account with exactly ``roles``; ``None`` when it may not sign in.

    Without roles the shadow keeps none and its sessions end. A shadow an admin switched off (``active`` false)
    stays off. ``username`` is the directory's spelling; a local account of that name is never taken over.
    """
    try:
        return _sync(engine, username, roles)
    except IntegrityError:  # the same person's first sign-in on another instance a moment ago: now it exists
        return _sync(engine, username, roles)


def _sync(engine: Engine, username: str, roles: tuple[str, ...]) -> Account | None:
    same_name = func.lower(users.c.username) == username.lower()
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(same_name, users.c.source.is_(None))).first():
            return None
        row = conn.execute(select(users).where(same_name, users.c.source == DIRECTORY)).first()
        if row is None:
            if not roles:
                return None
            uid = new_id(
                conn.execute(
                    insert(users).values(
                        username=username,
                        display_name=username,
                        password_hash=NO_PASSWORD,
                        roles=",".join(roles),
                        active=True,
                        created_at=now(),
                        source=DIRECTORY,
                    )
                )
            )
            return Account(id=uid, username=username, display_name=username, roles=roles)
        conn.execute(update(users).where(users.c.id == row.id).values(username=username, roles=",".join(roles)))
        if not roles:  # removed from every staff group: nothing left to do here
            conn.execute(delete(sessions).where(sessions.c.user_id == row.id))
            return None
        if not row.active:
            return None
    return Account(id=row.id, username=username, display_name=row.display_name, roles=roles)
