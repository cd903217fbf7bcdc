"""The sections of the settings, one per part of the assistant; every value is parsed and checked at load."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from settings.base import ROOT, CommaList, Part, ProjectPath
from settings.hours import HoursError, ServiceHours

Network = IPv4Network | IPv6Network


def _networks(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return tuple(ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip())
        except ValueError as exc:
            raise ValueError(f"not an address or network: {exc}") from None
    return value


Networks = Annotated[tuple[Network, ...], NoDecode, BeforeValidator(_networks)]


class Servers(Part):
    """Where the three processes listen and how they reach each other (loopback only)."""

    host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    action_port: int = Field(default=5055, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    # Intranet origins that may embed the widget (comma-separated, e.g. "https://intranet.stadt.example").
    allowed_origins: CommaList = ()
    # Reverse proxies in front of the web service (addresses or networks, comma-separated). Only a request from
    # one of them has its X-Forwarded-For honoured for the client address (login throttling, /metrics).
    trusted_proxies: Networks = ()
    # /metrics answers loopback clients, and others that send "Authorization: Bearer <token>" (empty: no token).
    metrics_token: SecretStr = SecretStr("")
    # How long a long-poll (/api/chat/events, the console's) waits for news before it answers empty.
    long_poll_s: float = Field(default=25.0, gt=0, le=300)
    upstream_timeout_s: float = Field(default=10.0, gt=0)
    tracker_db: ProjectPath = Path("var/rasa-tracker.db")
    # Several Rasa servers share one tracker store and a lock store (README, "Betrieb mit mehreren Instanzen"):
    # the tracker store as a SQLAlchemy URL (postgresql+psycopg://...; empty: the SQLite file tracker_db), Redis
    # for the lock store, and the endpoints file that names both (deploy/rasa/endpoints.yml).
    tracker_url: str = ""
    redis_host: str = "127.0.0.1"
    redis_port: int = Field(default=6379, ge=1, le=65535)
    rasa_endpoints: ProjectPath = Path("bot/endpoints.yml")
    rasa_model: ProjectPath = Path("var/rasa/models/servicedesk.tar.gz")
    # Our processes (web service, action server); Rasa stays at INFO, its debug log contains message texts.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "text" lines or "json" (one object per line: time, level, logger, message, request_id, process).
    log_format: Literal["text", "json"] = "text"

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        # Rasa's HTTP API and the action server have no authentication: they must stay on loopback.
        if not (value.startswith("127.") or value in {"localhost", "::1"}):
            raise ValueError("Rasa and the action server must bind to loopback")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_token(cls, value: SecretStr) -> SecretStr:
        if 0 < len(value.get_secret_value()) < 24:
            raise ValueError("the metrics token must be empty or at least 24 characters long")
        return value

    @model_validator(mode="after")
    def _distinct_ports(self) -> Servers:
        ports = [self.web_port, self.rasa_port, self.action_port]
        if len(set(ports)) != len(ports):
            raise ValueError(f"ports must differ, got web/rasa/action = {ports}")
        return self

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa HTTP server (loopback)."""
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server (loopback)."""
        return f"http://{self.host}:{self.action_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the web service on loopback (tests, benchmarks, health checks)."""
        return f"http://{self.host}:{self.web_port}"

    @property
    def allowed_origin_set(self) -> frozenset[str]:
        """Origins allowed to call the chat API from another site (the web service's own is always allowed)."""
        own = "/".join(self.public_url.split("/")[:3])
        return frozenset({own, *(o.rstrip("/") for o in self.allowed_origins)})

    def article_url(self, slug: str) -> str:
        """Public link to an article page."""
        return f"{self.public_url.rstrip('/')}/kb/{slug}"


class KnowledgeSettings(Part):
    """The articles, the embedding model, the saved index and the fitted decision."""

    articles_dir: ProjectPath = Path("knowledge/articles")
    model_path: ProjectPath = Path("var/models/multilingual-e5-small")
    # Which engine embeds at run time: "onnx" (the model's ONNX export, built by `make build`; no torch in the
    # servers) or "torch" (the sentence-transformers folder itself). The fp32 export agrees with torch (mean
    # cosine 0.992 on queries, 1.000 on passages) at ~2.5x less CPU; int8 is a third faster again but the
    # retrieval-only thresholds generalise worse with it (README, "The serving embedder").
    embedding_backend: Literal["onnx", "torch"] = "onnx"
    onnx_precision: Literal["fp32", "int8"] = "fp32"
    # Identical questions repeat on an outage morning: this many query vectors are kept (0: no cache).
    query_cache_size: int = Field(default=4096, ge=0)
    # The web service's vectors: "shared" asks the action server (one copy of the model on the machine),
    # "own" loads a copy in the web service too (~0.5 GB more; for a web service without an action server).
    web_model: Literal["shared", "own"] = "shared"
    index_dir: ProjectPath = Path("var/index")
    calibration_file: ProjectPath = Path("knowledge/calibration.yml")
    # The chat's decision over intent and retrieval, fitted by `make fit-decision`.
    decision_file: ProjectPath = Path("knowledge/decision.yml")
    # A chat message and a search question (the other text limits are fixed in knowledge/text_policy.py).
    max_query_chars: int = Field(default=1000, ge=1)

    @property
    def onnx_model_path(self) -> Path:
        """Where ``knowledge/onnx_build.py`` writes the ONNX export of ``model_path`` at ``onnx_precision``."""
        suffix = "-onnx" if self.onnx_precision == "int8" else "-onnx-fp32"
        return self.model_path.with_name(self.model_path.name + suffix)


class Records(Part):
    """The records database and the installation secret."""

    var_dir: ProjectPath = Path("var")
    # Records (conversations, escalations, tickets, accounts). Empty: SQLite file in var_dir.
    database_url: str = ""
    # PostgreSQL: connections each process keeps open (as many again on bursts), besides its one or two LISTEN
    # connections. Size it per process kind in its environment; the server's max_connections must cover them all.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Key for pseudonymous user ids and session tokens. Empty: generated once into var_dir/secret.key.
    secret_key: SecretStr = SecretStr("")

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the records database."""
        return self.database_url or f"sqlite:///{self.var_dir / 'servicedesk.db'}"


class Zammad(Part):
    """``SERVICEDESK_ZAMMAD_*``: the Zammad ticket sink."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_ZAMMAD_")

    url: str = ""
    token: SecretStr = SecretStr("")
    group: str = "Users"
    customer: str = ""


class Smtp(Part):
    """``SERVICEDESK_SMTP_*``: the e-mail ticket sink."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_SMTP_", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(default="servicedesk-bot@stadt.example", validation_alias="SERVICEDESK_SMTP_FROM")
    to: str = "servicedesk@stadt.example"
    # Where `python -m scripts.weekly_report --mail` sends the lead's weekly report (empty: not mailed).
    report_to: str = ""


class Tickets(Part):
    """Where tickets go: ``sql`` (built-in), ``zammad`` or ``email``."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_TICKET_")

    sink: Literal["sql", "zammad", "email"] = "sql"
    zammad: Zammad = Field(default_factory=Zammad)
    smtp: Smtp = Field(default_factory=Smtp)

    @model_validator(mode="after")
    def _zammad_complete(self) -> Tickets:
        z = self.zammad
        if self.sink == "zammad" and not (z.url and z.token.get_secret_value() and z.customer):
            raise ValueError("SERVICEDESK_TICKET_SINK=zammad needs SERVICEDESK_ZAMMAD_URL, _TOKEN and _CUSTOMER")
        return self


class Chat(Part):
    """The employee's chat sessions and the closing question."""

    # An anonymous chat session lasts this long in the browser; then a new one starts.
    session_days: int = Field(default=30, ge=1)
    # After this long without a message the closing question is asked when the chat is opened again.
    csat_inactivity_s: int = Field(default=600, ge=1)
    # While a major incident is published and not resolved, the open widget shows "Aktuelle Störung: <title>".
    incident_banner: bool = True


class Identity(Part):
    """``SERVICEDESK_IDENTITY_*``: the intranet's signed employee token (JWT)."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_IDENTITY_")

    # Shared with the intranet: it signs the employee identity token (HS256) the widget passes on.
    secret: SecretStr = SecretStr("")
    # Checked when set: the token's "aud" and "iss" claims must name these.
    audience: str = ""
    issuer: str = ""
    # Clock difference allowed between the intranet and us for exp, nbf and iat.
    leeway_s: int = Field(default=60, ge=0, le=600)


class Handoff(Part):
    """When agents are online, how long an escalation waits, what a ticket promises."""

    # "Mo-Fr 07:30-16:00"; "always" for round-the-clock desks, "never" to go straight to tickets.
    service_hours: str = "Mo-Fr 07:30-16:00"
    timezone: str = "Europe/Berlin"
    # The Bundesland whose public holidays are closed days (service hours, ticket deadlines, the weekly report's
    # working days): BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH; "none" for no holidays.
    holiday_state: str = "BE"
    # Nobody claims a waiting escalation within this time: it becomes a ticket.
    handoff_timeout_s: int = Field(default=300, ge=1)
    # The console warns when an agent has held a conversation longer than this (a forgotten claim).
    claim_warn_minutes: int = Field(default=20, ge=1, le=1440)
    # What promise a ticket comes with: an answer within this many service hours.
    ticket_response_hours: float = Field(default=8, gt=0)
    # Shown to employees when nobody's personal name should be ("Sie sind jetzt mit ... verbunden").
    team_name: str = "Service Desk"
    # Team figures of the weekly report (time to claim and to resolve) only when at least this many staff handled
    # escalations in the period (staff council practice); otherwise "zu wenige Daten".
    team_min_staff: int = Field(default=5, ge=1, le=1000)
    # Major incidents: agents create and edit; what employees see goes live when a lead publishes it. True lets an
    # agent publish too (smaller desks without a lead on duty).
    incident_agent_publish: bool = False
    # Articles and intents that always need a person (comma-separated).
    needs_person: CommaList = ("geraet-verloren", "virus-verdacht", "laptop-startet-nicht")
    _hours: ServiceHours = PrivateAttr()

    @field_validator("holiday_state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return "" if value.strip().lower() == "none" else value.strip().upper()

    @model_validator(mode="after")
    def _parse_hours(self) -> Handoff:
        """Parse the service hours once, at load."""
        try:
            self._hours = ServiceHours.parse(self.service_hours, self.timezone, self.holiday_state)
        except HoursError as exc:
            raise ValueError(
                f"SERVICEDESK_SERVICE_HOURS / SERVICEDESK_TIMEZONE / SERVICEDESK_HOLIDAY_STATE: {exc}"
            ) from None
        return self

    @property
    def hours(self) -> ServiceHours:
        """The parsed service hours in the desk's time zone."""
        return self._hours


class Retention(Part):
    """``SERVICEDESK_RETENTION_*``: how long each kind of record is kept before the purge deletes it (days).

    After its period only anonymous daily counts remain (``daily_counts``); the score of a CSAT rating is kept
    there, its comment and conversation go.
    """

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_RETENTION_")

    # Conversations, their messages and Rasa's tracker events of them.
    conversations_days: int = Field(default=30, ge=1, le=3650)
    # Escalations (details, summary, transcript, contact) and the built-in ticket store's chat copies.
    escalations_days: int = Field(default=90, ge=1, le=3650)
    # Questions in the editors' gap queue.
    gaps_days: int = Field(default=90, ge=1, le=3650)
    # The free-text comment of a CSAT rating (the score stays, counted anonymously).
    csat_comments_days: int = Field(default=30, ge=1, le=3650)
    # The access audit (who opened which escalation or transcript).
    audit_days: int = Field(default=365, ge=1, le=3650)
    # How often the purge runs (one web service instance at a time, by a lease in the database).
    purge_interval_s: int = Field(default=3600, ge=60, le=86400)


class Staff(Part):
    """The first admin account (created at the first start)."""

    admin_user: str = "admin"
    admin_password: SecretStr = SecretStr("")


class Requests(Part):
    """``SERVICEDESK_REQUESTS_*``: the structured requests (software, folder access, hardware, new staff)."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_REQUESTS_")

    # The catalogue the service desk edits (kinds, fields, software, shares and their owners, hardware); read
    # again when the file changes, so an edit needs neither a restart nor retraining.
    catalogue: ProjectPath = Path("settings/requests.yml")
    # An approval link works this long, once.
    approval_hours: int = Field(default=72, ge=1, le=720)


__all__ = [
    "ROOT",
    "Chat",
    "Handoff",
    "Identity",
    "KnowledgeSettings",
    "Records",
    "Requests",
    "Retention",
    "Servers",
    "Smtp",
    "Staff",
    "Tickets",
    "Zammad",
]
