"""Knowledge search and article rendering for the web service."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable

import markdown

from knowledge.articles import Article
from knowledge.source import KnowledgeSource
from knowledge.text_policy import parse_int
from web.knowledge.schemas import SearchJSON

MAX_K = 20


class BadRequest(ValueError):
    """Client input we reject: the catalogue code, its values and the field."""

    def __init__(self, code: str, values: dict[str, object], field: str) -> None:
        """An ``error.<code>`` of the text catalogue about ``field``."""
        super().__init__(code)
        self.code, self.values, self.field = code, values, field


def parse_search_args(q: str | None, k: str | None, max_chars: int) -> tuple[str, int]:
    """Validate ``q`` (non-empty, capped) and ``k`` (1..20, default 5)."""
    query = (q or "").strip()
    if not query:
        raise BadRequest("knowledge.query_missing", {}, "q")
    if len(query) > max_chars:
        raise BadRequest("knowledge.query_too_long", {"limit": max_chars}, "q")
    n = parse_int(k, 5, 1, MAX_K)
    if n is None:
        raise BadRequest("knowledge.k", {"max": MAX_K}, "k")
    return query, n


async def search(*, knowledge: KnowledgeSource, article_url: Callable[[str], str], query: str, k: int) -> SearchJSON:
    """Run the search off the event loop and shape the answer."""
    kb = await asyncio.to_thread(knowledge.get)  # may load the model: never on the event loop
    result = await asyncio.to_thread(kb.search, query, k)
    return {
        "query": result.query,
        "outcome": result.outcome,
        "hits": [
            {
                "slug": h.slug,
                "title": h.title,
                "score": round(h.score, 4),
                "snippet": h.snippet,
                "url": article_url(h.slug),
            }
            for h in result.hits
        ],
    }


_LINK_RE = re.compile(r'(href|src)="([^"]*)"')
# A local link is a path on our site: "/" not followed by "/" or "\" (browsers read "//host" and "/\host" as
# another site).
_SAFE_URL = re.compile(r"^(https?://|mailto:|/(?![/\\])|#)", re.IGNORECASE)
_IGNORED_BY_BROWSERS = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def safe_url(url: str) -> bool:
    """A link target we keep: http(s), mailto, a path on our own site, or an anchor.

    Checked as a browser reads it: tabs and line breaks inside are dropped, leading and trailing spaces and
    control characters too.
    """
    seen = _IGNORED_BY_BROWSERS.sub("", html.unescape(url)).strip(_C0_AND_SPACE)
    return _SAFE_URL.match(seen) is not None


def _safe_links(rendered: str) -> str:
    """Drop link targets that are not http(s), mailto or on our site (no ``javascript:``, no ``//other.host``)."""
    return _LINK_RE.sub(lambda m: m.group(0) if safe_url(m.group(2)) else f'{m.group(1)}="#"', rendered)


def render_markdown(text: str) -> str:
    """Markdown to HTML; raw HTML in the source is shown as text, never executed."""
    return _safe_links(markdown.markdown(html.escape(text, quote=False), extensions=["sane_lists"]))


def render_article_body(article: Article) -> str:
    """The article's body as HTML (see :func:`render_markdown`)."""
    return render_markdown(article.body)
