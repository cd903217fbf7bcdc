"""Staff accounts from the command line, and the first admin at first start.

    python -m scripts.users add USERNAME --role agent [--role lead] [--name "Team 1. Level"]
    python -m scripts.users password USERNAME

Passwords are asked for at the prompt (never on the command line, where ``ps`` would show them).
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from desk import accounts
from desk.db import open_db
from settings import Records, Settings


def bootstrap_admin(settings: Settings) -> str | None:
    """With no accounts yet, create the first admin; returns a generated password to show once, else None."""
    engine = open_db(settings.records.db_url)
    if accounts.count_users(engine) > 0:
        return None
    configured = settings.staff.admin_password.get_secret_value()
    password = configured or secrets.token_urlsafe(15)
    accounts.create_user(
        engine,
        username=settings.staff.admin_user,
        password=password,
        roles=("admin",),
        display_name=settings.handoff.team_name,
    )
    return None if configured else password


def announce_first_admin(settings: Settings) -> None:
    """Create the first admin if there is none; a generated password is shown once here.

    Shown on this terminal only, never logged; change it with ``python -m scripts.users password``.
    """
    generated = bootstrap_admin(settings)
    if generated:
        admin = settings.staff.admin_user
        print(f"\nFirst start: created the admin account {admin!r} with the password\n\n    {generated}\n")
        print("Note it now; it is not shown again.\n", flush=True)


def _ask_password() -> str:
    first = getpass.getpass("Passwort (mind. 12 Zeichen): ")
    if first != getpass.getpass("Passwort wiederholen: "):
        raise accounts.AccountError("passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """Add an account or change a password."""
    parser = argparse.ArgumentParser(prog="python -m scripts.users", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", action="append", choices=accounts.ROLES, required=True)
    add.add_argument("--name", default="", help="display name shown to employees (a team name is fine)")
    pw = sub.add_parser("password", help="set a new password (ends the account's sessions)")
    pw.add_argument("username")
    args = parser.parse_args(argv)
    engine = open_db(Records().db_url)
    try:
        if args.command == "add":
            accounts.create_user(
                engine, username=args.username, password=_ask_password(), roles=tuple(args.role), display_name=args.name
            )
            print(f"Konto {args.username!r} angelegt ({', '.join(args.role)}).")
        else:
            accounts.set_password(engine, args.username, _ask_password())
            print(f"Passwort von {args.username!r} geändert.")
    except accounts.AccountError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
