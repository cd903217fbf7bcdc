"""The Rasa server's own hooks run in Rasa's environment (Python 3.10): checked there, in a subprocess."""

from __future__ import annotations

import json
import subprocess

from settings import ROOT

CHECK = """
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot.rasa_hooks import ServicedeskTrackerStore, install_fast_action_validation

action = RemoteAction("action_respond", None)
good = {"events": [{"event": "slot", "name": "kb_stage", "value": "answered"}],
        "responses": [{"text": "hi", "buttons": [{"title": "x", "payload": "/affirm"}]}]}
bad = {"events": [{"event": "slot"}], "responses": "not a list"}

def error_of(result):
    try:
        action._validate_action_result(result)
    except ValidationError as exc:
        return exc.message
    return None

before = error_of(bad)
import tempfile, os
db = os.path.join(tempfile.mkdtemp(), "tracker.db")
store = ServicedeskTrackerStore(dialect="sqlite", db=db)
with store.engine.connect() as conn:
    modes = [conn.exec_driver_sql("PRAGMA journal_mode").scalar(), conn.exec_driver_sql("PRAGMA synchronous").scalar()]
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import UserUttered
import asyncio
tracker = DialogueStateTracker.from_events("conv-1", [UserUttered("Drucker")])
asyncio.run(store.save(tracker))
modes.append(len(asyncio.run(store.retrieve("conv-1")).events))
modes.append(store.engine.pool.__class__.__name__)
installed = getattr(RemoteAction._validate_action_result, "_servicedesk", False)
install_fast_action_validation()
print(json.dumps({"installed": installed, "good": action._validate_action_result(good),
                  "before": before, "after": error_of(bad), "store": type(store).__mro__[1].__name__, "modes": modes}))
"""


def run_in_rasa(script: str) -> dict:
    """Run ``script`` with Rasa's Python; its last line of output is JSON."""
    out = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_tracker_store_installs_the_same_validation_built_once() -> None:
    result = run_in_rasa(CHECK)
    assert result["installed"] is True and result["good"] is True and result["store"] == "SQLTrackerStore"
    assert result["before"] is not None and result["after"] == result["before"]  # a bad response is still refused
    # write-ahead, synchronous=NORMAL, one kept connection; saving and reading a tracker still work
    assert result["modes"] == ["wal", 1, 1, "SingletonThreadPool"]


CONNECTIONS = """
import asyncio, json
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
from bot.action_connections import install_kept_action_connections

async def main():
    peers = []
    async def webhook(request):
        peers.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": [{"text": str(len(peers))}]})
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
    before = [await endpoint.request(json={"n": i}) for i in range(4)]
    fresh = len(set(peers))
    peers.clear()
    install_kept_action_connections()
    after = [await endpoint.request(json={"n": i}) for i in range(4)]
    await runner.cleanup()
    print(json.dumps({"fresh": fresh, "kept": len(set(peers)), "replies": [r["responses"][0]["text"] for r in after]}))

asyncio.run(main())
"""


def test_rasa_calls_the_action_server_over_one_kept_connection() -> None:
    result = run_in_rasa(CONNECTIONS)
    assert result["fresh"] == 4  # Rasa's own way: a new connection per call
    assert result["kept"] == 1 and result["replies"] == ["1", "2", "3", "4"]  # same replies, one connection


REDACT = """
import asyncio, json, os, sqlite3, stat, tempfile
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.rasa_hooks import ServicedeskTrackerStore

db = os.path.join(tempfile.mkdtemp(), "tracker.db")
store = ServicedeskTrackerStore(dialect="sqlite", db=db)
typed = "Ich bin Anna Schmidt, anna.schmidt@stadt.example, Tel. 030 1234567, Fehler 0x80070005"
parse = {"text": typed, "intent": {"name": "ask_it", "confidence": 0.9},
         "entities": [{"entity": "email", "value": "anna.schmidt@stadt.example", "start": 0, "end": 5}]}
tracker = DialogueStateTracker.from_events("conv-r", [
    UserUttered(typed, parse_data=parse),
    SlotSet("esc_description", "Rückruf unter 030 1234567"),
    SlotSet("esc_contact", "anna.schmidt@stadt.example"),
    BotUttered("Sie schrieben: anna.schmidt@stadt.example"),
])
asyncio.run(store.save(tracker))
rows = [json.loads(r[0]) for r in sqlite3.connect(db).execute("SELECT data FROM events ORDER BY id")]
back = asyncio.run(store.retrieve("conv-r"))
print(json.dumps({"rows": rows, "mode": oct(stat.S_IMODE(os.stat(db).st_mode)),
                  "intent": back.latest_message.intent.get("name"), "text": back.latest_message.text}))
"""


def test_the_tracker_store_keeps_redacted_text_and_the_contact_slot() -> None:
    result = run_in_rasa(REDACT)
    stored = json.dumps(result["rows"])
    user = next(r for r in result["rows"] if r["event"] == "user")
    assert user["text"] == "Ich bin [Name], [E-Mail], Tel. [Telefon], Fehler 0x80070005"
    assert user["parse_data"]["text"] == user["text"] and user["parse_data"]["entities"][0]["value"] == "[E-Mail]"
    assert user["parse_data"]["intent"]["name"] == "ask_it"  # what Rasa understood is kept
    assert next(r for r in result["rows"] if r["event"] == "bot")["text"] == "Sie schrieben: [E-Mail]"
    assert "1234567" not in stored and "Schmidt" not in stored.replace("anna.schmidt@stadt.example", "")
    # the form's explicit contact field is the one exception; the description is redacted
    slots = {r["name"]: r["value"] for r in result["rows"] if r["event"] == "slot"}
    assert slots == {"esc_description": "Rückruf unter [Telefon]", "esc_contact": "anna.schmidt@stadt.example"}
    assert result["intent"] == "ask_it" and result["text"] == user["text"]
    assert result["mode"] == "0o600"
