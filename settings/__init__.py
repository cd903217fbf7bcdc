"""The one place that reads settings: frozen parts, each handed only to the code that needs it.

``Settings.load()`` reads ``SERVICEDESK_*`` variables (environment first, then ``.env``, then defaults), parses
and checks every value at once and fails loudly, naming the variable. The names are listed in
``.env.example``; Rasa's ``bot/endpoints.yml`` reads the same variables, which ``scripts/stack.py`` passes on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from settings.base import ROOT, Part, SettingsError, read_part, reading
from settings.directory import DirectorySettings, Unlock
from settings.legal import Legal
from settings.parts import (
    Chat,
    Handoff,
    Identity,
    KnowledgeSettings,
    Records,
    Requests,
    Retention,
    Servers,
    Smtp,
    Staff,
    Tickets,
    Zammad,
)
from settings.surges import Surges


class Settings(BaseModel):
    """All parts of one installation. Build with :meth:`load`; pass each part to the code that uses it."""

    model_config = ConfigDict(frozen=True)

    servers: Servers
    knowledge: KnowledgeSettings
    records: Records
    tickets: Tickets
    chat: Chat
    identity: Identity
    handoff: Handoff
    staff: Staff
    retention: Retention
    surges: Surges
    legal: Legal
    directory: DirectorySettings
    unlock: Unlock
    requests: Requests

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Read every part from ``env`` (default: the process environment) and ``dotenv`` (default ROOT/.env)."""
        with reading(env, dotenv):
            tickets = read_part(Tickets, zammad=read_part(Zammad), smtp=read_part(Smtp))
            return cls(
                servers=read_part(Servers),
                knowledge=read_part(KnowledgeSettings),
                records=read_part(Records),
                tickets=tickets,
                chat=read_part(Chat),
                identity=read_part(Identity),
                handoff=read_part(Handoff),
                staff=read_part(Staff),
                retention=read_part(Retention),
                surges=read_part(Surges),
                legal=read_part(Legal),
                directory=read_part(DirectorySettings),
                unlock=read_part(Unlock),
                requests=read_part(Requests),
            )

    def override(self, **variables: str) -> Settings:
        """The same settings with some ``SERVICEDESK_*`` variables changed (checked like any load)."""
        return Settings.load(env=self.as_env() | variables, dotenv=Path(os.devnull))

    def parts(self) -> tuple[Part, ...]:
        """Every part, in declaration order."""
        return tuple(getattr(self, name) for name in type(self).model_fields)

    def as_env(self, secrets: bool = True) -> dict[str, str]:
        """The settings as ``SERVICEDESK_*`` variables for child processes (``secrets=False`` for Rasa)."""
        out: dict[str, str] = {}
        for part in self.parts():
            out.update(part.variables(secrets))
        return out

    @classmethod
    def secret_variables(cls) -> frozenset[str]:
        """The variables that hold secrets (never passed to Rasa, never logged)."""
        found: set[str] = set()
        for info in cls.model_fields.values():
            kind = info.annotation
            if isinstance(kind, type) and issubclass(kind, Part):
                found |= kind.secret_variables()
        return frozenset(found)


__all__ = [
    "ROOT",
    "Chat",
    "DirectorySettings",
    "Handoff",
    "Identity",
    "KnowledgeSettings",
    "Legal",
    "Records",
    "Requests",
    "Retention",
    "Servers",
    "Settings",
    "SettingsError",
    "Smtp",
    "Staff",
    "Surges",
    "Tickets",
    "Unlock",
    "Zammad",
]
