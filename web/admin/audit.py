"""Noting staff access for the access audit (the console's detail, message and ticket views call it)."""

from __future__ import annotations

import asyncio

from sanic import Request

from desk import access_audit
from web.context import ctx


async def note(request: Request, view: str, escalation_id: int | None = None) -> None:
    """The logged-in account opened ``view`` (before the data is sent: no audit row, no data)."""
    engine = ctx(request).desk.get().engine
    account = request.ctx.staff.account
    await asyncio.to_thread(access_audit.record, engine, account=account, view=view, escalation_id=escalation_id)
