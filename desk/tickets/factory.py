"""Choose the ticket sink an installation is configured for."""

from __future__ import annotations

from sqlalchemy import Engine

from desk.tickets.base import TicketSink
from desk.tickets.email import EmailTicketSink
from desk.tickets.sql import SqlTicketSink
from desk.tickets.zammad import ZammadTicketSink
from knowledge.settings import Settings, SettingsError


def make_sink(settings: Settings, engine: Engine) -> TicketSink:
    """The sink named by ``settings.ticket_sink`` (sql, zammad or email), working on ``engine``."""
    if settings.ticket_sink == "sql":
        return SqlTicketSink(engine)
    if settings.ticket_sink == "zammad":
        return ZammadTicketSink(
            engine,
            base_url=settings.zammad_url,
            token=settings.zammad_token,
            group=settings.zammad_group,
            customer=settings.zammad_customer,
            timeout=settings.upstream_timeout_s,
        )
    if settings.ticket_sink == "email":
        return EmailTicketSink(
            engine,
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            recipient=settings.smtp_to,
            timeout=settings.upstream_timeout_s,
        )
    # Settings.validate() rejects other names; this guards hand-built Settings objects.
    raise SettingsError(f"SERVICEDESK_TICKET_SINK={settings.ticket_sink}: use sql, zammad or email")
