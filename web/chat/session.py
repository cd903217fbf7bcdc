"""Which employee (pseudonymous) a chat request belongs to, and which conversation is theirs."""

from __future__ import annotations

from sanic import Request

from desk.identity import ChatSession, read_session
from web.context import ctx


def bearer(request: Request) -> str | None:
    """The session token from ``Authorization: Bearer …``."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def session_of(request: Request, token: str | None = None) -> ChatSession | None:
    """The signed chat session of a request (forged or expired tokens give ``None``)."""
    return read_session(ctx(request).desk.get().secret, token if token is not None else bearer(request))
