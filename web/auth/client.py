"""The client address of a request, for login throttling and the loopback check of ``/metrics``.

The socket's peer address, unless the peer is one of ``SERVICEDESK_TRUSTED_PROXIES``: then the nearest
``X-Forwarded-For`` hop that is not itself a trusted proxy. Without trusted proxies the header is ignored,
so a client cannot choose its own address by sending it.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from sanic import Request

Networks = Sequence[IPv4Network | IPv6Network]


def _trusted(address: str, networks: Networks) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _forwarded(request: Request) -> list[str]:
    return [h.strip() for value in request.headers.getall("x-forwarded-for", []) for h in value.split(",") if h.strip()]


def _loopback(address: str) -> bool:
    try:
        return ip_address(address.strip()).is_loopback
    except ValueError:
        return False


def loopback_client(request: Request, trusted: Networks) -> bool:
    """Whether the request comes from this machine.

    The client (:func:`client_address`) must be a loopback address. A request through a trusted proxy is local
    only if every forwarded hop is loopback too: the proxy's own loopback address never stands in for a client
    it forwarded, and a header from a peer that is not a trusted proxy is never read at all.
    """
    if not _loopback(client_address(request, trusted)):
        return False
    if trusted and _trusted(request.ip or "", trusted):
        return all(_loopback(hop) for hop in _forwarded(request))
    return True


def client_address(request: Request, trusted: Networks) -> str:
    """Who is asking: the peer, or what trusted proxies say they forwarded."""
    peer = request.ip or ""  # the socket peer (Sanic's remote_addr would trust forwarded headers)
    if not trusted or not _trusted(peer, trusted):
        return peer
    for hop in reversed(_forwarded(request)):
        if not _trusted(hop, trusted):
            return hop[:64]
    return peer
