"""Headers every response carries, pages and error pages alike."""

from __future__ import annotations

from sanic.response import HTTPResponse

# Our pages load only our own scripts; inline styles are used by the article pages. No plugins, no <base>
# tricks, forms only to ourselves, and only our own pages may frame us.
CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Links from articles to other sites must not carry our paths (article slugs, console URLs) along.
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response: HTTPResponse) -> None:
    """Set the security headers unless a handler chose its own."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
