"""Inside Rasa (its environment, in a subprocess): each message runs with its request id; Rasa's handlers log JSON."""

from __future__ import annotations

from tests.unit.bot.test_rasa_hooks import run_in_rasa

CHECK = """
import asyncio, io, json, logging
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from ops import logs

seen = []
async def stub(self, message):
    logging.getLogger("rasa.core.processor").info("handled")
    seen.append(logs.current_request_id())
MessageProcessor.handle_message = stub  # stands in for Rasa's own, which needs a model

stream = io.StringIO()
handler = logging.StreamHandler(stream)
logging.getLogger().handlers[:] = [handler]
logging.getLogger().setLevel(logging.INFO)
from bot.log_context import install_request_ids
install_request_ids("json")
install_request_ids("json")  # idempotent: wrapped once
for metadata in ({"request_id": "turn-0001-abcdef"}, {"request_id": "not an id"}, None):
    asyncio.run(MessageProcessor.handle_message(None, UserMessage("Drucker", sender_id="c-1", metadata=metadata)))
lines = [json.loads(line) for line in stream.getvalue().splitlines()]
print(json.dumps({"seen": seen, "lines": lines, "filters": len(handler.filters)}))
"""


def test_rasa_handles_each_message_with_its_request_id_and_logs_json_lines() -> None:
    out = run_in_rasa(CHECK)
    assert out["seen"] == ["turn-0001-abcdef", "", ""]
    assert out["filters"] == 1
    assert [(line["process"], line["request_id"], line["message"]) for line in out["lines"]] == [
        ("rasa", "turn-0001-abcdef", "handled"),
        ("rasa", None, "handled"),
        ("rasa", None, "handled"),
    ]
