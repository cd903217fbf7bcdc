"""Choose the ticket sink an installation is configured for."""

from __future__ import annotations

from sqlalchemy import Engine

from desk.tickets.base import TicketSink
from desk.tickets.email import EmailTicketSink
from desk.tickets.sql import SqlTicketSink
from desk.tickets.zammad import ZammadTicketSink
from settings import Tickets


def make_sink(tickets: Tickets, engine: Engine, timeout: float = 10.0) -> TicketSink:
    """The sink named by ``tickets.sink`` (sql, zammad or email), working on ``engine``."""
    if tickets.sink == "zammad":
        z = tickets.zammad
        return ZammadTicketSink(
            engine,
            base_url=z.url,
            token=z.token.get_secret_value(),
            group=z.group,
            customer=z.customer,
            timeout=timeout,
        )
    if tickets.sink == "email":
        m = tickets.smtp
        return EmailTicketSink(engine, host=m.host, port=m.port, sender=m.sender, recipient=m.to, timeout=timeout)
    return SqlTicketSink(engine)
