"""Tickets in Zammad over its REST API; a row in the local register finds them again."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from desk.db import aware
from desk.tickets import register
from desk.tickets.base import TicketDraft, TicketError, TicketRef, TicketStatus

# Zammad's default states in our words; custom states keep their own name.
_STATE_NAMES = {
    "new": "open",
    "open": "open",
    "pending reminder": "in_progress",
    "pending close": "in_progress",
    "closed": "closed",
    "merged": "closed",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ZammadTicketSink:
    """Creates tickets with ``POST /api/v1/tickets`` and asks Zammad for their state."""

    name = "zammad"

    def __init__(
        self,
        engine: Engine,
        *,
        base_url: str,
        token: str,
        group: str,
        customer: str,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        """``customer`` is a Zammad login or an e-mail address (then looked up or created by Zammad)."""
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.group = group
        self.customer = customer.strip()
        self.timeout = timeout
        self._token = token
        self._owns_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=timeout)

    def create(self, draft: TicketDraft) -> TicketRef:
        """Create the ticket with a first public note, then register it locally."""
        title, body = draft.title[:200], draft.body()
        payload: dict[str, Any] = {
            "title": title,
            "group": draft.group or self.group,
            "article": {
                "subject": title,
                "body": body,
                "type": "note",
                "internal": False,
                "content_type": "text/plain",
            },
        }
        if draft.attachments:
            payload["article"]["attachments"] = [
                {"filename": a.filename, "data": base64.b64encode(a.content).decode("ascii"), "mime-type": a.media_type}
                for a in draft.attachments
            ]
        if draft.tags:
            payload["tags"] = ",".join(draft.tags)  # documented: one comma-separated string
        for f in draft.fields:
            if f.attribute:
                payload[f.attribute] = f.value  # a custom ticket attribute is a top-level ticket field
        if _EMAIL.match(self.customer):
            # "guess:" lets Zammad find the customer by address, or create one.
            payload["customer_id"] = f"guess:{self.customer}"
        elif self.customer:
            payload["customer"] = self.customer
        data = self._call("POST", "/api/v1/tickets", json=payload)
        ext_id, number = _text(data.get("id")), _text(data.get("number"))
        if not ext_id or not number:
            raise TicketError("Zammad answered without ticket id and number")
        with self.engine.begin() as conn:
            register.add(
                conn,
                sink=self.name,
                draft=draft,
                status="open",
                number=number,
                external_id=ext_id,
                title=title,
                body=body,
            )
        return TicketRef(number=number, sink=self.name, external_id=ext_id)

    def status(self, number: str) -> TicketStatus | None:
        """Zammad's current state of a ticket this sink created; ``None`` for other numbers."""
        row = register.find(self.engine, self.name, number)
        if row is None:
            return None
        data = self._call("GET", f"/api/v1/tickets/{row.external_id}", params={"expand": "true"})
        state = data.get("state")
        if not isinstance(state, str) or not state.strip():
            raise TicketError("Zammad answered without a ticket state")
        title = data.get("title")
        return TicketStatus(
            number=row.number,
            state=_STATE_NAMES.get(state.strip().lower(), state.strip()),
            title=title if isinstance(title, str) and title else row.title,
            updated_at=_timestamp(data.get("updated_at")) or aware(row.updated_at),
        )

    def close(self) -> None:
        """Release the HTTP connections (only those of a client this sink made itself)."""
        if self._owns_client:
            self.client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API request; every way it can go wrong becomes a :class:`TicketError`."""
        headers = {"Authorization": f"Token token={self._token}", "Accept": "application/json"}
        try:
            resp = self.client.request(method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise TicketError(self._scrub(f"Zammad {method} {path}: {type(exc).__name__}: {exc}")) from None
        if not resp.is_success:
            raise TicketError(self._scrub(f"Zammad {method} {path}: HTTP {resp.status_code}{_reason(resp)}"))
        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TicketError(f"Zammad {method} {path}: answer is not a JSON object")
        return data

    def _scrub(self, text: str) -> str:
        # Messages end up in logs and the console; the token must never travel with them.
        return text.replace(self._token, "***") if self._token else text


def _reason(resp: httpx.Response) -> str:
    """Zammad's short ``error`` text, if it sent one."""
    try:
        error = resp.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return f" ({str(error)[:200]})" if error else ""


def _text(value: object) -> str:
    """An id or number from JSON (Zammad sends ids as numbers, ticket numbers as strings)."""
    return str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""


def _timestamp(value: object) -> datetime | None:
    """Zammad's ISO timestamps (``2024-05-02T08:15:00.123Z``)."""
    try:
        return aware(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None
