"""The widget's incident banner API: published titles of active incidents only, live, and a setting to stop it."""

from __future__ import annotations

import asyncio
import time

import pytest

from desk import incidents
from desk.accounts import Account
from desk.incidents import Draft
from tests.unit.web.test_console_api import FakeRasa

LEAD = Account(id=2, username="lead1", display_name="Lea", roles=("lead",))
MAIL = Draft(title="E-Mail-Versand gestört", symptoms="Outlook hängt", status_text="Interner Stand", workaround="x")


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


async def banner(app, query: str = "") -> dict:
    _, resp = await app.asgi_client.get("/api/chat/incidents" + query)
    assert resp.status == 200, resp.json
    assert resp.headers["cache-control"] == "no-store"
    return resp.json


async def test_only_the_published_title_of_an_active_incident_is_shown(app, desk) -> None:
    iid = incidents.create(desk.engine, MAIL, account=LEAD)
    assert (await banner(app))["incidents"] == []  # a draft is not shown
    incidents.publish(desk.engine, iid, account=LEAD)
    shown = await banner(app)
    assert shown["shown"] is True
    assert shown["incidents"] == [{"id": iid, "title": "E-Mail-Versand gestört"}]  # no internal field
    incidents.edit(desk.engine, iid, Draft(title="Noch nicht freigegeben", symptoms="s", status_text="t"), account=LEAD)
    assert (await banner(app))["incidents"][0]["title"] == "E-Mail-Versand gestört"  # an edit waits for a publish
    incidents.resolve(desk.engine, iid, text="Behoben.", account=LEAD)
    after = await banner(app)
    assert after["incidents"] == [] and after["revision"] > shown["revision"]


async def test_a_long_poll_answers_when_an_incident_is_published(app, desk) -> None:
    iid = incidents.create(desk.engine, MAIL, account=LEAD)
    revision = (await banner(app))["revision"]

    async def publish_soon() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(incidents.publish, desk.engine, iid, account=LEAD)

    started = time.monotonic()
    publishing = asyncio.create_task(publish_soon())
    found = await banner(app, f"?after={revision}")
    await publishing
    assert found["incidents"] == [{"id": iid, "title": "E-Mail-Versand gestört"}]
    assert time.monotonic() - started < 3  # woken by the change, not by the long-poll's end (25 s)


async def test_the_banner_can_be_turned_off_and_bad_input_is_a_400(app, desk) -> None:
    iid = incidents.create(desk.engine, MAIL, account=LEAD)
    incidents.publish(desk.engine, iid, account=LEAD)
    _, resp = await app.asgi_client.get("/api/chat/incidents?after=x")
    assert resp.status == 400
    app.ctx.settings = app.ctx.settings.override(SERVICEDESK_INCIDENT_BANNER="false")
    assert await banner(app) == {"shown": False, "revision": 0, "incidents": []}
