"""An employee at the chat through the web service's API, as the widget talks to it (tests of the real stack)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from desk import conversations
from desk.db import open_db
from desk.identity import read_session
from settings import Settings


class Employee:
    """One browser: a chat session (Bearer token, as the widget keeps it) and the last message id seen."""

    def __init__(self, settings: Settings, base_url: str | None = None, timeout: float = 60) -> None:
        """``base_url``: another web instance on the same records (default: the stack's own)."""
        self.settings = settings
        self.http = httpx.Client(base_url=base_url or settings.servers.web_url, timeout=timeout)
        resp = self.http.post("/api/chat/session", json={})
        assert resp.status_code == 200, resp.text
        self.token = resp.json()["session"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.last = 0

    def send(self, text: str, label: str | None = None) -> dict[str, Any]:
        """Post a message (typed, or a button's payload with its label); the whole answer."""
        resp = self.http.post("/api/chat/messages", json={"text": text, "label": label or text})
        assert resp.status_code == 200, f"POST /api/chat/messages {text!r} -> {resp.status_code} {resp.text}"
        body = resp.json()
        self.last = max([self.last, body["user_message_id"], *(m["id"] for m in body["messages"])])
        return body

    def say(self, text: str, label: str | None = None) -> list[dict[str, Any]]:
        """Post a message; the replies."""
        return self.send(text, label)["messages"]

    @staticmethod
    def texts(replies: list[dict[str, Any]]) -> str:
        """The replies' texts, one a line."""
        return "\n".join(m.get("text", "") for m in replies)

    def wait_for(self, needle: str, timeout: float = 40) -> list[dict[str, Any]]:
        """Long-poll the events until a message containing ``needle`` arrives; everything seen until then."""
        deadline = time.monotonic() + timeout
        seen: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            resp = self.http.get("/api/chat/events", params={"after": self.last})
            resp.raise_for_status()
            for m in resp.json()["messages"]:
                self.last = max(self.last, m["id"])
                seen.append(m)
                if needle in m["text"]:
                    return seen
        raise AssertionError(f"{needle!r} not received; got {[m['text'] for m in seen]}")

    @property
    def conversation_id(self) -> str:
        """The id Rasa and the console know (the client never sees it): looked up as the server does."""
        secret = self.settings.records.secret_key.get_secret_value().encode()
        session = read_session(secret, self.token)
        assert session is not None
        found = conversations.current(open_db(self.settings.records.db_url), session.user(secret))
        assert found is not None
        return found

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()
