from pathlib import Path

import pytest

from settings import ROOT, Servers, Settings, SettingsError


def test_defaults_are_loopback_and_documented_ports(tmp_path: Path) -> None:
    s = Settings.load(env={}, dotenv=tmp_path / "missing.env")
    servers = s.servers
    assert (servers.host, servers.web_port, servers.rasa_port, servers.action_port) == ("127.0.0.1", 8000, 5005, 5055)
    assert servers.rasa_url == "http://127.0.0.1:5005"
    assert servers.article_url("vpn-fehler") == "http://127.0.0.1:8000/kb/vpn-fehler"
    assert s.handoff.hours.is_open is not None and str(s.handoff.hours.tz) == "Europe/Berlin"  # parsed at load


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nSERVICEDESK_WEB_PORT=8100\nSERVICEDESK_RASA_PORT='5100'\n")
    s = Settings.load(env={"SERVICEDESK_WEB_PORT": "8200"}, dotenv=dotenv)
    assert s.servers.web_port == 8200 and s.servers.rasa_port == 5100


def test_relative_paths_resolve_against_project_root(tmp_path: Path) -> None:
    s = Settings.load(env={"SERVICEDESK_MODEL_PATH": "var/m"}, dotenv=tmp_path / "x")
    assert s.knowledge.model_path == ROOT / "var" / "m"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SERVICEDESK_WEB_PORT": "abc"}, "SERVICEDESK_WEB_PORT='abc'"),
        ({"SERVICEDESK_WEB_PORT": "70000"}, "SERVICEDESK_WEB_PORT='70000'"),
        ({"SERVICEDESK_WEB_PORT": "5005"}, "ports must differ"),
        (
            {"SERVICEDESK_HOST": "0.0.0.0"},
            "SERVICEDESK_HOST='0.0.0.0': Rasa and the action server must bind to loopback",
        ),
        ({"SERVICEDESK_LONG_POLL_S": "0"}, "SERVICEDESK_LONG_POLL_S"),
        ({"SERVICEDESK_DATABASE_POOL_SIZE": "0"}, "SERVICEDESK_DATABASE_POOL_SIZE='0'"),
        ({"SERVICEDESK_SMTP_FROM": "x", "SERVICEDESK_SMTP_PORT": "none"}, "SERVICEDESK_SMTP_PORT"),
        ({"SERVICEDESK_TICKET_SINK": "jira"}, "SERVICEDESK_TICKET_SINK='jira'"),
        ({"SERVICEDESK_TICKET_SINK": "zammad"}, "needs SERVICEDESK_ZAMMAD_URL, _TOKEN and _CUSTOMER"),
        ({"SERVICEDESK_SERVICE_HOURS": "Mo-Fr 16:00-07:30"}, "SERVICEDESK_SERVICE_HOURS"),
        ({"SERVICEDESK_TIMEZONE": "Europe/Nowhere"}, "unknown time zone"),
        ({"SERVICEDESK_TRUSTED_PROXIES": "proxy.intern"}, "SERVICEDESK_TRUSTED_PROXIES"),
        ({"SERVICEDESK_LOG_LEVEL": "chatty"}, "SERVICEDESK_LOG_LEVEL"),
        ({"SERVICEDESK_LOG_FORMAT": "xml"}, "SERVICEDESK_LOG_FORMAT='xml'"),
        ({"SERVICEDESK_METRICS_TOKEN": "short"}, "SERVICEDESK_METRICS_TOKEN: the metrics token must be empty or"),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(tmp_path: Path, env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.load(env=env, dotenv=tmp_path / "x")


def test_a_secret_never_appears_in_an_error_or_a_repr(tmp_path: Path) -> None:
    s = Settings.load(env={"SERVICEDESK_SECRET_KEY": "very-secret-key"}, dotenv=tmp_path / "x")
    assert "very-secret-key" not in repr(s) and "very-secret-key" not in str(s)
    assert s.records.secret_key.get_secret_value() == "very-secret-key"


def test_as_env_round_trips_and_leaves_secrets_out_for_rasa(tmp_path: Path) -> None:
    env = {
        "SERVICEDESK_ACTION_PORT": "6055",
        "SERVICEDESK_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "SERVICEDESK_NEEDS_PERSON": "a,b",
        "SERVICEDESK_SMTP_FROM": "bot@stadt.example",
        "SERVICEDESK_ZAMMAD_TOKEN": "t0ken",
    }
    s = Settings.load(env=env, dotenv=tmp_path / "x")
    assert Settings.load(env=s.as_env(), dotenv=tmp_path / "x") == s
    assert s.tickets.smtp.sender == "bot@stadt.example" and s.handoff.needs_person == ("a", "b")
    assert Settings.secret_variables() == {
        "SERVICEDESK_SECRET_KEY",
        "SERVICEDESK_ADMIN_PASSWORD",
        "SERVICEDESK_ZAMMAD_TOKEN",
        "SERVICEDESK_IDENTITY_SECRET",
        "SERVICEDESK_METRICS_TOKEN",
        "SERVICEDESK_DIRECTORY_PASSWORD",
    }
    public = s.as_env(secrets=False)
    assert not Settings.secret_variables() & set(public) and public["SERVICEDESK_ACTION_PORT"] == "6055"


def test_every_variable_belongs_to_exactly_one_part_and_is_documented() -> None:
    s = Settings.load(env={}, dotenv=ROOT / "none.env")
    names = [name for part in s.parts() for name in part.variables()]
    assert len(names) == len(set(names))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert [n for n in names if f"{n}=" not in example] == []


def test_a_part_is_frozen() -> None:
    with pytest.raises(ValueError):
        Servers().web_port = 9000  # type: ignore[misc]
