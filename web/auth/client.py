"""The client address of a request, for login throttling.

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


def client_address(request: Request, trusted: Networks) -> str:
    """Who is asking: the peer, or what trusted proxies say they forwarded."""
    peer = request.ip or ""  # the socket peer (Sanic's remote_addr would trust forwarded headers)
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in request.headers.getall("x-forwarded-for", []) for h in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop[:64]
    return peer
