"""``python -m scripts.weekly_report``: the hand-built week as CSV and as a mail to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from desk.db import open_db
from scripts import weekly_report
from tests.unit.desk.report_fixture import NOW, build
from tests.unit.desk.test_ticket_sinks import Inbox, free_port


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "SERVICEDESK_SECRET_KEY": "unit-test-secret",
        "SERVICEDESK_DATABASE_URL": "",
        "SERVICEDESK_HOLIDAY_STATE": "BE",
    }.items():
        monkeypatch.setenv(name, value)
    engine = open_db(f"sqlite:///{tmp_path / 'servicedesk.db'}")
    build(engine)
    engine.dispose()
    return tmp_path


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    box = Inbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    monkeypatch.setenv("SERVICEDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SERVICEDESK_SMTP_PORT", str(box.port))
    yield box
    controller.stop()


def test_prints_the_week_as_csv(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert weekly_report.main(["--week", "2026-W52"], at=NOW) == 0
    out = capsys.readouterr().out
    assert out.startswith("Zeitraum;2026-12-21;2026-12-27") and "Selbstlösungsquote (%);35,0" in out
    assert weekly_report.main([], at=NOW) == 0  # default: the last complete week before NOW (W53 is NOW's)
    assert capsys.readouterr().out.startswith("Zeitraum;2026-12-21;2026-12-27")


def test_mails_the_week_when_the_email_sink_is_set_up(
    records: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert weekly_report.main(["--week", "2026-W52", "--mail"], at=NOW) == 2  # not set up: refused, nothing sent
    assert "SERVICEDESK_TICKET_SINK=email" in capsys.readouterr().err and inbox.messages == []
    monkeypatch.setenv("SERVICEDESK_TICKET_SINK", "email")
    monkeypatch.setenv("SERVICEDESK_SMTP_REPORT_TO", "leitung@stadt.example")
    assert weekly_report.main(["--week", "2026-W52", "--mail"], at=NOW) == 0
    [(_, rcpt, msg)] = inbox.messages
    assert rcpt == ["leitung@stadt.example"] and "Wochenbericht 2026-W52" in str(msg["Subject"])
    plain = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
    assert "Selbstlösungsquote: 35,0 %" in plain and "Vom Assistenten gelöst: 7" in plain
    page = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[attr-defined]
    assert "@page{size:A4" in page and "35,0\u00a0%" in page
    [attachment] = list(msg.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == "wochenbericht_2026-W52.csv"
    assert "Vom Assistenten gelöst;7" in attachment.get_content()


def test_a_bad_week_is_refused(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        weekly_report.main(["--week", "2026-W54"], at=NOW)
    assert exited.value.code == 2 and "JJJJ-Www" in capsys.readouterr().err
