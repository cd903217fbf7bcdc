"""Which employee (pseudonymous) a chat request belongs to, and which conversation is theirs."""

from __future__ import annotations

import asyncio

from sanic import Request

from desk import conversations
from desk.identity import ChatSession, read_session
from desk.runtime import Desk


def bearer(request: Request) -> str | None:
    """The session token from ``Authorization: Bearer …``."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def session_of(request: Request, token: str | None = None) -> ChatSession | None:
    """The signed chat session of a request (forged or expired tokens give ``None``)."""
    return read_session(request.app.ctx.desk.get().secret, token if token is not None else bearer(request))


async def conversation_of(desk: Desk, session: ChatSession, *, create: bool) -> str | None:
    """The user's open conversation; with ``create`` a new one when there is none."""
    user = session.user(desk.secret)
    found = await asyncio.to_thread(conversations.current, desk.engine, user)
    if found is None and create:
        found = await asyncio.to_thread(conversations.start, desk.engine, user)
    return found
