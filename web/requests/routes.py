"""Routes: ``GET /antraege/freigabe?t=…`` shows a request to its approver, ``POST`` of that page decides it.

Mail scanners open links: the GET changes nothing. The POST must carry the link's token and the approver's
intranet identity token (an ``Authorization: Bearer`` header set by the intranet's sign-in proxy, or the form
field), and the identity must be the approver the catalogue named. No cookie authorises anything here, so a
forged cross-site form has nothing to ride on; a browser's ``Origin`` / ``Sec-Fetch-Site`` from another site is
refused besides.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import html as html_response

from desk.identity import IdentityError, verify_configured
from desk.requests import approval, flow
from desk.requests.approval import LinkRefused
from web.context import ctx
from web.requests.page import decided_page, refused_page, request_page

logger = logging.getLogger(__name__)
bp = Blueprint("requests")
HEADERS = {"Cache-Control": "no-store"}
MAX_IDENTITY = 4000


def _language(request: Request) -> str:
    return "en" if request.args.get("lang") == "en" else "de"


def _refused(code: str, status: int, language: str) -> HTTPResponse:
    return html_response(refused_page(code, language), status=status, headers=HEADERS)


def _cross_site(request: Request) -> bool:
    """A browser says the form came from another site."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return True
    origin = request.headers.get("origin")
    own = "/".join(ctx(request).settings.servers.public_url.split("/")[:3])
    return origin is not None and origin != own


@bp.get(approval.PATH)
async def show(request: Request) -> HTTPResponse:
    """The request behind a valid link, with the decision form; 403 forged, 410 expired or decided."""
    language = _language(request)
    app = ctx(request)
    token = request.args.get("t", "")
    desk = await asyncio.to_thread(app.desk.get)
    requests = await asyncio.to_thread(flow.for_settings, desk, app.settings)
    try:
        found, _ = await asyncio.to_thread(approval.check, desk.engine, desk.secret, token)
    except LinkRefused as exc:
        return _refused(exc.code, exc.status, language)
    kind = requests.catalogue.kind(found.kind)
    if kind is None:  # taken out of the catalogue meanwhile: the desk decides by hand
        return _refused("forged", 403, language)
    person = requests.catalogue.people.get(found.approver or "")
    approver = person.name if person else str(found.approver)
    body = request_page(kind=kind, found=found, token=token, approver=approver, language=language)
    return html_response(body, headers=HEADERS)


@bp.post(approval.PATH)
async def decide(request: Request) -> HTTPResponse:
    """Decide with the form's ``t``, ``decision`` (approve | reject) and the approver's intranet identity."""
    language = _language(request)
    app = ctx(request)
    if _cross_site(request):
        return _refused("origin", 403, language)
    if not (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return _refused("decision", 415, language)
    sent = request.form
    form = {key: str((sent.get(key) if sent is not None else None) or "") for key in ("t", "decision", "identity")}
    token, decision = form["t"], form["decision"]
    if decision not in ("approve", "reject"):
        return _refused("decision", 400, language)
    bearer = request.headers.get("authorization", "")
    identity = bearer[7:] if bearer[:7].lower() == "bearer " else form["identity"]
    try:
        if len(identity) > MAX_IDENTITY:
            raise IdentityError("too long")
        person = verify_configured(identity, app.settings.identity)
    except IdentityError as exc:
        logger.info("approval refused: identity token %s", exc)
        return _refused("identity", 401, language)
    desk = await asyncio.to_thread(app.desk.get)
    requests = await asyncio.to_thread(flow.for_settings, desk, app.settings)
    try:
        done = await asyncio.to_thread(
            flow.decide, requests, token=token, identity=person.sub, approved=decision == "approve"
        )
    except LinkRefused as exc:
        logger.info("approval refused: %s", exc.code)
        return _refused(exc.code, exc.status, language)
    logger.info("request %s decided: %s", done.number, decision)
    return html_response(decided_page(done, language), headers=HEADERS)
