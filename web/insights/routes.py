"""The lead's surface (role ``lead``): the page, CSAT and summary figures (+ CSV), and the printable week.

``/insights/``, ``/api/insights/csat``, ``/api/insights/summary`` (each with ``.csv``), ``/insights/report?week=``.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json, text

from desk import automation, csat, csat_comments, weekly_report
from desk.db import now
from texts import text as words
from web.auth.service import current, requires
from web.context import ctx
from web.http import error
from web.input_policy import query_date
from web.insights import report_page
from web.pages import staff_page

bp = Blueprint("insights")
DEFAULT_DAYS = 28
MAX_DAYS = 366 * 2


@bp.get("/insights/")
async def insights_page(_request: Request) -> HTTPResponse:
    """The lead's page; it logs in and reads the API below."""
    return html(staff_page("insights"))


def _range(request: Request) -> tuple[date, date] | HTTPResponse:
    today = datetime.now(ctx(request).desk.get().hours.tz).date()  # the desk's local day
    end = query_date(request, "to") or today
    start = query_date(request, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        return error(400, "insights.order", field="from")
    if (end - start).days > MAX_DAYS:
        return error(400, "insights.span", field="from")
    return start, end


async def _read(request: Request, period: tuple[date, date]) -> tuple[dict[str, Any], list[csat_comments.Comment]]:
    """The figures and the comments of the period, in the desk's time zone."""
    desk = ctx(request).desk.get()
    figures = await asyncio.to_thread(csat.insights, desk.engine, *period, desk.hours.tz)
    return figures, await asyncio.to_thread(csat_comments.comments, desk.engine, *period, desk.hours.tz)


@bp.get("/api/insights/csat")
@requires("lead")
async def csat_figures(request: Request) -> HTTPResponse:
    """Average, distribution, asked vs answered, by resolution path and per week; the comments, redacted."""
    found = _range(request)
    if isinstance(found, HTTPResponse):
        return found
    figures, comments = await _read(request, found)
    return json({**figures, "comments": comments})


@bp.get("/api/insights/csat.csv")
@requires("lead")
async def csat_csv(request: Request) -> HTTPResponse:
    """The same figures as CSV (one row per resolution path and a total) and the comments, for the weekly review."""
    found = _range(request)
    if isinstance(found, HTTPResponse):
        return found
    figures, comments = await _read(request, found)
    # Two blocks, an empty line between: the figures by path, then the comments (redacted, newest first).
    return _csv("csat", found, csat.insights_csv(figures) + "\r\n" + csat_comments.comments_csv(comments))


def _csv(prefix: str, period: tuple[date, date], body: str) -> HTTPResponse:
    """A CSV download named after the period, with a BOM so spreadsheet programs read it as UTF-8."""
    name = f"{prefix}_{period[0].isoformat()}_{period[1].isoformat()}.csv"
    return text(
        "\ufeff" + body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def clock() -> datetime:
    """Now (UTC); tests move it."""
    return now()


async def _summary(request: Request, period: tuple[date, date], lang: str = "de") -> dict[str, Any]:
    """The weekly report's figures of a period (:mod:`desk.weekly_report`), request kinds named in ``lang``."""
    app = ctx(request)
    engine, settings = app.desk.get().engine, app.settings
    labels = await asyncio.to_thread(automation.kind_labels, settings.requests.catalogue, lang)
    return await asyncio.to_thread(weekly_report.for_desk, engine, settings.handoff, *period, clock(), labels)


@bp.get("/api/insights/summary")
@requires("lead")
async def summary(request: Request) -> HTTPResponse:
    """Self-service rate (with its rule and reasons), escalations, articles, gaps, CSAT, team figures."""
    found = _range(request)
    if isinstance(found, HTTPResponse):
        return found
    return json(await _summary(request, found))


@bp.get("/api/insights/summary.csv")
@requires("lead")
async def summary_csv(request: Request) -> HTTPResponse:
    """The same summary as CSV, one block per part (German, ";" separated, decimal comma)."""
    found = _range(request)
    if isinstance(found, HTTPResponse):
        return found
    return _csv("wochenbericht", found, weekly_report.summary_csv(await _summary(request, found)))


@bp.get("/insights/report")
async def printable_week(request: Request) -> HTTPResponse:
    """One ISO week on one printable page (``?week=2026-W49``; default: the last complete week; ``lang=en``)."""
    lang = "en" if request.args.get("lang") == "en" else "de"
    session = await current(request)
    if session is None:
        return html(report_page.refusal(words("report.login", lang), lang), status=401)
    if not session.account.has_role("lead"):
        return html(report_page.refusal(words("report.no_role", lang), lang), status=403)
    today = clock().astimezone(ctx(request).desk.get().hours.tz).date()
    week = request.args.get("week") or weekly_report.last_week(today)
    try:
        period = weekly_report.week_range(week)
    except ValueError:
        return html(report_page.refusal(words("report.bad_week", lang), lang), status=400)
    return html(report_page.page(await _summary(request, period, lang), week.strip(), lang))
