"""Rasa calls the action server over kept connections instead of a new connection pool per call.

Rasa 3.6's ``EndpointConfig.request`` opens an ``aiohttp.ClientSession`` for every custom-action call and
closes it afterwards: a new TCP connection, a new connector and its cleanup on every turn (~11 % of the
Rasa process's CPU under load, py-spy). Here ``EndpointConfig.session`` hands out one kept session per
event loop and endpoint identity (headers, basic auth), wrapped so that ``async with`` leaves it open.
Requests, timeouts and errors are Rasa's own; nothing in site-packages is edited.

Idle connections are dropped by this side after ``CLIENT_KEEPALIVE_S``, well before the action server
(Sanic, 120 s keep-alive), so a request never goes out on a connection the server is just closing.

Python 3.10, Rasa's environment.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

CLIENT_KEEPALIVE_S = 10.0

_kept: dict[tuple[Any, ...], aiohttp.ClientSession] = {}


class _Kept:
    """``async with`` over a kept session: entering gives it, leaving keeps it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def _key(endpoint: EndpointConfig, loop: asyncio.AbstractEventLoop) -> tuple[Any, ...]:
    headers = tuple(sorted((str(k), str(v)) for k, v in (endpoint.headers or {}).items()))
    auth = tuple(sorted((endpoint.basic_auth or {}).items()))
    return (id(loop), headers, auth)


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The session of the running loop for ``endpoint``'s headers and credentials, made on first use."""
    loop = asyncio.get_running_loop()
    key = _key(endpoint, loop)
    session = _kept.get(key)
    if session is None or session.closed or session.connector is None or session.connector._loop is not loop:
        auth = (
            aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth
            else None
        )
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=CLIENT_KEEPALIVE_S),
        )
        _kept[key] = session
    return session


def install_kept_action_connections() -> None:
    """Make ``EndpointConfig.session`` hand out kept sessions (idempotent)."""
    if getattr(EndpointConfig.session, "_servicedesk", False):
        return
    original = EndpointConfig.session

    def session(self: EndpointConfig) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # outside a loop (tools): Rasa's own behaviour
            return original(self)
        return _Kept(kept_session(self))

    session._servicedesk = True  # type: ignore[attr-defined]
    EndpointConfig.session = session  # type: ignore[method-assign]
