"""The lead's weekly report of one ISO week, as CSV on the terminal or by e-mail.

    python -m scripts.weekly_report                     # last week's report as CSV (stdout)
    python -m scripts.weekly_report --week 2026-W49     # that week
    python -m scripts.weekly_report --mail              # e-mail it to SERVICEDESK_SMTP_REPORT_TO

The mail goes through the e-mail ticket sink's SMTP server (``SERVICEDESK_TICKET_SINK=email``,
``SERVICEDESK_SMTP_*``): the printable page as HTML, the key figures as text, the CSV attached. Like every
figure of the report it is anonymous and never per agent. Run it from cron on Monday mornings.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from desk import automation, weekly_report
from desk.db import now, open_db
from settings import Settings
from texts import text
from web.insights import report_page


def _week(value: str) -> str:
    try:
        weekly_report.week_range(value)
    except ValueError:
        raise argparse.ArgumentTypeError(text("report.bad_week")) from None
    return value.strip()


def message(report: dict[str, Any], week: str, *, sender: str, recipient: str) -> EmailMessage:
    """The mail: key figures as text, the printable page as HTML, the CSV attached."""
    ss = report["self_service"]
    rate = "–" if ss["rate"] is None else f"{ss['rate'] * 100:.1f}".replace(".", ",") + " %"
    msg = EmailMessage()
    msg["Subject"] = f"{text('report.heading', week=week)} – {text('report.title')}"
    msg["From"], msg["To"] = sender, recipient
    lines = [
        text("report.heading", week=week),
        text("report.period", **{"from": report["from"], "to": report["to"]}),
        "",
        f"{text('report.rate')}: {rate}",
        *(f"{text(f'report.{k}')}: {ss[k]}" for k in ("conversations", "solved", "escalated", "unclear")),
        "",
        text("report.privacy"),
    ]
    msg.set_content("\n".join(lines) + "\n")
    msg.add_alternative(report_page.page(report, week), subtype="html")
    msg.add_attachment(
        "\ufeff" + weekly_report.summary_csv(report),  # the BOM: spreadsheet programs read it as UTF-8
        subtype="csv",
        charset="utf-8",
        filename=f"wochenbericht_{week}.csv",
    )
    return msg


def main(argv: list[str] | None = None, *, at: datetime | None = None) -> int:
    """Build the report of one week; print its CSV or mail it."""
    parser = argparse.ArgumentParser(prog="python -m scripts.weekly_report", description=__doc__.split("\n")[0])
    parser.add_argument("--week", type=_week, default=None, help="ISO week, e.g. 2026-W49 (default: last week)")
    parser.add_argument("--mail", action="store_true", help="send it to SERVICEDESK_SMTP_REPORT_TO")
    args = parser.parse_args(argv)
    settings = Settings.load()
    smtp = settings.tickets.smtp
    if args.mail and (settings.tickets.sink != "email" or not smtp.report_to):
        print(
            "weekly report: --mail needs SERVICEDESK_TICKET_SINK=email and SERVICEDESK_SMTP_REPORT_TO", file=sys.stderr
        )
        return 2
    moment = at or now()
    week = args.week or weekly_report.last_week(moment.astimezone(settings.handoff.hours.tz).date())
    engine = open_db(settings.records.db_url)
    try:
        labels = automation.kind_labels(settings.requests.catalogue)
        report = weekly_report.for_desk(engine, settings.handoff, *weekly_report.week_range(week), moment, labels)
    finally:
        engine.dispose()
    if not args.mail:
        sys.stdout.write(weekly_report.summary_csv(report))
        return 0
    mail = message(report, week, sender=smtp.sender, recipient=smtp.report_to)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=settings.servers.upstream_timeout_s) as server:
            server.send_message(mail)
    except OSError as exc:  # smtplib.SMTPException is an OSError
        print(f"weekly report: not sent ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"weekly report {week} sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
