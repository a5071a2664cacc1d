"""The visitor's own address behind a reverse proxy, for the per-address sign-in limit.

Behind a proxy the connection's address is the proxy's, so every visitor would share one limit (and one person
guessing could lock the whole council out). ``X-Forwarded-For`` names the client, but any client can send one: it is
read only when the connection comes from a proxy the deployment trusts (``PROTOCOL_BOT_WEB_TRUSTED_PROXIES``), and
then from the right. Each proxy appends the address it saw, so the rightmost address that is not one of ours is
the one our proxies vouch for; whatever stands left of it the client wrote. Only the standard library parses:
``ipaddress`` for addresses and networks, ``urllib.parse`` for the odd proxy that adds a port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def address(text: str) -> Address | None:
    """``203.0.113.9``, ``2001:db8::1``, ``[2001:db8::1]:443``, ``203.0.113.9:5000``; an IPv4 address mapped into
    IPv6 (a dual-stack listener) as IPv4, so ``10.0.0.0/8`` matches it. ``None`` for anything else."""
    text = text.strip()
    try:
        found: Address = ipaddress.ip_address(text)
    except ValueError:
        try:
            host = urlsplit(f"//{text}").hostname
            found = ipaddress.ip_address(host or "")
        except ValueError:
            return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def trusted(found: Address, proxies: Iterable[Network]) -> bool:
    return any(found in network for network in proxies)


def client_address(peer: str | None, forwarded: Sequence[str], proxies: Sequence[Network]) -> str | None:
    """The address to count sign-in attempts against. ``peer``: the connection's (aiohttp's ``request.remote``);
    ``forwarded``: every ``X-Forwarded-For`` header as received, in order. The peer itself unless it is a trusted
    proxy; then the rightmost forwarded address that is not (or the leftmost, when all of them are)."""
    current = address(peer) if peer else None
    if current is None or not trusted(current, proxies):
        return peer
    hops = [hop for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        found = address(hop)
        if found is None:  # no proxy of ours writes that: the last hop we could vouch for stands
            break
        current = found
        if not trusted(found, proxies):
            break
    return str(current)
