"""A minimal, accessible HTML frame shared by server-rendered pages."""

from __future__ import annotations

import html

from texts import text

STYLE = """
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:48rem;margin:0 auto;padding:1rem;color:#1a1a1a}
a{color:#0b57a4}a:focus,button:focus{outline:3px solid #0b57a4;outline-offset:2px}
.meta{color:#555}header{border-bottom:1px solid #ccc;margin-bottom:1rem}
"""


def page(title: str, body_html: str, lang: str = "de") -> str:
    """Wrap trusted body HTML; the title is escaped."""
    t = html.escape(title)
    suffix, brand = html.escape(text("page.title_suffix")), html.escape(text("page.brand"))
    return (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} – {suffix}</title>'
        f"<style>{STYLE}</style></head><body><header><p>{brand}</p></header>"
        f"<main><h1>{t}</h1>{body_html}</main></body></html>"
    )
