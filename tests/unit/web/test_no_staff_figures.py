"""No figure per agent (staff council): every insights page, API and CSV is free of staff names, logins and ids.

The data are real handoffs: agents with distinctive names and account ids claim, answer and resolve escalations,
and employees rate them with comments that name the agent. Every GET route of the insights surface is walked
(a new endpoint is checked the day it is added); the console, which must show who holds a conversation, proves
that the data do carry the names the insights must not.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from desk import accounts, csat
from desk.db import users
from settings import Settings
from tests.unit.web.test_console_api import FakeRasa, conversation_of, employee_says, login, queue

STAFF = {  # username: (display name, account id)
    "quendolin.k": ("Quendolin Kastanie", 7301946),
    "ruprecht.z": ("Ruprecht Zinnober", 8402057),
}
LEAD = ("leonore.p", "Leonore Pfefferminz", 9503168)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def desk_settings(desk_settings: Settings) -> Settings:
    """Team figures from two staff on, so the weekly report's claim and resolve times are shown and walked too."""
    return desk_settings.override(SERVICEDESK_TEAM_MIN_STAFF="2")


def needles() -> list[str]:
    found = [LEAD[0], LEAD[1], str(LEAD[2])]
    for username, (name, account_id) in STAFF.items():
        found += [username, name, *name.split(), str(account_id)]
    return found


def staff_account(desk, username: str, name: str, account_id: int, role: str) -> None:  # noqa: ANN001
    accounts.create_user(desk.engine, username=username, password="staff-password-1", roles=(role,), display_name=name)
    with desk.engine.begin() as conn:  # ids that cannot be mistaken for a count
        conn.execute(update(users).where(users.c.username == username).values(id=account_id))


def insights_routes(app) -> list[str]:  # noqa: ANN001
    """Every GET route of the insights surface without path parameters (pages, APIs, downloads)."""
    return sorted(
        "/" + route.path
        for route in app.router.routes
        if "GET" in route.methods and "<" not in route.path and route.path.startswith(("insights", "api/insights"))
    )


async def test_no_insights_page_api_or_csv_names_a_staff_member(app, desk) -> None:
    _, resp = await app.asgi_client.get("/api/auth/me")  # the app starts
    assert resp.status == 401
    for username, (name, account_id) in STAFF.items():
        staff_account(desk, username, name, account_id, "agent")
    staff_account(desk, *LEAD, "lead")
    sessions = {u: await login(app, u, "staff-password-1") for u in STAFF}
    records = []
    for n, username in enumerate(list(STAFF) * 3):
        auth, _ = await employee_says(app, f"Drucker {n} streikt")
        cid = conversation_of(desk, auth)
        esc = queue(desk, cid)
        agent = sessions[username]
        for step in ("claim", "messages", "resolve"):
            body = {"text": f"Hier ist {STAFF[username][0]}, ich helfe gern."} if step == "messages" else None
            _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/{step}", json=body, headers=agent)
            assert resp.status in (200, 201), resp.json
        records.append((await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=agent))[1].text)
        assert csat.mark_asked(desk.engine, cid, "agent")
        assert csat.store_rating(desk.engine, conversation_id=cid, score=5, path="agent", articles=[], language="de")
        name = STAFF[username][0]
        assert csat.add_comment(desk.engine, cid, f"{name} ({username}, Konto {STAFF[username][1]}) war super")

    # The detector works: the console, which must say who holds a conversation, shows the names.
    assert all(any(name in record for record in records) for name, _ in STAFF.values())

    lead = await login(app, LEAD[0], "staff-password-1")
    today = date.today()
    period = f"?from={(today - timedelta(days=30)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    walked = insights_routes(app)
    assert {
        "/insights",
        "/insights/report",
        "/api/insights/csat",
        "/api/insights/csat.csv",
        "/api/insights/summary",
        "/api/insights/summary.csv",
    } <= set(walked)
    leaks = {}
    for path in walked:
        _, resp = await app.asgi_client.get(path + period, headers=lead)
        assert resp.status == 200, (path, resp.text[:200])
        found = [n for n in needles() if n.lower() in resp.text.lower()]
        if found:
            leaks[path] = found
    assert leaks == {}
    # Not vacuous: the figures did count the six rated handoffs.
    _, resp = await app.asgi_client.get("/api/insights/csat" + period, headers=lead)
    assert resp.json["by_path"]["agent"]["answered"] == 6
    _, resp = await app.asgi_client.get("/api/insights/summary" + period, headers=lead)
    team = resp.json["team"]
    assert team["shown"] and team["claimed"] == 6 and team["resolved"] == 6, team  # the team figures were walked
    assert resp.json["self_service"]["escalated"] == 6
