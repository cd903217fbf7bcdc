"""The privacy notice ``/datenschutz`` and the accessibility statement ``/barrierefreiheit``."""

from __future__ import annotations

import pytest

from knowledge.source import StaticKnowledgeSource
from tests.conftest import web_app


@pytest.fixture
def app(settings, hashing_kb):  # noqa: ANN001, ANN201 - fixtures
    return web_app(
        settings.override(
            SERVICEDESK_CONTROLLER_NAME="Stadt Beispielhausen",
            SERVICEDESK_CONTROLLER_CONTACT="https://intranet.example/dsb",
            SERVICEDESK_RETENTION_CONVERSATIONS_DAYS="14",
            SERVICEDESK_ACCESSIBILITY_CONTACT="barrieren@beispielhausen.example",
            SERVICEDESK_ACCESSIBILITY_REVIEWED="2026-11-30",
        ),
        StaticKnowledgeSource(hashing_kb),
    )


async def test_privacy_page_names_the_controller_periods_rights_and_the_full_register(app) -> None:
    _, resp = await app.asgi_client.get("/datenschutz")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "<h1>Datenschutzhinweise zum IT-Assistenten</h1>" in page
    assert 'Stadt Beispielhausen. Kontakt zum Datenschutz: <a href="https://intranet.example/dsb">' in page
    assert "Gespräche 14 Tage" in page and "Art. 15 DSGVO" in page and "Art. 77 DSGVO" in page
    # The register follows, with the running installation's period, one heading level below the page title.
    assert "<h4>Tabelle <code>messages</code></h4>" in page and "14 Tage (<code>SERVICEDESK_RETENTION" in page
    assert page.count("<h1>") == 1 and "<table>" in page
    _, english = await app.asgi_client.get("/datenschutz?lang=en")
    assert '<html lang="en">' in english.text and "Conversations 14 days" in english.text


async def test_accessibility_statement_has_status_limits_date_feedback_and_enforcement(app) -> None:
    _, resp = await app.asgi_client.get("/barrierefreiheit")
    assert resp.status == 200
    page = resp.text
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in page and "BITV 2.0" in page
    headings = ("Stand der Vereinbarkeit", "Nicht barrierefreie Inhalte", "Feedback und Kontakt")
    headings += ("Schlichtungsverfahren",)
    for heading in headings:
        assert f"<h2>{heading}</h2>" in page
    assert "teilweise" in page and "30.11.2026" in page
    assert '<a href="mailto:barrieren@beispielhausen.example">' in page
    assert '<a href="https://www.schlichtungsstelle-bgg.de">' in page


async def test_every_server_page_links_both_and_turns_addresses_into_links(app) -> None:
    for path in ("/kb/vpn-fehler", "/kb/gibt-es-nicht", "/datenschutz", "/barrierefreiheit?lang=en"):
        _, resp = await app.asgi_client.get(path)
        assert '<a href="/datenschutz' in resp.text and '<a href="/barrierefreiheit' in resp.text, path
        assert '<script type="module" src="/static/kb.js"></script>' in resp.text, path
    _, script = await app.asgi_client.get("/static/kb.js")
    assert script.status == 200 and 'from "./staff/linkify.js"' in script.text


def test_a_controller_contact_with_markup_is_text() -> None:
    from web.legal.service import contact_html

    assert contact_html('<b onclick="x">dsb@x.example</b>') == "&lt;b onclick=&quot;x&quot;&gt;dsb@x.example&lt;/b&gt;"
    assert contact_html("dsb@stadt.example") == '<a href="mailto:dsb@stadt.example">dsb@stadt.example</a>'


def test_an_article_may_link_another_article() -> None:
    from web.knowledge.service import render_markdown

    rendered = render_markdown("Siehe auch [VPN-Fehler](/kb/vpn-fehler) und https://portal.stadt.example.")
    assert '<a href="/kb/vpn-fehler">VPN-Fehler</a>' in rendered
    # A bare address stays text on the server; kb.js links it in the browser (one linkify for chat and pages).
    assert "https://portal.stadt.example." in rendered and 'href="https://portal' not in rendered
