"""The lead's summary of a period: what the assistant solved, where it failed, what to write next.

Conversations and the self-service rate (:mod:`desk.self_service`), escalations by reason, the articles shown
most with their 👍/👎, the largest knowledge gaps (a link into the editors' gap queue), CSAT by path and week
against the 96 % "zufrieden" target, the major incidents (:mod:`desk.incident_stats`), the automated actions
per week (unlocks, requests: :mod:`desk.automation`), and the team's time to claim and to resolve escalations.
The team figures are shown only when at least ``min_staff`` staff members handled escalations in the period
(staff council practice); no figure anywhere is per agent, and no staff name or id leaves this module.

Purged records still count through their anonymous daily counts (``desk.daily_counts``).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine, func, select

from desk import automation, csat, daily_counts, gaps, incident_stats, self_service
from desk.db import article_feedback, article_shown, articles, escalations, knowledge_gaps, utc
from desk.escalations import REASONS
from settings import Handoff
from texts import section, text

TOP_ARTICLES = 10
TOP_GAPS = 5
GAP_QUEUE = "/editor/#/gaps"
RESOLVED = ("resolved", "handed_back")
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_range(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week ``2026-W49``; ``ValueError`` for anything else."""
    m = WEEK.fullmatch(week.strip())
    if not m or not 2000 <= int(m.group(1)) <= 2099:
        raise ValueError(f"not an ISO week: {week!r}")
    monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)  # ValueError for week 54 and the like
    return monday, monday + timedelta(days=6)


def last_week(today: date) -> str:
    """The last complete ISO week before ``today``'s (the report's default)."""
    iso = (today - timedelta(days=7)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def for_desk(
    engine: Engine,
    handoff: Handoff,
    start: date,
    end: date,
    now: datetime,
    kind_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`summary` with the desk's settings: its time zone, Bundesland and team threshold."""
    return summary(
        engine,
        start,
        end,
        tz=handoff.hours.tz,
        state=handoff.holiday_state,
        min_staff=handoff.team_min_staff,
        now=now,
        kind_labels=kind_labels,
    )


def _escalations(engine: Engine, lo: datetime, hi: datetime, start: date, end: date) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(escalations.c.reason, func.count())
            .where(escalations.c.created_at >= lo, escalations.c.created_at < hi)
            .group_by(escalations.c.reason)
        ).all()
    live: dict[str, int] = {str(reason): int(n) for reason, n in rows}
    by_reason = Counter({reason: int(live.get(reason, 0)) for reason in REASONS})
    for key, n in daily_counts.read(engine, "escalations", start, end).items():
        by_reason[key.dimension] += n
    return dict(by_reason)


def _articles(engine: Engine, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    """The articles shown most in the period, with the 👍/👎 given in it."""
    with engine.connect() as conn:
        shown = conn.execute(
            select(article_shown.c.slug, func.count().label("n"))
            .where(article_shown.c.created_at >= lo, article_shown.c.created_at < hi)
            .group_by(article_shown.c.slug)
            .order_by(func.count().desc(), article_shown.c.slug)
            .limit(TOP_ARTICLES)
        ).all()
        slugs = [r.slug for r in shown]
        votes = conn.execute(
            select(article_feedback.c.slug, article_feedback.c.helpful, func.count())
            .where(
                article_feedback.c.slug.in_(slugs),
                article_feedback.c.created_at >= lo,
                article_feedback.c.created_at < hi,
            )
            .group_by(article_feedback.c.slug, article_feedback.c.helpful)
        ).all()
        named = conn.execute(select(articles.c.slug, articles.c.title).where(articles.c.slug.in_(slugs))).all()
    titles: dict[str, str] = {str(slug): str(title) for slug, title in named}
    tally = {slug: [0, 0] for slug in slugs}
    for slug, helpful, n in votes:
        tally[slug][0 if helpful else 1] += int(n)
    return [
        {"slug": r.slug, "title": titles.get(r.slug, r.slug), "shown": int(r.n), "helpful": tally[r.slug][0],
         "not_helpful": tally[r.slug][1]}
        for r in shown
    ]  # fmt: skip


def _gaps(engine: Engine, lo: datetime, hi: datetime, start: date, end: date, tz: tzinfo) -> dict[str, Any]:
    """How many questions went unanswered, and the largest groups of them (by meaning where embedded)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(knowledge_gaps).where(knowledge_gaps.c.created_at >= lo, knowledge_gaps.c.created_at < hi)
        ).all()
    found = [gaps.Gap(r.id, r.question, r.reason, utc(r.created_at), gaps.as_vector(r.vector)) for r in rows]
    groups = [{"question": c["questions"][0], "count": c["size"]} for c in gaps.clusters(found, tz)]
    unembedded = Counter(g.question for g in found if g.vector is None)
    groups += [{"question": q, "count": n} for q, n in unembedded.items()]
    groups.sort(key=lambda g: (-g["count"], g["question"]))
    purged = sum(daily_counts.read(engine, "gaps", start, end).values())
    return {"total": len(found) + purged, "top": groups[:TOP_GAPS], "queue": GAP_QUEUE}


def _quantiles(seconds: list[float]) -> dict[str, int | None]:
    """Median and 90th percentile (nearest rank), in whole seconds."""
    if not seconds:
        return {"median": None, "p90": None}
    ordered = sorted(seconds)
    rank = max(0, -(-9 * len(ordered) // 10) - 1)  # ceil(0.9 n) - 1
    return {"median": round(statistics.median(ordered)), "p90": round(ordered[rank])}


def _team(engine: Engine, lo: datetime, hi: datetime, min_staff: int) -> dict[str, Any]:
    """Claim and resolve times of the period's escalations, team level only, or nothing at all."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                escalations.c.agent_id,
                escalations.c.status,
                escalations.c.created_at,
                escalations.c.claimed_at,
                escalations.c.closed_at,
            ).where(escalations.c.created_at >= lo, escalations.c.created_at < hi)
        ).all()
    staff = {r.agent_id for r in rows if r.agent_id is not None and r.claimed_at is not None}
    if len(staff) < min_staff:
        return {"shown": False, "min_staff": min_staff}
    claimed = [(utc(r.claimed_at) - utc(r.created_at)).total_seconds() for r in rows if r.claimed_at is not None]
    resolved = [
        (utc(r.closed_at) - utc(r.created_at)).total_seconds()
        for r in rows
        if r.status in RESOLVED and r.closed_at is not None
    ]
    return {
        "shown": True,
        "min_staff": min_staff,
        "claimed": len(claimed),
        "resolved": len(resolved),
        "claim_s": _quantiles(claimed),
        "resolve_s": _quantiles(resolved),
    }


def summary(
    engine: Engine,
    start: date,
    end: date,
    *,
    tz: tzinfo,
    state: str,
    min_staff: int,
    now: datetime,
    kind_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the lead's page, the CSV and the printable week show, for ``start`` to ``end`` (local days).

    ``kind_labels`` names the request kinds (the catalogue's labels); a kind not in it is shown by its key.
    """
    lo, hi = csat.period_bounds(start, end, tz)
    figures = csat.insights(engine, start, end, tz)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "self_service": self_service.summary(engine, start, end, tz=tz, state=state, now=now),
        "escalations": _escalations(engine, lo, hi, start, end),
        "articles": _articles(engine, lo, hi),
        "gaps": _gaps(engine, lo, hi, start, end, tz),
        "csat": {**figures, "target": csat.TARGET},
        "team": _team(engine, lo, hi, min_staff),
        "incidents": incident_stats.insights(engine, start, end, tz),
        "automation": automation.insights(engine, start, end, tz, kind_labels),
    }


def _num(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    """German decimal comma; empty for no value."""
    return "" if value is None else f"{value * scale:.{digits}f}".replace(".", ",")


INCIDENT_FIGURES = ("matched_messages", "subscribers", "deflected", "escalations", "tickets")


def incident_head(lang: str = "de") -> list[str]:
    """The column headers of the incident figures (after the incident's or the week's name)."""
    head = [
        text(f"report.incident.{k}", lang) for k in ("matched", "subscribers", "deflected", "escalations", "tickets")
    ]
    return [*head, text("report.answered", lang), text("report.average", lang)]


def incident_cells(figures: dict[str, Any], average: str) -> list[str]:
    """One incident's or week's figures as cells; ``average`` is the CSAT average already written out."""
    return [*(str(figures[k]) for k in INCIDENT_FIGURES), str(figures["csat"]["answered"]), average]


def _incident_csv(found: dict[str, Any]) -> list[list[str]]:
    head = incident_head()
    rows = [[text("report.incident.name"), *head]]
    rows += [[i["title"], *incident_cells(i, _num(i["csat"]["average"], 2))] for i in found["incidents"]]
    rows += [[], [text("report.week"), *head]]
    return rows + [[w["week"], *incident_cells(w, _num(w["csat"]["average"], 2))] for w in found["weeks"]]


def automation_head(part: str, lang: str = "de") -> list[str]:
    """The column headers of the weekly unlock (``unlocks``) or request (``requests``) counts."""
    figures = automation.UNLOCK_FIGURES if part == "unlocks" else automation.REQUEST_FIGURES
    lead = [text("report.week", lang)] + ([] if part == "unlocks" else [text("report.automation.kind", lang)])
    return lead + [text(f"report.automation.{part}_{k}", lang) for k in figures]


def automation_rows(found: dict[str, Any], part: str) -> list[list[str]]:
    """The weekly unlock or request counts as cells (week first, then the kind's label for requests)."""
    if part == "unlocks":
        return [[w["week"], *(str(w[k]) for k in automation.UNLOCK_FIGURES)] for w in found["unlocks"]]
    return [[w["week"], w["label"], *(str(w[k]) for k in automation.REQUEST_FIGURES)] for w in found["requests"]]


def _automation_csv(found: dict[str, Any]) -> list[list[str]]:
    rows = [[text("report.automation.unlocks")], automation_head("unlocks"), *automation_rows(found, "unlocks")]
    return rows + [
        [],
        [text("report.automation.requests")],
        automation_head("requests"),
        *automation_rows(found, "requests"),
    ]


def summary_csv(report: dict[str, Any]) -> str:
    """Blocks of "name;value" rows in German (";" separated, decimal comma), one block per part of the report."""
    ss, team, figures = report["self_service"], report["team"], report["csat"]
    reasons, paths = section("report.reason"), section("resolution_path")
    rows: list[list[str]] = [[text("report.csv.period"), report["from"], report["to"]], []]
    rows += [[text("report.csv.self_service"), text("report.csv.count")]]
    rows += [[text(f"report.{k}"), str(ss[k])] for k in ("conversations", "solved", "escalated", "unclear")]
    rows += [[text("report.rate") + " (%)", _num(ss["rate"], scale=100)]]
    rows += [[reasons[r], str(n)] for r, n in ss["reasons"].items()] + [[]]
    rows += [[text("report.csv.escalations"), text("report.csv.count")]]
    rows += [[section("escalation.reason")[r], str(n)] for r, n in report["escalations"].items()] + [[]]
    rows += [[text("report.csv.articles"), text("report.shown"), "👍", "👎"]]
    rows += [[a["title"], str(a["shown"]), str(a["helpful"]), str(a["not_helpful"])] for a in report["articles"]]
    rows += [[], [text("report.csv.gaps"), text("report.csv.count")]]
    rows += [[g["question"], str(g["count"])] for g in report["gaps"]["top"]]
    rows += [[text("report.csv.gaps_total"), str(report["gaps"]["total"])], []]
    rows += [[text("report.csv.csat"), *text("report.csv.csat_header").split(";")]]
    for name, f in [*((paths[p], figures["by_path"][p]) for p in csat.PATHS), (text("csat.total"), figures)]:
        rows.append([name, str(f["asked"]), str(f["answered"]), _num(f["response_rate"], scale=100),
                     _num(f["average"], 2), _num(f["satisfied"], scale=100)])  # fmt: skip
    rows += [[]] + [[w["week"], "", str(w["answered"]), "", _num(w["average"], 2), _num(w["satisfied"], scale=100)]
                    for w in figures["weeks"]]  # fmt: skip
    rows += [[], *_incident_csv(report["incidents"])]
    rows += [[], *_automation_csv(report["automation"])]
    rows += [[], [text("report.csv.team"), text("report.median") + " (min)", text("report.p90") + " (min)"]]
    if team["shown"]:
        for key in ("claim_s", "resolve_s"):
            quantiles = [team[key][q] for q in ("median", "p90")]
            rows.append([text(f"report.{key}"), *(_num(None if q is None else q / 60) for q in quantiles)])
    else:
        rows.append([text("report.too_few", n=team["min_staff"])])
    return "\r\n".join(";".join(cell.replace(";", ",") for cell in row) for row in rows) + "\r\n"
