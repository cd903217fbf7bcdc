"""``/api/insights/summary`` (+ ``.csv``) and the printable week on the hand-built week of 20 conversations."""

from __future__ import annotations

import pytest

from tests.unit.desk.report_fixture import EXPECTED, NOW, build
from tests.unit.web.test_console_api import FakeRasa, agent, login
from web.insights import routes

WEEK = "?from=2026-12-21&to=2026-12-27"


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
async def lead(app, desk, monkeypatch) -> dict[str, str]:  # noqa: ANN001
    monkeypatch.setattr(routes, "clock", lambda: NOW)
    build(desk.engine)
    agent(desk, "lena", ("lead",))
    return await login(app, "lena", "agent-password-1")


async def test_the_summary_api_counts_the_hand_built_week(app, lead) -> None:  # noqa: ANN001
    _, resp = await app.asgi_client.get("/api/insights/summary" + WEEK, headers=lead)
    assert resp.status == 200, resp.text
    found = resp.json["self_service"]
    assert {k: found[k] for k in EXPECTED} == EXPECTED
    assert found["holiday_state"] == "BE" and found["return_working_days"] == 3
    assert resp.json["team"] == {"shown": False, "min_staff": 5}
    assert resp.json["csat"]["target"] == 0.96 and resp.json["gaps"]["queue"] == "/editor/#/gaps"

    _, resp = await app.asgi_client.get("/api/insights/summary.csv" + WEEK, headers=lead)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "Selbstlösungsquote (%);35,0" in resp.text and "zu wenige Daten" in resp.text

    _, resp = await app.asgi_client.get("/api/insights/summary?from=2026-12-27&to=2026-12-21", headers=lead)
    assert resp.status == 400 and resp.json["code"] == "insights.order"


async def test_the_printable_week(app, desk, lead) -> None:  # noqa: ANN001
    _, resp = await app.asgi_client.get("/insights/report?week=2026-W52", headers=lead)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "Wochenbericht 2026-W52" in page and "2026-12-21 bis 2026-12-27" in page
    assert '<span class="big" id="rate">35,0\u00a0%</span>' in page and "@page{size:A4" in page
    assert "zu wenige Daten" in page and 'href="/editor/#/gaps"' in page and "Feiertage in BE" in page
    _, resp = await app.asgi_client.get("/insights/report?week=2026-W52&lang=en", headers=lead)
    assert "Weekly report 2026-W52" in resp.text and "35.0\u00a0%" in resp.text
    _, resp = await app.asgi_client.get("/insights/report", headers=lead)  # the last complete week before NOW
    assert resp.status == 200 and "Wochenbericht 2026-W52" in resp.text

    for bad in ("2026-W54", "49", "2026-W49<script>"):
        _, resp = await app.asgi_client.get(f"/insights/report?week={bad}", headers=lead)
        assert resp.status == 400 and "JJJJ-Www" in resp.text and "<script>" not in resp.text
    agent(desk, "arne")
    other = await login(app, "arne", "agent-password-1")
    _, resp = await app.asgi_client.get("/insights/report?week=2026-W52", headers=other)
    assert resp.status == 403
    _, resp = await app.asgi_client.get("/api/insights/summary" + WEEK, headers=other)
    assert resp.status == 403


async def test_the_printable_week_asks_for_a_login(app) -> None:  # noqa: ANN001
    _, resp = await app.asgi_client.get("/insights/report?week=2026-W52")
    assert resp.status == 401 and "melden Sie sich" in resp.text and 'href="/insights/"' in resp.text
