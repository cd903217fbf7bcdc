"""The one place that reads settings: environment first, then ``.env``, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value we cannot use."""


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple ``KEY=value`` file; blank lines and ``#`` comments are ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise SettingsError(f"{path}:{lineno}: expected KEY=value")
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    """All ports, paths and URLs of one installation. Build with :meth:`from_env`."""

    host: str = "127.0.0.1"
    web_port: int = 8000
    rasa_port: int = 5005
    action_port: int = 5055
    var_dir: Path = ROOT / "var"
    articles_dir: Path = ROOT / "knowledge" / "articles"
    model_path: Path = ROOT / "var" / "models" / "multilingual-e5-small"
    # Which engine embeds at run time: "onnx" (int8 export of the same model, no torch) or "torch".
    embedding_backend: str = "onnx"
    # Identical questions repeat on an outage morning: this many query vectors are kept (0: no cache).
    query_cache_size: int = 4096
    index_dir: Path = ROOT / "var" / "index"
    calibration_file: Path = ROOT / "knowledge" / "calibration.yml"
    # The chat's decision over intent and retrieval, fitted by `make fit-decision`.
    decision_file: Path = ROOT / "knowledge" / "decision.yml"
    tracker_db: Path = ROOT / "var" / "rasa-tracker.db"
    public_url: str = "http://127.0.0.1:8000"
    max_query_chars: int = 1000
    # How long a long-poll (/api/chat/events, the console's) waits for news before it answers empty.
    long_poll_s: float = 25.0
    upstream_timeout_s: float = 10.0
    # Records (conversations, escalations, tickets, accounts). Empty: SQLite file in var_dir.
    database_url: str = ""
    # Key for pseudonymous user ids and session tokens. Empty: generated once into var_dir/secret.key.
    secret_key: str = field(default="", repr=False)
    # Shared with the intranet: it signs the employee identity token (JWT, HS256) the widget passes on.
    identity_secret: str = field(default="", repr=False)
    # Intranet origins that may embed the widget (comma-separated, e.g. "https://intranet.stadt.example").
    allowed_origins: str = ""
    # Reverse proxies in front of the web service (addresses or networks, comma-separated). Only a request
    # from one of them has its X-Forwarded-For honoured for the client address (login throttling).
    trusted_proxies: str = ""
    # An anonymous chat session lasts this long in the browser; then a new one starts.
    session_days: int = 30
    # After this long without a message the closing question is shown the next time the chat is opened.
    csat_inactivity_s: int = 600
    admin_user: str = "admin"
    admin_password: str = field(default="", repr=False)
    team_name: str = "Service Desk"
    # Nobody claims a waiting escalation within this time: it becomes a ticket.
    handoff_timeout_s: int = 300
    # When agents are online, e.g. "Mo-Fr 07:30-16:00"; "always" for round-the-clock desks, "never" to go
    # straight to tickets. Public holidays are not considered.
    service_hours: str = "Mo-Fr 07:30-16:00"
    timezone: str = "Europe/Berlin"
    # What promise a ticket comes with: an answer within this many service hours.
    ticket_response_hours: int = 8
    # Articles and intents that always need a person (comma-separated).
    needs_person: str = "geraet-verloren,virus-verdacht,laptop-startet-nicht"
    # Where tickets go: sql (built-in), zammad, email.
    ticket_sink: str = "sql"
    zammad_url: str = ""
    zammad_token: str = field(default="", repr=False)
    zammad_group: str = "Users"
    zammad_customer: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "servicedesk-bot@stadt.example"
    smtp_to: str = "servicedesk@stadt.example"

    @property
    def onnx_model_path(self) -> Path:
        """Where ``knowledge/onnx_build.py`` writes the ONNX export of ``model_path``."""
        return self.model_path.with_name(self.model_path.name + "-onnx")

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa HTTP server (loopback)."""
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server (loopback)."""
        return f"http://{self.host}:{self.action_port}"

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the records database."""
        return self.database_url or f"sqlite:///{self.var_dir / 'servicedesk.db'}"

    @property
    def allowed_origin_set(self) -> frozenset[str]:
        """Origins allowed to call the chat API from another site (the web service's own is always allowed)."""
        own = "/".join(self.public_url.split("/")[:3])
        return frozenset({own, *(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())})

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The trusted proxies as networks (a single address is a /32 or /128)."""
        return tuple(ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def needs_person_set(self) -> frozenset[str]:
        """Slugs and intents that always go to a person."""
        return frozenset(x.strip() for x in self.needs_person.split(",") if x.strip())

    def article_url(self, slug: str) -> str:
        """Public link to an article page."""
        return f"{self.public_url.rstrip('/')}/kb/{slug}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Read ``SERVICEDESK_<FIELD>`` variables; fail loudly on bad values."""
        merged = dict(read_dotenv(dotenv if dotenv is not None else ROOT / ".env"))
        merged.update(os.environ if env is None else env)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            key = f"SERVICEDESK_{f.name.upper()}"
            if key not in merged or merged[key] == "":
                continue
            raw = merged[key]
            default = getattr(cls, f.name)
            try:
                if isinstance(default, bool):
                    kwargs[f.name] = raw.lower() in {"1", "true", "yes", "on"}
                elif isinstance(default, int):
                    kwargs[f.name] = int(raw)
                elif isinstance(default, float):
                    kwargs[f.name] = float(raw)
                elif isinstance(default, Path):
                    p = Path(raw)
                    kwargs[f.name] = p if p.is_absolute() else ROOT / p
                else:
                    kwargs[f.name] = raw
            except ValueError as exc:
                raise SettingsError(f"{key}={raw!r}: {exc}") from exc
        settings = cls(**kwargs)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject values that would only fail later and less clearly."""
        for name in ("web_port", "rasa_port", "action_port"):
            port = getattr(self, name)
            if not 1 <= port <= 65535:
                raise SettingsError(f"SERVICEDESK_{name.upper()}={port}: not a TCP port")
        ports = [self.web_port, self.rasa_port, self.action_port]
        if len(set(ports)) != len(ports):
            raise SettingsError(f"ports must differ, got web/rasa/action = {ports}")
        if not (self.host.startswith("127.") or self.host in {"localhost", "::1"}):
            # Rasa's HTTP API and the action server have no authentication: they must stay on loopback.
            raise SettingsError(f"SERVICEDESK_HOST={self.host}: Rasa and the action server must bind to loopback")
        if not 0 < self.long_poll_s <= 300:
            raise SettingsError("SERVICEDESK_LONG_POLL_S must be between 0 and 300 seconds")
        if self.max_query_chars < 1:
            raise SettingsError("SERVICEDESK_MAX_QUERY_CHARS must be positive")
        if self.handoff_timeout_s < 1:
            raise SettingsError("SERVICEDESK_HANDOFF_TIMEOUT_S must be positive")
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsing is the check
        except ValueError as exc:
            raise SettingsError(f"SERVICEDESK_TRUSTED_PROXIES={self.trusted_proxies}: {exc}") from exc
        if self.ticket_sink not in {"sql", "zammad", "email"}:
            raise SettingsError(f"SERVICEDESK_TICKET_SINK={self.ticket_sink}: use sql, zammad or email")
        if self.ticket_sink == "zammad" and not (self.zammad_url and self.zammad_token and self.zammad_customer):
            raise SettingsError("SERVICEDESK_TICKET_SINK=zammad needs SERVICEDESK_ZAMMAD_URL, _TOKEN and _CUSTOMER")

    def as_env(self, secrets: bool = True) -> dict[str, str]:
        """The settings as environment variables, for child processes (``secrets=False`` for Rasa)."""
        hidden = {"secret_key", "admin_password", "zammad_token", "identity_secret"}
        return {
            f"SERVICEDESK_{f.name.upper()}": str(getattr(self, f.name))
            for f in fields(self)
            if secrets or f.name not in hidden
        }
