"""Data-subject requests from the command line: export (JSON) or erase everything linked to one employee.

    python -m scripts.subject export --user-id anna.mueller [--out anna.json]
    python -m scripts.subject export --conversation 3f2a...        # the conversation id the console showed
    python -m scripts.subject erase --user-id anna.mueller [--yes]

The intranet user id is pseudonymised with the installation secret exactly as the chat does it. Each request is
recorded in the request audit (who: ``cli:<login>``, when, kind, counts; never the person). The export holds
personal data: it is written with mode 0600, or to standard output.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from desk import subject
from desk.db import open_db
from desk.identity import load_secret
from settings import Settings
from texts import text


def _write(document: dict, out: Path | None) -> None:
    data = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(data)
        return
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(data)


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Run one request; 0 done, 1 nothing known under that conversation id, 2 bad arguments or not confirmed."""
    parser = argparse.ArgumentParser(prog="python -m scripts.subject", description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=subject.KINDS)
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", help="the employee's intranet id (the identity token's sub)")
    who.add_argument("--conversation", help="a conversation id shown in the agent console")
    parser.add_argument("--out", type=Path, help="export: write the JSON here (mode 0600) instead of stdout")
    parser.add_argument("--yes", action="store_true", help="erase: do not ask for confirmation")
    args = parser.parse_args(argv)
    settings = settings or Settings.load()
    engine = open_db(settings.records.db_url)
    secret = load_secret(settings.records)
    try:
        if args.user_id is not None:
            person = subject.by_user_id(secret, args.user_id)
        else:
            person = subject.by_conversation(engine, settings, secret, args.conversation)
    except (subject.SubjectError, ValueError) as exc:
        print(text("cli.subject.not_found", why=exc), file=sys.stderr)
        return 1
    if args.kind == "erase" and not args.yes:
        answer = input(text("cli.subject.confirm"))
        if answer.strip().lower() not in {"j", "ja", "y", "yes"}:
            print(text("cli.subject.kept"), file=sys.stderr)
            return 2
    if args.kind == "export":
        document = subject.export(engine, settings, secret, person)
        counted = document["counts"]
        _write(document, args.out)
    else:
        counted = subject.erase(engine, settings, secret, person)
    subject.log_request(engine, actor=f"cli:{getpass.getuser()}", kind=args.kind, given=person.given, counted=counted)
    counts = ", ".join(f"{k}: {v}" for k, v in counted.items())
    print(text("cli.subject.done", kind=args.kind, counts=counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
