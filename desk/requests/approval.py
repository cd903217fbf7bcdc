"""Approval links and mails: a signed, expiring link that decides a request once.

The link carries a JWT (PyJWT, HS256 pinned) signed with a key derived from the installation secret: the request
id, a random nonce and the expiry. The records keep only the nonce's SHA-256; the decision clears it, so a link
works once, and a new link for the same request replaces the old one. Opening the link only shows the request
(mail scanners open links); the decision is a POST of the page (``web/requests``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import smtplib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import jwt
from sqlalchemy import Engine

from desk.identity import ALGORITHM
from desk.requests import records
from desk.requests.catalogue import Kind, Person
from desk.requests.records import ServiceRequest
from texts import text

AUDIENCE = "servicedesk:request-approval"
PATH = "/antraege/freigabe"
MAX_TOKEN = 1000  # characters; a real link's token is about 250


class LinkRefused(Exception):
    """A link that must not decide anything: ``code`` is forged, expired, used or approver; ``status`` the HTTP one."""

    def __init__(self, code: str, status: int) -> None:
        """``code`` names the refusal page's text (``request.refused.<code>``)."""
        super().__init__(code)
        self.code = code
        self.status = status


def _key(secret: bytes) -> bytes:
    # A key of its own, derived from the installation secret (like the chat sessions' key).
    return hmac.new(secret, b"request-approval-key", hashlib.sha256).digest()


def nonce_hash(nonce: str) -> str:
    """What the records keep of a link's nonce."""
    return hashlib.sha256(nonce.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    """A new approval link: the token for the URL, and what the records keep."""

    token: str
    nonce_hash: str
    expires_at: datetime


def issue(secret: bytes, request_id: int, ttl_s: int, at: float | None = None) -> Link:
    """A signed link token for ``request_id`` that expires after ``ttl_s`` seconds."""
    moment = int(time.time() if at is None else at)
    nonce = secrets.token_urlsafe(24)
    claims = {"r": request_id, "n": nonce, "iat": moment, "exp": moment + ttl_s, "aud": AUDIENCE}
    token = jwt.encode(claims, _key(secret), algorithm=ALGORITHM)
    return Link(token, nonce_hash(nonce), datetime.fromtimestamp(moment + ttl_s, UTC))


def check(engine: Engine, secret: bytes, token: str) -> tuple[ServiceRequest, str]:
    """The request a link may decide, and its nonce hash; :class:`LinkRefused` for any other link.

    No token: 400. Forged or malformed: 403. Expired: 410. Used (decided already, or replaced by a newer link): 410.
    """
    if not token:
        raise LinkRefused("forged", 400)
    if len(token) > MAX_TOKEN:
        raise LinkRefused("forged", 403)
    try:
        claims = jwt.decode(
            token.strip(),
            _key(secret),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "r", "n"]},
        )
    except jwt.ExpiredSignatureError:
        raise LinkRefused("expired", 410) from None
    except jwt.PyJWTError:
        raise LinkRefused("forged", 403) from None
    rid, nonce = claims.get("r"), claims.get("n")
    if not isinstance(rid, int) or isinstance(rid, bool) or not isinstance(nonce, str):
        raise LinkRefused("forged", 403)
    found = records.get(engine, rid)
    if found is None:
        raise LinkRefused("forged", 403)
    digest = nonce_hash(nonce)
    if found.status != "waiting_approval" or not hmac.compare_digest(found.approval_nonce or "", digest):
        raise LinkRefused("used", 410)
    return found, digest


def url(public_url: str, token: str) -> str:
    """The link in the mail."""
    return f"{public_url.rstrip('/')}{PATH}?t={token}"


def field_lines(kind: Kind, request: ServiceRequest, language: str) -> list[str]:
    """``Label: value`` for each answered field, as the approver and the desk read them."""
    return [
        f"{f.label.get(language)}: {kind.shown(f.name, request.fields[f.name], language)}"
        for f in kind.fields
        if request.fields.get(f.name)
    ]


def mail(*, kind: Kind, request: ServiceRequest, person: Person, link: str, sender: str, hours: int) -> EmailMessage:
    """The approval request to ``person``: German first, then English; the link and nothing to click but it."""
    msg = EmailMessage()
    msg["Subject"] = text("request.mail.subject", "de", kind=kind.label("de"), number=request.number)
    msg["From"] = sender
    msg["To"] = person.email
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg["X-Servicedesk-Request"] = request.number
    parts = []
    for language in ("de", "en"):
        lines = [
            text("request.mail.greeting", language, name=person.name),
            "",
            text("request.mail.intro", language, kind=kind.label(language), number=request.number),
            "",
            *(f"  {line}" for line in field_lines(kind, request, language)),
            "",
            text("request.mail.link", language, hours=hours),
            link,
        ]
        parts.append("\n".join(lines))
    msg.set_content("\n\n-- English --\n\n".join(parts), charset="utf-8", cte="quoted-printable")
    return msg


class SmtpMailer:
    """Sends mail through the SMTP relay of the settings (``SERVICEDESK_SMTP_*``)."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        """An SMTP relay without authentication (the mail server inside the administration's network)."""
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, msg: EmailMessage) -> None:
        """Deliver; raises ``OSError`` (``smtplib.SMTPException``) when the relay does not take it."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(msg, from_addr=self.sender, to_addrs=[str(msg["To"])])
