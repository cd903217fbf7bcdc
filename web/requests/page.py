"""The approval page's HTML: the request with a decision form, the thanks, and the refusals (German, English)."""

from __future__ import annotations

import html

from desk.requests import approval
from desk.requests.catalogue import Kind
from desk.requests.records import ServiceRequest
from texts import text
from web.pages import page


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def request_page(*, kind: Kind, found: ServiceRequest, token: str, approver: str, language: str) -> str:
    """The request as the approver reads it, and the form whose POST decides (nothing happens on GET)."""
    rows = "".join(
        f'<tr><th scope="row">{_e(f.label.get(language))}</th>'
        f"<td>{_e(kind.shown(f.name, found.fields[f.name], language))}</td></tr>"
        for f in kind.fields
        if found.fields.get(f.name)
    )
    rows += f'<tr><th scope="row">{_e(text("request.page.approver", language))}</th><td>{_e(approver)}</td></tr>'
    other = "de" if language == "en" else "en"
    switch = (
        f'<p><a href="{approval.PATH}?t={_e(token)}&amp;lang={other}" lang="{other}">'
        + ("Deutsch" if other == "de" else "English")
        + "</a></p>"
    )
    form = (
        f'<form method="post" action="{approval.PATH}?lang={language}">'
        f'<input type="hidden" name="t" value="{_e(token)}">'
        f'<p><label for="identity">{_e(text("request.page.identity", language))}</label><br>'
        f'<input id="identity" name="identity" type="password" autocomplete="off" aria-describedby="identity-hint">'
        f'</p><p id="identity-hint">{_e(text("request.page.identity_hint", language))}</p>'
        f'<p><button type="submit" name="decision" value="approve">{_e(text("request.page.approve", language))}'
        f'</button> <button type="submit" name="decision" value="reject">{_e(text("request.page.reject", language))}'
        "</button></p></form>"
    )
    body = (
        f"{switch}<p>{_e(text('request.page.intro', language, kind=kind.label(language)))}</p>"
        f"<table><tbody>{rows}</tbody></table>{form}"
    )
    return page(text("request.page.title", language, number=found.number), body, lang=language)


def decided_page(found: ServiceRequest, language: str) -> str:
    """The thanks after a decision."""
    key = "request.page.decided_approved" if found.status != "rejected" else "request.page.decided_rejected"
    return page(
        text("request.page.title", language, number=found.number),
        f'<p role="status">{_e(text(key, language, number=found.number))}</p>',
        lang=language,
    )


def refused_page(code: str, language: str) -> str:
    """Why the link or the decision was refused: in the page's language, then in the other one."""
    other = "en" if language != "en" else "de"
    body = (
        f'<p role="alert">{_e(text(f"request.refused.{code}", language))}</p>'
        f'<p lang="{other}">{_e(text(f"request.refused.{code}", other))}</p>'
    )
    return page(text("request.refused.title", language), body, lang=language)
