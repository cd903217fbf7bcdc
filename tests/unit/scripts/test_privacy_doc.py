"""The records-of-processing register describes every table and column of both databases; the German document
generated from it and the settings is committed and current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect

from desk.db import open_db
from scripts import privacy_doc
from settings import ROOT
from tests.conftest import plain_settings

TRACKER_SCHEMA = ROOT / "tests" / "data" / "rasa_tracker_schema.json"


def records_schema(tmp_path: Path) -> dict[str, list[str]]:
    """Table → columns of a fresh records database at our Alembic head."""
    engine = open_db(f"sqlite:///{tmp_path / 'fresh.db'}")
    inspector = inspect(engine)
    found = {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()}
    engine.dispose()
    return found


def undescribed(schema: dict[str, list[str]], described: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{table}.{column}"
        for table, columns in schema.items()
        for column in columns
        if column not in described.get(table, set())
    )


def test_every_table_and_column_of_the_records_database_is_in_the_register(tmp_path) -> None:
    schema = records_schema(tmp_path)
    assert {"conversations", "messages", "access_audit", "subject_requests", "alembic_version"} <= set(schema)
    assert undescribed(schema, privacy_doc.described(privacy_doc.load(), "records")) == []


def test_every_table_and_column_of_rasas_tracker_database_is_in_the_register() -> None:
    schema = json.loads(TRACKER_SCHEMA.read_text(encoding="utf-8"))  # captured from Rasa (integration test)
    assert "events" in schema and "sender_id" in schema["events"]
    assert undescribed(schema, privacy_doc.described(privacy_doc.load(), "tracker")) == []


def test_a_column_the_register_lacks_is_reported(tmp_path) -> None:
    schema = records_schema(tmp_path)
    described = privacy_doc.described(privacy_doc.load(), "records")
    described["messages"].discard("text")
    del described["access_audit"]
    missing = undescribed(schema, described)
    assert "messages.text" in missing and "access_audit.staff_username" in missing


def test_an_incomplete_register_is_refused(tmp_path) -> None:
    register = yaml.safe_load(privacy_doc.REGISTER.read_text(encoding="utf-8"))
    tables = register["databases"][0]["tables"]
    tables["messages"]["columns"]["text"] = ""
    tables["messages"]["readers"].append("everyone")
    tables["escalations"]["retention"] = {"setting": "forever_days"}
    del tables["users"]["legal_basis"]
    del register["settings"]["audit_days"]
    broken = tmp_path / "register.yml"
    broken.write_text(yaml.safe_dump(register, allow_unicode=True), encoding="utf-8")
    with pytest.raises(privacy_doc.RegisterError) as refused:
        privacy_doc.load(broken)
    for problem in (
        "records.messages.text: no description",
        "records.messages: unknown reader 'everyone'",
        "records.escalations: no retention setting 'forever_days'",
        "records.users: no legal_basis",
        "settings: audit_days not described",
    ):
        assert problem in str(refused.value)


def test_the_committed_document_is_current_and_complete(tmp_path) -> None:
    register = privacy_doc.load()
    expected = privacy_doc.render(register, plain_settings())
    assert privacy_doc.DOCUMENT.read_text(encoding="utf-8") == expected, "run make privacy-doc and commit the result"
    for schema in (records_schema(tmp_path), json.loads(TRACKER_SCHEMA.read_text(encoding="utf-8"))):
        for table, columns in schema.items():
            assert f"### Tabelle `{table}`" in expected
            assert all(f"| `{c}` |" in expected for c in columns)
    for words in ("Zweck:", "Rechtsgrundlage (Platzhalter):", "Speicherdauer:", "Leserechte:", "Dienstvereinbarung"):
        assert words in expected
    assert "keine Leistungs- oder Verhaltenszahlen einzelner Mitarbeitender" in expected


def test_the_retention_comes_from_the_settings(tmp_path) -> None:
    settings = plain_settings().override(SERVICEDESK_RETENTION_AUDIT_DAYS="730", SERVICEDESK_RETENTION_GAPS_DAYS="45")
    text = privacy_doc.render(privacy_doc.load(), settings)
    audit = text.split("### Tabelle `access_audit`")[1].split("### Tabelle")[0]
    assert "**Speicherdauer:** 730 Tage (`SERVICEDESK_RETENTION_AUDIT_DAYS`)" in audit
    gaps = text.split("### Tabelle `knowledge_gaps`")[1].split("### Tabelle")[0]
    assert "**Speicherdauer:** 45 Tage (`SERVICEDESK_RETENTION_GAPS_DAYS`)" in gaps
    assert privacy_doc.main(["--check", "--out", str(tmp_path / "stale.md")], settings) == 1
    assert privacy_doc.main(["--out", str(tmp_path / "new.md")], settings) == 0
    assert privacy_doc.main(["--check", "--out", str(tmp_path / "new.md")], settings) == 0
