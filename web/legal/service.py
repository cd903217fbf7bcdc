"""The bodies of ``/datenschutz`` and ``/barrierefreiheit``: words from the catalogue, facts from the settings.

The privacy page leads with the short notice an employee needs (controller, what, why, how long, who reads it,
rights) and then shows the full register of every table and field, generated from ``docs/register.yml`` and the
running installation's settings (the same text ``make privacy-doc`` writes, so the periods are the ones in force).
"""

from __future__ import annotations

import functools
import html
import re

import markdown

from scripts.privacy_doc import load, render
from settings import Settings
from texts import text
from web.chat.welcome import contact_href

_HEADING = re.compile(r"^(#{1,5}) ", re.MULTILINE)


def contact_html(contact: str) -> str:
    """The contact as a link when it is one e-mail or web address, else as text (always escaped)."""
    href = contact_href(contact)
    shown = html.escape(contact)
    return f'<a href="{html.escape(href)}">{shown}</a>' if href else shown


def _section(title: str, body_html: str) -> str:
    return f"<h2>{html.escape(title)}</h2>{body_html}"


def _para(value: str) -> str:
    return f"<p>{html.escape(value)}</p>"


@functools.cache
def register_html(settings: Settings) -> str:
    """The register as HTML below the page's h2 "full register": its own title goes, its headings move one down."""
    document = render(load(), settings).split("\n", 1)[1]
    document = _HEADING.sub(lambda m: "#" + m.group(1) + " ", document)
    return markdown.markdown(html.escape(document, quote=False), extensions=["tables", "sane_lists"])


def privacy_body(settings: Settings, language: str) -> str:
    """The privacy notice page (without its h1)."""
    legal, periods = settings.legal, settings.retention

    def t(key: str, **values: object) -> str:
        return text(f"legal.privacy.{key}", language, **values)

    who = html.escape(t("controller", name=legal.controller_name))
    controller = f"<p>{who} {contact_html(legal.controller_contact)}</p>"
    how_long = t(
        "how_long",
        conversations=periods.conversations_days,
        escalations=periods.escalations_days,
        comments=periods.csat_comments_days,
    )
    parts = [
        _para(t("intro")),
        _section(t("controller_title"), controller),
        _section(t("what_title"), _para(t("what"))),
        _section(t("why_title"), _para(t("why"))),
        _section(t("how_long_title"), _para(how_long)),
        _section(t("who_title"), _para(t("who"))),
        _section(t("rights_title"), _para(t("rights"))),
        f'<section lang="de" aria-labelledby="register">'
        f'<h2 id="register">{html.escape(t("register_title"))}</h2>{_para(t("register_note"))}'
        f"{register_html(settings)}</section>",
    ]
    return "".join(parts)


def accessibility_body(settings: Settings, language: str) -> str:
    """The accessibility statement (without its h1)."""
    legal = settings.legal

    def t(key: str, **values: object) -> str:
        return text(f"legal.accessibility.{key}", language, **values)

    known = ("limit_audit", "limit_easy", "limit_live", "limit_articles")
    limits = "".join(f"<li>{html.escape(t(k))}</li>" for k in known)
    reviewed = legal.accessibility_reviewed.strftime("%d.%m.%Y" if language == "de" else "%Y-%m-%d")
    enforcement = (
        f"{_para(t('enforcement'))}<p>"
        f'<a href="{html.escape(legal.accessibility_enforcement_url)}">{html.escape(t("enforcement_link"))}</a>: '
        f"{html.escape(legal.accessibility_enforcement_url)}</p>"
    )
    parts = [
        _para(t("scope", name=legal.controller_name)),
        _section(t("status_title"), _para(t("status"))),
        _section(t("limits_title"), f"<ul>{limits}</ul>"),
        _section(t("method_title"), _para(t("method", date=reviewed))),
        _section(
            t("feedback_title"),
            f"<p>{html.escape(t('feedback'))} {contact_html(legal.accessibility_contact)}</p>",
        ),
        _section(t("enforcement_title"), enforcement),
    ]
    return "".join(parts)
