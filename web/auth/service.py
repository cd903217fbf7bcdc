"""Who is calling: the staff session behind the cookie, its role and its CSRF token."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from desk import accounts
from desk.accounts import Account, Session
from web.context import ctx
from web.http import error

COOKIE = "sd_staff"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
Handler = Callable[..., Awaitable[HTTPResponse]]


def csrf_ok(request: Request, session: Session) -> bool:
    """The request carries the session's CSRF token (compared in constant time)."""
    sent = request.headers.get("x-csrf-token", "").encode("utf-8", "replace")
    return hmac.compare_digest(sent, session.csrf_token.encode())


def csrf_refused() -> HTTPResponse:
    """403 for a state change without the session's CSRF token."""
    return error(403, "auth.csrf")


async def current(request: Request) -> Session | None:
    """The staff session of this request, if logged in."""
    engine = ctx(request).desk.get().engine
    return await asyncio.to_thread(accounts.session_for, engine, request.cookies.get(COOKIE))


async def authenticate(request: Request, username: str, password: str) -> Account | None:
    """A local account first (the first admin, sites without a directory), then the directory when switched on.

    Raises:
        DirectoryError: the directory could not be asked (no decision: the caller must not count a failure).
    """
    engine = ctx(request).desk.get().engine
    account = await asyncio.to_thread(accounts.authenticate, engine, username, password)
    staff_directory = ctx(request).staff_directory
    if account is None and staff_directory is not None:
        account = await asyncio.to_thread(staff_directory.sign_in, engine, username, password)
    return account


def requires(role: str, *others: str) -> Callable[[Handler], Handler]:
    """401 without a session, 403 without one of the roles or without the CSRF token on a state change."""
    roles = (role, *others)

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return error(401, "auth.login")
            if not any(session.account.has_role(r) for r in roles):
                return error(403, "auth.role", {"role": " / ".join(roles)}, role=role)
            if request.method in UNSAFE and not csrf_ok(request, session):
                return csrf_refused()
            request.ctx.staff = session
            return await handler(request, *args, **kwargs)

        return guarded

    return wrap


def session_json(session: Session) -> dict[str, Any]:
    """What the console learns about its user."""
    a = session.account
    return {
        "user": {"username": a.username, "display_name": a.display_name, "roles": list(a.roles)},
        "csrf_token": session.csrf_token,
    }
