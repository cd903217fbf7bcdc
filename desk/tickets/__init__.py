"""Tickets into the existing tool: one ``TicketSink`` protocol, three implementations."""
