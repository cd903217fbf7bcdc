"""``make run`` says where the widget may be embedded (a page of another origin cannot use the chat API)."""

from __future__ import annotations

from pathlib import Path

from scripts.run import widget_origins
from settings import Settings


def test_make_run_names_the_allowed_origins_and_the_setting(tmp_path: Path) -> None:
    env = {"SERVICEDESK_ALLOWED_ORIGINS": "https://intranet.stadt.example/, https://portal.stadt.example"}
    servers = Settings.load(env=env, dotenv=tmp_path / "missing.env").servers
    assert widget_origins(servers) == (
        "http://127.0.0.1:8000, https://intranet.stadt.example, https://portal.stadt.example "
        "(SERVICEDESK_ALLOWED_ORIGINS)"
    )


def test_without_allowed_origins_it_says_how_to_add_one(tmp_path: Path) -> None:
    servers = Settings.load(env={}, dotenv=tmp_path / "missing.env").servers
    line = widget_origins(servers)
    assert line.startswith("only on http://127.0.0.1:8000 itself") and "SERVICEDESK_ALLOWED_ORIGINS" in line
