"""``/api/auth/*`` (login, logout, me) and ``/api/users`` (admin)."""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import accounts
from desk import login_throttle as throttle
from desk.accounts import Session
from desk.directory import DirectoryError
from knowledge.text_policy import LIMITS
from texts import text
from web.auth.client import client_address
from web.auth.service import COOKIE, authenticate, csrf_ok, csrf_refused, current, requires, session_json
from web.context import ctx
from web.http import error, error_texts
from web.input_policy import PolicyError, field_text
from web.input_policy import body as body_of

bp = Blueprint("auth")
logger = logging.getLogger(__name__)


@bp.post("/api/auth/login")
async def login(request: Request) -> HTTPResponse:
    """Username + password → session cookie (HttpOnly, SameSite=Strict) and a CSRF token.

    Throttled per name and per client address with backoff (see :mod:`desk.login_throttle`). Every refusal, local
    or by the directory, is the same 401 and counts the same; an unreachable directory is a 503 and counts nothing.
    """
    body = body_of(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return error(400, "auth.credentials_missing")
    field_text(username, "username")  # no name over 80 characters or with control characters exists
    if len(password) > LIMITS["password"]:  # refused, never cut: no password that long can exist
        raise PolicyError("too_long", "password")
    desk = ctx(request).desk.get()
    client = throttle.client_hash(desk.secret, client_address(request, ctx(request).settings.servers.trusted_proxies))
    wait = await asyncio.to_thread(throttle.wait_seconds, desk.engine, username=username, client=client)
    if wait:
        return error(429, "auth.throttled", {"wait": wait}, retry_after=wait, headers={"Retry-After": str(wait)})
    try:
        account = await authenticate(request, username, password)
    except DirectoryError as exc:  # names the server, never the person or the password
        logger.error("staff sign-in: directory not available: %s", exc)
        return error(503, "auth.directory")
    if account is None:
        await asyncio.to_thread(throttle.record_failure, desk.engine, username=username, client=client)
        return error(401, "auth.wrong")
    token, csrf = await asyncio.to_thread(accounts.start_session, desk.engine, account)
    resp = json(session_json(Session(account=account, csrf_token=csrf)))
    resp.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=accounts.SESSION_HOURS * 3600,
        secure=ctx(request).settings.servers.public_url.startswith("https://"),
    )
    return resp


@bp.get("/api/auth/me")
async def me(request: Request) -> HTTPResponse:
    """The logged-in account, or 401."""
    session = await current(request)
    if session is None:
        return error(401, "auth.login")
    return json(session_json(session))


@bp.post("/api/auth/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session (idempotent); a live session needs its CSRF token, so no other site can log staff out."""
    engine = ctx(request).desk.get().engine
    session = await current(request)
    if session is not None and not csrf_ok(request, session):
        return csrf_refused()
    await asyncio.to_thread(accounts.end_session, engine, request.cookies.get(COOKIE))
    resp = json({"ok": True})
    resp.delete_cookie(COOKIE, path="/")
    return resp


@bp.post("/api/users")
@requires("admin")
async def create_user(request: Request) -> HTTPResponse:
    """Admins add staff accounts."""
    body = body_of(request)
    roles = body.get("roles")
    for name in ("username", "password"):
        if not isinstance(body.get(name), str):
            raise PolicyError("type", name)
    display_name = field_text(body.get("display_name"), "display_name", required=False, name=True)
    try:
        account = await asyncio.to_thread(
            accounts.create_user,
            ctx(request).desk.get().engine,
            username=body["username"],
            password=body["password"],
            roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            display_name=display_name,
        )
    except accounts.AccountError as exc:
        status = 409 if "exists" in str(exc) else 400
        return error_texts(status, "auth.account", text("error.auth.account"), str(exc), field=exc.field)
    return json(
        {"username": account.username, "display_name": account.display_name, "roles": list(account.roles)}, status=201
    )
