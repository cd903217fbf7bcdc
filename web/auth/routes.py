"""``/api/auth/*`` (login, logout, me) and ``/api/users`` (admin)."""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import accounts
from desk.accounts import Session
from web.auth.service import COOKIE, current, error, requires, session_json

bp = Blueprint("auth")


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json if (request.content_type or "").startswith("application/json") else None
    except Exception:  # noqa: BLE001 - Sanic raises BadRequest on broken JSON
        body = None
    return body if isinstance(body, dict) else {}


@bp.post("/api/auth/login")
async def login(request: Request) -> HTTPResponse:
    """Username + password → session cookie (HttpOnly, SameSite=Strict) and a CSRF token."""
    body = _body(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return error(400, "Bitte Benutzername und Passwort angeben.", "Username and password are required.")
    engine = request.app.ctx.desk.get().engine
    if await asyncio.to_thread(accounts.login_blocked, engine, username[:80]):
        return error(
            429,
            "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie 15 Minuten.",
            "Too many failed logins. Please wait 15 minutes.",
        )
    account = await asyncio.to_thread(accounts.authenticate, engine, username[:80], password[:200])
    if account is None:
        await asyncio.to_thread(accounts.record_failure, engine, username[:80])
        return error(401, "Benutzername oder Passwort ist falsch.", "Wrong username or password.")
    token, csrf = await asyncio.to_thread(accounts.start_session, engine, account)
    resp = json(session_json(Session(account=account, csrf_token=csrf)))
    resp.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=accounts.SESSION_HOURS * 3600,
        secure=request.app.ctx.settings.public_url.startswith("https://"),
    )
    return resp


@bp.get("/api/auth/me")
async def me(request: Request) -> HTTPResponse:
    """The logged-in account, or 401."""
    session = await current(request)
    if session is None:
        return error(401, "Bitte melden Sie sich an.", "Please log in.")
    return json(session_json(session))


@bp.post("/api/auth/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session (idempotent)."""
    engine = request.app.ctx.desk.get().engine
    await asyncio.to_thread(accounts.end_session, engine, request.cookies.get(COOKIE))
    resp = json({"ok": True})
    resp.delete_cookie(COOKIE, path="/")
    return resp


@bp.post("/api/users")
@requires("admin")
async def create_user(request: Request) -> HTTPResponse:
    """Admins add staff accounts."""
    body = _body(request)
    roles = body.get("roles")
    try:
        account = await asyncio.to_thread(
            accounts.create_user,
            request.app.ctx.desk.get().engine,
            username=str(body.get("username") or ""),
            password=str(body.get("password") or ""),
            roles=tuple(roles) if isinstance(roles, list) else (),
            display_name=str(body.get("display_name") or ""),
        )
    except accounts.AccountError as exc:
        status = 409 if "exists" in str(exc) else 400
        return error(status, "Das Konto kann so nicht angelegt werden.", str(exc))
    return json(
        {"username": account.username, "display_name": account.display_name, "roles": list(account.roles)}, status=201
    )
