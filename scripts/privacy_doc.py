"""``make privacy-doc``: docs/datenschutz.md (German) from the hand-kept register docs/register.yml and the settings.

    python -m scripts.privacy_doc            # write docs/datenschutz.md from the installation's settings
    python -m scripts.privacy_doc --check    # exit 1 when the file is not what the register and settings give

The register describes every table and column of both databases (records and Rasa's tracker); the document lists
each with purpose, legal basis (a placeholder for the data-protection officer), retention (from the settings) and
who can read it, then the annex text for the Dienstvereinbarung.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from settings import ROOT, Retention, Settings

REGISTER = ROOT / "docs" / "register.yml"
DOCUMENT = ROOT / "docs" / "datenschutz.md"


class RegisterError(ValueError):
    """The register is incomplete or names something that does not exist."""


def load(path: Path = REGISTER) -> dict[str, Any]:
    """The register, checked: every table has its purpose, a known legal basis, retention, readers and columns."""
    register = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = []
    for name in Retention.model_fields:
        if name.endswith("_days") and name not in register["settings"]:
            problems.append(f"settings: {name} not described")
    for db in register["databases"]:
        for table, entry in db["tables"].items():
            where = f"{db['name']}.{table}"
            for key in ("purpose", "legal_basis", "retention", "readers", "columns"):
                if not entry.get(key):
                    problems.append(f"{where}: no {key}")
            if entry.get("legal_basis") not in register["legal_basis"]:
                problems.append(f"{where}: unknown legal basis {entry.get('legal_basis')!r}")
            problems += [
                f"{where}: unknown reader {r!r}" for r in entry.get("readers", []) if r not in register["roles"]
            ]
            problems += _retention_problems(where, entry.get("retention"))
            for column, about in (entry.get("columns") or {}).items():
                if isinstance(about, dict):
                    problems += _retention_problems(f"{where}.{column}", about.get("retention"))
                    about = about.get("text")
                if not isinstance(about, str) or not about.strip():
                    problems.append(f"{where}.{column}: no description")
    if problems:
        raise RegisterError("; ".join(problems))
    return register


def _retention_problems(where: str, retention: Any) -> list[str]:
    if not isinstance(retention, dict) or set(retention) - {"setting", "note", "text"}:
        return [f"{where}: retention must be {{setting: ..., note: ...}} or {{text: ...}}"]
    if "setting" in retention:
        return (
            []
            if retention["setting"] in Retention.model_fields
            else [f"{where}: no retention setting {retention['setting']!r}"]
        )
    return [] if str(retention.get("text", "")).strip() else [f"{where}: retention without setting or text"]


def described(register: dict[str, Any], database: str) -> dict[str, set[str]]:
    """Table → columns the register describes for one database (``records`` or ``tracker``)."""
    (db,) = [d for d in register["databases"] if d["name"] == database]
    return {table: set(entry["columns"]) for table, entry in db["tables"].items()}


def retention_text(retention: dict[str, Any], periods: Retention) -> str:
    """A retention entry in words: the period from the settings, with the variable that sets it."""
    if "setting" in retention:
        field = retention["setting"]
        note = f"; {retention['note']}" if retention.get("note") else ""
        return f"{getattr(periods, field)} Tage (`{Retention.variable(field)}`){note}"
    return str(retention["text"])


def _cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def render(register: dict[str, Any], settings: Settings) -> str:
    """The German document."""
    periods = settings.retention
    roles = register["roles"]
    out = [
        "# Datenschutz: was der IT-Assistent speichert, wozu, wie lange und wer es lesen kann",
        "",
        "Erzeugt mit `make privacy-doc` aus dem Verzeichnis `docs/register.yml` und den Einstellungen; bitte nicht "
        "von Hand ändern. Die Rechtsgrundlagen sind **Platzhalter** und von der oder dem Datenschutzbeauftragten zu "
        "bestätigen oder zu ersetzen.",
        "",
        "## Speicherfristen",
        "",
        "Nach Ablauf löscht die stündliche Bereinigung die Einträge (auch sofort mit `make purge`).",
        "",
        "| Einstellung | Frist | gilt für |",
        "|---|---|---|",
    ]
    out += [
        f"| `{Retention.variable(f)}` | {getattr(periods, f)} Tage | {_cell(register['settings'][f])} |"
        for f in Retention.model_fields
        if f.endswith("_days")
    ]
    out += ["", "## Wer lesen kann", ""]
    out += [f"- **{name}**: {about}" for name, about in roles.items()]
    out += ["", "## Rechtsgrundlagen (Platzhalter)", ""]
    out += [f"- **{key}**: {about} *(Platzhalter)*" for key, about in register["legal_basis"].items()]
    for db in register["databases"]:
        out += ["", f"## {db['title']}", "", f"Ort: {db['where']}."]
        for table, entry in db["tables"].items():
            readers = ", ".join(roles[r].split(" (")[0] for r in entry["readers"])
            out += [
                "",
                f"### Tabelle `{table}`",
                "",
                f"- **Zweck:** {_cell(entry['purpose'])}",
                f"- **Rechtsgrundlage (Platzhalter):** {register['legal_basis'][entry['legal_basis']]}",
                f"- **Speicherdauer:** {retention_text(entry['retention'], periods)}",
                f"- **Leserechte:** {readers}",
                "",
                "| Feld | Inhalt | Speicherdauer |",
                "|---|---|---|",
            ]
            for column, about in entry["columns"].items():
                kept = "wie die Tabelle"
                if isinstance(about, dict):
                    kept = retention_text(about["retention"], periods) if "retention" in about else kept
                    about = about["text"]
                out.append(f"| `{column}` | {_cell(about)} | {kept} |")
    out += ["", register["annex"].rstrip(), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Write (or with ``--check`` compare) docs/datenschutz.md."""
    parser = argparse.ArgumentParser(prog="python -m scripts.privacy_doc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the document is not current")
    parser.add_argument("--out", type=Path, default=DOCUMENT)
    args = parser.parse_args(argv)
    text = render(load(), settings or Settings.load())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is not current: run make privacy-doc", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} geschrieben.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
