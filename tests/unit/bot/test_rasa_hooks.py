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
store = ServicedeskTrackerStore(dialect="sqlite", db=":memory:")
installed = getattr(RemoteAction._validate_action_result, "_servicedesk", False)
install_fast_action_validation()
print(json.dumps({"installed": installed, "good": action._validate_action_result(good),
                  "before": before, "after": error_of(bad), "store": type(store).__mro__[1].__name__}))
"""


def test_the_tracker_store_installs_the_same_validation_built_once() -> None:
    out = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", CHECK],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["installed"] is True and result["good"] is True and result["store"] == "SQLTrackerStore"
    assert result["before"] is not None and result["after"] == result["before"]  # a bad response is still refused
