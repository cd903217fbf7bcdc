"""The key flows through nginx on two of each process (PostgreSQL, Redis): chat, handoff, live articles.

The helpers are the integration tests' own (the employee's chat client, the agent's login, the escalation dialogue,
the editor's article): the same flows, here on the cluster instead of the single stack.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from desk import csat
from desk.db import open_db
from scripts.cluster import INSTANCES, Cluster
from tests.cluster.conftest import NginxLog
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.employee import Employee
from tests.integration.test_handoff_stack import AGENT, Agent, escalate, own_id
from tests.integration.test_knowledge_live import BEAMER, EDITOR, QUESTION

pytestmark = pytest.mark.integration
ROUNDS = 6  # pairs of simultaneous messages, each pair a new conversation
PRINTER = "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen"


def slugs(replies: list[dict]) -> list[str]:
    """The articles the replies show."""
    return [((m.get("data") or {}).get("article") or {}).get("slug", "") for m in replies]


def public(cluster: Cluster) -> str:
    return cluster.settings.servers.web_url


def test_health_through_nginx_and_of_every_instance(cluster: Cluster) -> None:
    body = httpx.get(f"{public(cluster)}/health", timeout=10).json()
    assert body["status"] == "ok" and body["parts"]["live_updates"]["detail"] == "listening"
    for kind in ("web", "rasa", "actions"):
        for n in range(1, INSTANCES + 1):
            assert cluster.ready(kind, n), f"{kind}-{n}"


def test_a_chat_answer_through_nginx(cluster: Cluster, web_log: NginxLog, rasa_log: NginxLog) -> None:
    employee = Employee(cluster.settings, base_url=public(cluster))
    body = employee.send(PRINTER)
    replies = body["messages"]
    assert "Hat Ihnen das geholfen?" in employee.texts(replies)
    assert "drucker-druckt-nicht" in slugs(replies)
    # nginx passed it on: the web service behind the public port, a Rasa server behind the loopback proxy.
    assert set(web_log.upstreams("POST", "/api/chat/messages")) <= {f"127.0.0.1:{p}" for p in cluster.layout.web}
    assert len(rasa_log.upstreams("POST", "/webhooks/rest/webhook")) == 1


def test_one_conversation_alternates_between_the_instances(cluster: Cluster, rasa_log: NginxLog) -> None:
    """Its messages go to web-1 and web-2 in turn (addressed directly), and nginx sends them on to both Rasa
    servers: the dialogue continues as on one stack (tracker in PostgreSQL, the lock in Redis)."""
    web = [cluster.instance_url("web", n) for n in range(1, INSTANCES + 1)]
    employee = Employee(cluster.settings, base_url=web[0])
    turns = [
        (PRINTER, None, "Hat Ihnen das geholfen?"),
        ("/deny", "Nein", "Soll ich Ihr Anliegen an den Service Desk weitergeben?"),
        # the question of the first turn, from another web service and Rasa server, is remembered
        ("Ich möchte mit einem Mitarbeiter sprechen", None, f"Ich würde Ihr Anliegen so weitergeben: „{PRINTER}“"),
        ("/affirm", "Ja", "Wie dringend"),
        ("abbrechen", None, "ich gebe nichts weiter"),
    ]
    ids: list[int] = []
    for i, (text, label, expected) in enumerate(turns):
        employee.http.base_url = httpx.URL(web[i % len(web)])
        body = employee.send(text, label)
        assert expected in employee.texts(body["messages"]), (i, employee.texts(body["messages"]))
        ids += [body["user_message_id"], *(m["id"] for m in body["messages"])]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # one order of the conversation's messages
    answered = rasa_log.upstreams("POST", "/webhooks/rest/webhook")
    assert len(answered) >= len(turns)
    assert set(answered) == {f"127.0.0.1:{p}" for p in cluster.layout.rasa}  # both Rasa servers took turns


def test_two_messages_at_once_to_both_rasa_servers_are_both_kept(cluster: Cluster) -> None:
    """The lock store in Redis orders two turns of one conversation that arrive at two Rasa servers together.

    Without a shared lock (Rasa's in-memory one, tried) most rounds lose a turn or start the session twice; with
    Rasa's own Redis lock store 2 of 4 runs lost one (bot/lock_store.py).
    """
    rasa = [cluster.instance_url("rasa", n) for n in range(1, INSTANCES + 1)]
    texts = ["Mein Drucker druckt nicht", "Mein VPN verbindet nicht"]
    for round_ in range(ROUNDS):
        sender = f"cluster-lock-{round_}-{time.monotonic_ns()}"

        def say(url: str, text: str, sender: str = sender) -> list[dict]:
            resp = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
            resp.raise_for_status()
            return resp.json()

        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(say, rasa, texts))
        assert all(replies)
        tracker = httpx.get(f"{cluster.settings.servers.rasa_url}/conversations/{sender}/tracker", timeout=30).json()
        steps = [e.get("name") or e["event"] for e in tracker["events"] if e["event"] in ("user", "action")]
        # both turns kept, one session, and the first turn ended (action_listen) before the second was read
        assert steps.count("user") == 2 and steps.count("action_session_start") == 1, (round_, steps)
        first, second = [i for i, step in enumerate(steps) if step == "user"]
        assert "action_listen" in steps[first:second] and steps[-1] == "action_listen", (round_, steps)


def test_escalation_claim_messages_both_ways_resolve_and_csat(cluster: Cluster) -> None:
    """Employee and agent through nginx: each request may reach either web service; LISTEN/NOTIFY carries the news."""
    base = public(cluster)
    ensure_user(base, AGENT, ["agent"])
    agent = Agent(base, AGENT)
    employee = Employee(cluster.settings, base_url=base)
    escalate(employee)
    eid = own_id(agent, employee)
    assert agent.post(f"/api/escalations/{eid}/claim").status_code == 200
    employee.wait_for("Sie sind jetzt mit dem Service Desk verbunden")
    for n in range(3):  # several round trips, so both web services serve each side
        body = employee.send(f"Der Drucker zeigt Fehler 50.{n}")
        assert body["messages"] == [] and body["handoff"] == "claimed"
        said = agent.post(f"/api/escalations/{eid}/messages", json={"text": f"Bitte Schritt {n} ausführen."})
        assert said.status_code == 201
        employee.wait_for(f"Bitte Schritt {n} ausführen.")
    record = agent.http.get(f"/api/escalations/{eid}").json()
    mine = [m["text"] for m in record["messages"] if m["role"] == "user"]
    assert mine[-3:] == [f"Der Drucker zeigt Fehler 50.{n}" for n in range(3)]
    assert agent.post(f"/api/escalations/{eid}/resolve").status_code == 200
    employee.wait_for("Wie zufrieden sind Sie mit der Hilfe in diesem Gespräch?")
    reply = employee.send('/csat{"csat_score": "5"}', "😄 5 – sehr zufrieden")
    assert "Vielen Dank für Ihre Bewertung" in employee.texts(reply["messages"])
    rating = csat.rating_of(open_db(cluster.settings.records.db_url), employee.conversation_id)
    assert rating is not None and rating["score"] == 5 and rating["resolution_path"] == "agent"


def test_a_published_article_is_answered_in_the_chat_within_two_seconds(cluster: Cluster) -> None:
    """Published through nginx to one web service; the chat (web service, Rasa, action server, any of each)
    answers with it within 2 s: every instance follows the database."""
    base = public(cluster)

    def chat_shows_it() -> bool:
        employee = Employee(cluster.settings, base_url=base)
        try:
            replies = employee.send(QUESTION)["messages"]
        finally:
            employee.close()
        return BEAMER["slug"] in slugs(replies)

    ensure_user(base, EDITOR, ["editor"])
    editor = staff_client(base, EDITOR)
    try:
        assert not chat_shows_it()
        assert editor.post("/api/articles", json=BEAMER).status_code == 201
        resp = editor.post(f"/api/articles/{BEAMER['slug']}/publish", json={})
        published = time.monotonic()
        assert resp.status_code == 200 and resp.json()["status"] == "published"
        seen_after = None
        while seen_after is None and time.monotonic() - published < 2.0:
            sent = time.monotonic() - published
            if chat_shows_it():
                seen_after = sent
        assert seen_after is not None, "the chat did not answer with the new article within 2 s"
        # and then every time, whichever instances the next questions reach
        assert all(chat_shows_it() for _ in range(2 * INSTANCES))
    finally:
        editor.close()
