"""The printable weekly report (``/insights/report?week=2026-W49``): made on the server, laid out for A4.

Every figure is a table (headers, captions) so it reads the same with a screen reader, on screen and on paper;
the satisfaction per week is also drawn (inline SVG, the 96 % line included) with the same numbers in words.
Only our own words and the records' figures appear; every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from desk import csat, self_service, weekly_report
from texts import section, text

STYLE = """
@page{size:A4;margin:15mm 14mm}
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;line-height:1.4;color:#1a1a1a;margin:0 auto;max-width:60rem;padding:1rem}
a{color:#0b57a4}a:focus-visible,button:focus-visible{outline:3px solid #b35900;outline-offset:2px}
h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.25rem 0 .4rem}
.meta,.rule,.privacy{color:#333}.rule{font-size:.9rem}
.tools{display:flex;gap:1rem;align-items:center;margin:.5rem 0}
button{font:inherit;padding:.35rem .7rem;border:2px solid #0b57a4;border-radius:.4rem;background:#fff;color:#0b57a4}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.25rem 0 .75rem}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{text-align:left;padding:.25rem .45rem;border-bottom:1px solid #bbb;vertical-align:top}
thead th{background:#eef1f5;white-space:normal}
td.num{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
th,td{overflow-wrap:anywhere}thead th.num{overflow-wrap:normal}
.big{font-size:1.4rem;font-weight:700}
section{break-inside:avoid;page-break-inside:avoid}
tr,svg{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
h2{break-after:avoid;page-break-after:avoid}
svg{max-width:100%;height:auto}
.wide{overflow-x:auto}.wide:focus-visible{outline:3px solid #b35900;outline-offset:2px}
@media print{.tools,.no-print{display:none}body{max-width:none;padding:0;font-size:10.5pt}a{color:#1a1a1a}}
"""


def _pct(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    number = f"{value * 100:.1f}"
    return (number.replace(".", ",") if lang == "de" else number) + "\u00a0%"


def _dec(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}".replace(".", ",") if lang == "de" else f"{value:.2f}"


def _minutes(seconds: int | None, lang: str) -> str:
    if seconds is None:
        return "–"
    value = f"{seconds / 60:.1f}"
    return text("report.minutes", lang, value=value.replace(".", ",") if lang == "de" else value)


WIDE_FROM = 6  # columns from which a table may scroll sideways on a narrow screen (or at 200 % zoom)


def table(caption: str, head: list[str], rows: Iterable[list[str]], numeric_from: int = 1) -> str:
    """A table with a caption and column headers; the first cell of a row is its header; cells escaped.

    A table of :data:`WIDE_FROM` or more columns sits in a group of its own (``role="group"``, not a landmark) that
    scrolls sideways when the screen is too narrow (WCAG 1.4.10 lets data tables do so): the page itself never
    scrolls sideways, and the group is focusable, so it scrolls with the keyboard too.
    """
    cols = "".join(
        f'<th scope="col"{" class=num" if i >= numeric_from else ""}>{escape(h)}</th>' for i, h in enumerate(head)
    )
    body = []
    for row in rows:
        cells = [f'<th scope="row">{escape(row[0])}</th>']
        cells += [f"<td{' class=num' if i >= numeric_from else ''}>{escape(c)}</td>" for i, c in enumerate(row) if i]
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(head)}">{escape(text("report.none"))}</td></tr>')
    found = (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{cols}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    if len(head) < WIDE_FROM:
        return found
    return f'<div class="wide" role="group" tabindex="0" aria-label="{escape(caption)}">{found}</div>'


def weeks_chart(weeks: list[dict[str, Any]], target: float, lang: str) -> str:
    """Bars of the satisfied share per week and the target line, as an image described in words."""
    if not weeks:
        return ""
    width, height, pad = 600, 180, 30
    step = (width - 2 * pad) / len(weeks)
    y = lambda share: pad + (height - 2 * pad) * (1 - share)  # noqa: E731 - a local scale
    bars = "".join(
        f'<rect x="{pad + i * step + step * 0.2:.1f}" y="{y(w["satisfied"] or 0):.1f}" width="{step * 0.6:.1f}" '
        f'height="{y(0) - y(w["satisfied"] or 0):.1f}" fill="#0b57a4"/>'
        f'<text x="{pad + (i + 0.5) * step:.1f}" y="{height - 8}" font-size="11" text-anchor="middle">'
        f"{escape(w['week'])}</text>"
        for i, w in enumerate(weeks)
    )
    words = "; ".join(f"{w['week']}: {_pct(w['satisfied'], lang)}" for w in weeks)
    label = f"{text('report.satisfied', lang)} – {text('report.target', lang)} {_pct(target, lang)}. {words}"
    line = (
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#b35900" '
        f'stroke-width="2" stroke-dasharray="6 4"/><text x="{width - pad}" y="{y(target) - 4:.1f}" font-size="11" '
        f'text-anchor="end" fill="#8a4500">{escape(text("report.target", lang))} {_pct(target, lang)}</text>'
    )
    axis = f'<line x1="{pad}" x2="{width - pad}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#555"/>'
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}">{bars}{axis}{line}</svg>'
    )


def body(report: dict[str, Any], lang: str = "de") -> str:
    """The report's sections (shared by the printable page)."""
    t = lambda key, **v: text(key, lang, **v)  # noqa: E731 - short alias for this page's many texts
    ss, team, figures = report["self_service"], report["team"], report["csat"]
    reasons = section("report.reason", lang)
    outcome_rows = [
        [t(f"report.{k}"), str(ss[k]), _pct(ss[k] / ss["conversations"] if ss["conversations"] else None, lang)]
        for k in self_service.OUTCOMES
    ]
    reason_rows = [[reasons[r], t(f"report.{self_service.REASONS[r]}"), str(n)] for r, n in ss["reasons"].items()]
    state = ss["holiday_state"] or t("report.no_state")
    out = [
        f'<section aria-labelledby="s-self"><h2 id="s-self">{escape(t("report.self_service"))}</h2>',
        f'<p><span class="big" id="rate">{escape(_pct(ss["rate"], lang))}</span> {escape(t("report.rate"))} · '
        f'{escape(t("report.conversations"))}: <span id="conversations">{ss["conversations"]}</span></p>',
        table(t("report.self_service"), [t("report.outcome"), t("report.count"), t("report.share")], outcome_rows),
        table(
            t("report.reasons_title"),
            [t("report.reason_col"), t("report.outcome"), t("report.count")],
            reason_rows,
            numeric_from=2,
        ),  # fmt: skip
        f'<p class="rule">{escape(t("report.rule", days=ss["return_working_days"], state=state))}</p></section>',
    ]
    esc_words = section("escalation.reason", lang)
    out.append(
        '<section aria-labelledby="s-esc">'
        f'<h2 id="s-esc">{escape(t("report.escalations"))}</h2>'
        + table(
            t("report.escalations"),
            [t("report.reason_col"), t("report.count")],
            [[esc_words.get(r, r), str(n)] for r, n in report["escalations"].items()],
        )  # fmt: skip
        + "</section>"
    )
    out.append(
        '<section aria-labelledby="s-art">'
        f'<h2 id="s-art">{escape(t("report.articles"))}</h2>'
        + table(t("report.articles"), [t("report.article"), t("report.shown"), "👍", "👎"],
                [[a["title"], str(a["shown"]), str(a["helpful"]), str(a["not_helpful"])] for a in report["articles"]])
        + "</section>"
    )  # fmt: skip
    gaps = report["gaps"]
    out.append(
        '<section aria-labelledby="s-gaps">'
        f'<h2 id="s-gaps">{escape(t("report.gaps"))}</h2>'
        f"<p>{escape(t('report.gaps_total', count=gaps['total']))} · "
        f'<a href="{escape(gaps["queue"])}">{escape(t("report.gap_queue"))}</a></p>'
        + table(t("report.gaps"), [t("report.gap_question"), t("report.count")],
                [[g["question"], str(g["count"])] for g in gaps["top"]])
        + "</section>"
    )  # fmt: skip
    paths = section("resolution_path", lang)
    head = [t("report.path"), t("report.asked"), t("report.answered"), t("report.response_rate"),
            t("report.average"), t("report.satisfied")]  # fmt: skip

    def csat_row(name: str, f: dict[str, Any]) -> list[str]:
        return [name, str(f["asked"]), str(f["answered"]), _pct(f["response_rate"], lang), _dec(f["average"], lang),
                _pct(f["satisfied"], lang)]  # fmt: skip

    rows = [csat_row(paths[p], figures["by_path"][p]) for p in csat.PATHS] + [
        csat_row(text("csat.total", lang), figures)
    ]
    week_rows = [[w["week"], str(w["answered"]), _dec(w["average"], lang), _pct(w["satisfied"], lang)]
                 for w in figures["weeks"]]  # fmt: skip
    target = _pct(figures["target"], lang)
    out.append(
        '<section aria-labelledby="s-csat">'
        f'<h2 id="s-csat">{escape(t("report.csat"))}</h2>'
        + table(t("report.csat"), head, rows)
        + weeks_chart(figures["weeks"], figures["target"], lang)
        + table(t("report.csat_weeks", target=target),
                [t("report.week"), t("report.answered"), t("report.average"), t("report.satisfied")], week_rows)
        + "</section>"
    )  # fmt: skip
    out.append(_incidents(report["incidents"], lang))
    out.append(_automation(report["automation"], lang))
    if team["shown"]:
        team_rows = [[t(f"report.{k}"), _minutes(team[k]["median"], lang), _minutes(team[k]["p90"], lang)]
                     for k in ("claim_s", "resolve_s")]  # fmt: skip
        team_html = table(t("report.team"), ["", t("report.median"), t("report.p90")], team_rows)
    else:
        team_html = f'<p id="team-too-few">{escape(t("report.too_few", n=team["min_staff"]))}</p>'
    out.append(
        f'<section aria-labelledby="s-team"><h2 id="s-team">{escape(t("report.team"))}</h2>{team_html}</section>'
    )
    return "".join(out)


def _incidents(found: dict[str, Any], lang: str) -> str:
    """The major incidents of the period: per incident (its whole life) and per calendar week."""
    head = weekly_report.incident_head(lang)
    per_incident = [
        [i["title"], *weekly_report.incident_cells(i, _dec(i["csat"]["average"], lang))] for i in found["incidents"]
    ]
    per_week = [[w["week"], *weekly_report.incident_cells(w, _dec(w["csat"]["average"], lang))] for w in found["weeks"]]
    return (
        '<section aria-labelledby="s-inc">'
        f'<h2 id="s-inc">{escape(text("report.incident.title", lang))}</h2>'
        f'<p class="rule">{escape(text("report.incident.hint", lang))}</p>'
        + table(text("report.incident.per_incident", lang), [text("report.incident.name", lang), *head], per_incident)
        + table(text("report.incident.per_week", lang), [text("report.week", lang), *head], per_week)
        + "</section>"
    )


def _automation(found: dict[str, Any], lang: str) -> str:
    """What the assistant did by itself per calendar week: account unlocks, and requests by kind."""
    unlocks, requests = (weekly_report.automation_rows(found, part) for part in ("unlocks", "requests"))
    return (
        '<section aria-labelledby="s-auto">'
        f'<h2 id="s-auto">{escape(text("report.automation.title", lang))}</h2>'
        f'<p class="rule">{escape(text("report.automation.hint", lang))}</p>'
        + table(text("report.automation.unlocks", lang), weekly_report.automation_head("unlocks", lang), unlocks)
        + table(text("report.automation.requests", lang), weekly_report.automation_head("requests", lang), requests,
                numeric_from=2)
        + "</section>"
    )  # fmt: skip


def page(report: dict[str, Any], week: str, lang: str = "de") -> str:
    """The whole printable page of one ISO week."""
    heading = text("report.heading", lang, week=week)
    period = text("report.period", lang, **{"from": report["from"], "to": report["to"]})
    tools = (
        f'<p class="tools"><a href="/insights/">{escape(text("report.back", lang))}</a>'
        f'<button type="button" id="print" hidden>{escape(text("report.print", lang))}</button></p>'
    )
    return shell(
        f"{heading} – {text('report.title', lang)}",
        f'<header>{tools}<h1>{escape(heading)}</h1><p class="meta">{escape(period)}</p>'
        f'<p class="privacy">{escape(text("report.privacy", lang))}</p></header>'
        f"<main>{body(report, lang)}</main>",
        lang,
        script=True,
    )


def shell(title: str, inner: str, lang: str = "de", *, script: bool = False) -> str:
    """The document around the report or a refusal (the print button's script only where there is a button)."""
    tag = '<script type="module" src="/static/insights/print.js"></script>' if script else ""
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{inner}{tag}</body></html>"
    )


def refusal(message: str, lang: str = "de") -> str:
    """A short page for a bad week, no session or another role: what is wrong and where to go."""
    return shell(
        text("report.title", lang),
        f"<main><h1>{escape(text('report.title', lang))}</h1><p>{escape(message)}</p>"
        f'<p><a href="/insights/">{escape(text("report.back", lang))}</a></p></main>',
        lang,
    )
