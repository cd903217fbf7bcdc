"""The intranet the widget tests embed the widget in: another origin, its own styles, its own button.

A tiny static server on the loopback port the stack allows in SERVICEDESK_ALLOWED_ORIGINS (see conftest) serves a
few pages that embed the widget with one script tag; ``strict.html`` comes with a CSP a careful intranet sends.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from desk.identity import make_identity
from scripts.stack import Stack

EMPLOYEE = "e.mueller"  # the signed-in employee of signed.html
# The intranet's own look: the widget must neither take it over nor be taken over by it.
HOST_CSS = """
* { font-family: serif; color: purple; }
body { margin: 2rem; background: #fffdf5; }
div { border: 3px dotted orange; padding: 1.5rem; text-transform: uppercase; }
button { background: #ffffe0; border: 2px solid purple; padding: 4px 10px; font-size: 20px; }
"""
HOST_BUTTON = {
    "color": "rgb(128, 0, 128)",
    "fontFamily": "serif",
    "fontSize": "20px",
    "backgroundColor": "rgb(255, 255, 224)",
}


def intranet_page(base_url: str, title: str, identity: str = "") -> str:
    """A page of the intranet; a signed-in employee's page passes the intranet's identity token."""
    signed = f' data-identity="{identity}"' if identity else ""
    return f"""<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Intranet der Stadtverwaltung</title>
<link rel="stylesheet" href="/intranet.css"></head>
<body>
<header><p>Intranet der Stadtverwaltung</p>
<nav aria-label="Hauptmenü"><a href="/index.html">Startseite</a></nav></header>
<main><h1>{title}</h1><p>Neuigkeiten aus dem Haus.</p>
<button id="host-button" type="button">Urlaubsantrag stellen</button></main>
<script src="{base_url}/widget.js" data-language="de"{signed} async></script>
</body>
</html>
"""


class IntranetHandler(SimpleHTTPRequestHandler):
    """Static files; the strict page gets a CSP without 'unsafe-inline' (as a careful intranet would send)."""

    web_origin = ""

    def end_headers(self) -> None:
        if self.path.startswith("/strict"):
            ws = self.web_origin.replace("http://", "ws://")
            self.send_header(
                "Content-Security-Policy",
                f"default-src 'self'; script-src 'self' {self.web_origin}; style-src 'self' {self.web_origin}; "
                f"connect-src {self.web_origin} {ws}; img-src 'self'",
            )
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve_intranet(root: Path, stack: Stack, base_url: str, intranet_origin: str) -> Iterator[str]:
    """The intranet on its own origin, embedding the widget with one script tag."""
    (root / "intranet.css").write_text(HOST_CSS, encoding="utf-8")
    (root / "index.html").write_text(intranet_page(base_url, "Startseite"), encoding="utf-8")
    (root / "strict.html").write_text(intranet_page(base_url, "Strenge Seite"), encoding="utf-8")
    token = make_identity(EMPLOYEE, stack.settings.identity.secret.get_secret_value().encode())
    (root / "signed.html").write_text(intranet_page(base_url, "Mein Bereich", token), encoding="utf-8")
    (root / "forged.html").write_text(intranet_page(base_url, "Mein Bereich", token[:-4] + "AAAA"), encoding="utf-8")
    handler = type("Handler", (IntranetHandler,), {"web_origin": base_url})
    port = int(intranet_origin.rsplit(":", 1)[1])  # allowed in SERVICEDESK_ALLOWED_ORIGINS (conftest)
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield intranet_origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
