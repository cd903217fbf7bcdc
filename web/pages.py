"""The frames of our server-made pages: the article and error pages, and the staff pages' shared shell."""

from __future__ import annotations

import functools
import html
import re
import string
from pathlib import Path

from texts import text

STYLE = """
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:48rem;margin:0 auto;padding:1rem;color:#1a1a1a}
a{color:#0b57a4}a:focus,button:focus{outline:3px solid #0b57a4;outline-offset:2px}
.meta{color:#555}header{border-bottom:1px solid #ccc;margin-bottom:1rem}
footer{border-top:1px solid #ccc;margin-top:2rem;padding-top:.5rem}
h1{font-size:1.75rem;hyphens:auto;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;overflow-wrap:anywhere}code{overflow-wrap:anywhere}
"""


def page(title: str, body_html: str, lang: str = "de") -> str:
    """Wrap trusted body HTML; the title is escaped.

    Every page ends with links to the privacy notice and the accessibility statement, and loads
    ``/static/kb.js``, which turns web addresses, e-mail addresses and phone numbers in the text into links.
    """
    t = html.escape(title)
    words = "en" if lang == "en" else "de"
    suffix, brand = html.escape(text("page.title_suffix", words)), html.escape(text("page.brand", words))
    query = "?lang=en" if words == "en" else ""
    footer = (
        f'<footer><nav aria-label="{html.escape(text("page.legal_nav", words))}">'
        f'<a href="/datenschutz{query}">{html.escape(text("page.privacy", words))}</a> · '
        f'<a href="/barrierefreiheit{query}">{html.escape(text("page.accessibility", words))}</a></nav></footer>'
    )
    return (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} – {suffix}</title>'
        f'<style>{STYLE}</style><script type="module" src="/static/kb.js"></script></head>'
        f"<body><header><p>{brand}</p></header>"
        f"<main><h1>{t}</h1>{body_html}</main>{footer}</body></html>"
    )


PAGES = Path(__file__).resolve().parent / "pages"
SLOT = re.compile(r"^<!--slot (\w+)-->\n", re.MULTILINE)
OPTIONAL = ("nav", "before_main", "status", "scripts")  # slots a staff page may leave out


@functools.cache
def staff_page(name: str) -> str:
    """A staff page (console, editor, insights): its slots from ``pages/<name>.html`` in the shared frame.

    The frame holds what every staff page has (head, top bar, login form, "no access"); the page file only
    what is its own. Both are our files, so the HTML is trusted; a slot the frame names but the page lacks
    is an error at the first request, not a page with a hole.
    """
    parts = SLOT.split((PAGES / f"{name}.html").read_text(encoding="utf-8"))[1:]
    # A one-line slot (a title) is its text; a block keeps its indentation.
    slots = {key: value.rstrip("\n") for key, value in zip(parts[::2], parts[1::2], strict=True)}
    slots = {key: value.strip() if "\n" not in value else value for key, value in slots.items()}
    frame = string.Template((PAGES / "frame.html").read_text(encoding="utf-8"))
    return frame.substitute({**dict.fromkeys(OPTIONAL, ""), **slots, "page": name})
