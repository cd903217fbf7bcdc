"""The retention purge on demand (the web service runs it hourly by itself).

    python -m scripts.purge              # delete what is past its period (SERVICEDESK_RETENTION_*), print counts
    python -m scripts.purge --dry-run    # print what would go, change nothing
    python -m scripts.purge --now 2027-01-10T00:00:00+00:00   # as if it were then (to see what a period will take)

Prints one line per kind: ``messages 12``; no text and no ids.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from desk import retention
from desk.db import open_db
from settings import Settings


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    """Run the purge once and print the counts per kind."""
    parser = argparse.ArgumentParser(prog="make purge", description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, change nothing")
    parser.add_argument("--now", type=_moment, default=None, help="pretend it is this moment (ISO 8601)")
    args = parser.parse_args(argv)
    settings = Settings.load()
    engine = open_db(settings.records.db_url)
    try:
        report = retention.purge(
            engine,
            settings.retention,
            tz=settings.handoff.hours.tz,
            tracker=settings.servers,
            now=args.now,
            dry_run=args.dry_run,
        )
    finally:
        engine.dispose()
    for kind in retention.KINDS:
        print(f"{kind} {report[kind]}")
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
