"""What every handler of the web service shares, typed: ``ctx(request).chat``, ``ctx(request).settings`` ..."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import cast

from sanic import Request

from desk.directory.staff import StaffDirectory
from desk.runtime import LazyDesk
from knowledge.source import KnowledgeSource
from settings import Settings
from web.chat.service import ChatService
from web.handoff.service import HandoffService
from web.live import Notifier
from web.metrics.registry import Metrics
from web.metrics.turns import OUTCOMES
from web.rasa import RasaClient, Upstream


@dataclass
class AppContext:
    """The app's collaborators, built by ``create_app`` (nothing here opens a database or a connection)."""

    settings: Settings
    desk: LazyDesk
    knowledge: KnowledgeSource
    upstream: Upstream  # HTTP to the loopback services (Rasa, the action server)
    rasa: RasaClient
    notifier: Notifier
    handoff: HandoffService
    chat: ChatService
    staff_directory: StaffDirectory | None = None  # staff sign-in with directory accounts, when switched on
    tasks: list[asyncio.Task] = field(default_factory=list)  # the sweeper, while the server runs
    metrics: Metrics = field(default_factory=lambda: Metrics(OUTCOMES))  # this process's figures for /metrics


def ctx(request: Request) -> AppContext:
    """The typed context of the request's app."""
    return cast(AppContext, request.app.ctx)
