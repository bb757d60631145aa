"""Where a webhook may point: an http(s) URL whose host resolves to public addresses only.

A webhook makes Corridor's servers send requests to an address a partner chose. An address inside
the deployment's network (private, loopback, link-local, ...) would let a partner reach services never
meant to be reached from outside (server-side request forgery), so every address the host resolves to
is checked when the URL is given and again before each attempt, and the attempt connects to an address
that was just checked: a name that resolves differently the second time (DNS rebinding) gains nothing.
``allow_private`` (``CORRIDOR_WEBHOOKS_ALLOW_PRIVATE``) lifts the address check, for tests and closed
networks. No Django here.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = {"http": 80, "https": 443}


class TargetRefused(Exception):
    """The URL may not receive webhooks; the message says why, in words."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``) and what to ask for (host, port, path)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"The host {host} does not resolve.") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _not_public(address: str) -> str | None:
    """What kind of non-public address this is (for the message), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flagged in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved or not ip.is_global),
    ):
        if flagged:
            return kind
    return None


def target_check(url: str, *, require_https: bool, allow_private: bool) -> Target:
    """The ``Target`` of ``url``, or ``TargetRefused`` saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("This is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetRefused("Give an https:// (or, outside production, http://) URL.")
    if require_https and scheme != "https":
        raise TargetRefused("Webhooks must use https:// in production.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Put no credentials in the URL: receivers check the webhook signature instead.")
    port = port or SCHEMES[scheme]
    addresses = resolve(parts.hostname, port)
    if not allow_private:
        for address in addresses:
            kind = _not_public(address)
            if kind is not None:
                raise TargetRefused(
                    f"{parts.hostname} resolves to {address}, a {kind} address; webhooks go to public addresses only."
                )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=parts.hostname, port=port, path=path, addresses=tuple(addresses))
