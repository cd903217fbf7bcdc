"""``/api/incidents/surges`` through Sanic's test client, fed by the web service's own detection job (``run_once``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk.db import now
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import stand_in_kb
from tests.unit.desk.test_surges import BEEP, TopicEmbedder, burst
from tests.unit.web.test_console_api import FakeRasa, agent, login
from web.incidents.surge_job import run_once

PASSWORD = "agent-password-1"


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


def detect(desk, settings) -> None:  # noqa: ANN001 - fixtures
    burst(desk.engine, BEEP, 16, 11, now() - timedelta(minutes=6))
    knowledge = StaticKnowledgeSource(stand_in_kb(TopicEmbedder()))
    done = run_once(LazyDesk.ready(desk), knowledge, settings, holder="unit")
    assert done is not None and done.open == 1
    assert run_once(LazyDesk.ready(desk), knowledge, settings, holder="other") is None  # the lease is taken


async def test_agents_see_the_open_surge_and_dismiss_it_for_good(app, desk, desk_settings) -> None:
    detect(desk, desk_settings)
    agent(desk, "anna")
    anna = await login(app, "anna", PASSWORD)
    _, resp = await app.asgi_client.get("/api/incidents/surges", headers=anna)
    assert resp.status == 200, resp.json
    assert resp.json["window_minutes"] == 10
    (found,) = resp.json["surges"]
    assert (found["count"], found["conversations"]) == (16, 11)
    assert found["trend"]["direction"] in ("rising", "steady", "falling") and sum(found["trend"]["per_minute"]) == 16
    assert found["suggestion"]["title"] == found["label"] and "piept" in found["label"]

    url = f"/api/incidents/surges/{found['id']}/dismiss"
    _, resp = await app.asgi_client.post(url, headers={"cookie": anna["cookie"]})
    assert resp.status == 403  # no CSRF token
    _, resp = await app.asgi_client.post(url, headers=anna)
    assert resp.status == 200 and resp.json == {"id": found["id"], "dismissed": True, "changed": True}
    _, resp = await app.asgi_client.post(url, headers=anna)
    assert resp.status == 200 and resp.json["changed"] is False
    _, resp = await app.asgi_client.get("/api/incidents/surges", headers=anna)
    assert resp.json["surges"] == []
    _, resp = await app.asgi_client.post("/api/incidents/surges/999/dismiss", headers=anna)
    assert resp.status == 404 and resp.json["code"] == "incident.surge_not_found"
    assert "ähnliche Anfragen" in resp.json["error"] and "similar requests" in resp.json["error_en"]


async def test_only_agents_and_leads_see_surges(app, desk) -> None:
    _, resp = await app.asgi_client.get("/api/incidents/surges")
    assert resp.status == 401
    agent(desk, "eddi", ("editor",))
    _, resp = await app.asgi_client.get("/api/incidents/surges", headers=await login(app, "eddi", PASSWORD))
    assert resp.status == 403
    agent(desk, "lea", ("lead",))
    _, resp = await app.asgi_client.get("/api/incidents/surges", headers=await login(app, "lea", PASSWORD))
    assert resp.status == 200 and resp.json["surges"] == []
