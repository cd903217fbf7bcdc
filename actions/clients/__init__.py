"""Adapters to outside systems (ticket systems, mail) live here."""
