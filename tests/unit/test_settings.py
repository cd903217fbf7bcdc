from pathlib import Path

import pytest

from knowledge.settings import ROOT, Settings, SettingsError


def test_defaults_are_loopback_and_documented_ports(tmp_path: Path) -> None:
    s = Settings.from_env(env={}, dotenv=tmp_path / "missing.env")
    assert (s.host, s.web_port, s.rasa_port, s.action_port) == ("127.0.0.1", 8000, 5005, 5055)
    assert s.rasa_url == "http://127.0.0.1:5005"
    assert s.article_url("vpn-fehler") == "http://127.0.0.1:8000/kb/vpn-fehler"


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nSERVICEDESK_WEB_PORT=8100\nSERVICEDESK_RASA_PORT=5100\n")
    s = Settings.from_env(env={"SERVICEDESK_WEB_PORT": "8200"}, dotenv=dotenv)
    assert s.web_port == 8200 and s.rasa_port == 5100


def test_relative_paths_resolve_against_project_root(tmp_path: Path) -> None:
    s = Settings.from_env(env={"SERVICEDESK_MODEL_PATH": "var/m"}, dotenv=tmp_path / "x")
    assert s.model_path == ROOT / "var" / "m"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SERVICEDESK_WEB_PORT": "abc"}, "SERVICEDESK_WEB_PORT"),
        ({"SERVICEDESK_WEB_PORT": "70000"}, "not a TCP port"),
        ({"SERVICEDESK_WEB_PORT": "5005"}, "ports must differ"),
        ({"SERVICEDESK_HOST": "0.0.0.0"}, "must bind to loopback"),
    ],
)
def test_bad_values_fail_loudly(tmp_path: Path, env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env=env, dotenv=tmp_path / "x")


def test_as_env_round_trips(tmp_path: Path) -> None:
    s = Settings.from_env(env={"SERVICEDESK_ACTION_PORT": "6055"}, dotenv=tmp_path / "x")
    assert Settings.from_env(env=s.as_env(), dotenv=tmp_path / "x") == s
