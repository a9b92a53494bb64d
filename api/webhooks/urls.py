"""Checks that a webhook URL points at a public HTTPS endpoint (no server-side request forgery).

Private, loopback, link-local (cloud metadata at 169.254.169.254), shared,
multicast and reserved addresses are refused unless ``webhook_allowed_hosts``
names the host. The check runs when an endpoint is registered (on the URL as
written, numeric IPv4 forms such as 2130706433 included) and again before
every delivery (on every address the name resolves to then).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from api.config import Settings, get_settings
from api.errors import ValidationFailed

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


class UnsafeDestination(Exception):
    """A webhook host resolved to an address that is not public."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _numeric_address(host: str) -> str | None:
    """The address of a host written as an IP literal in any form the resolver accepts, else None."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return None
    return str(infos[0][4][0])


def _is_allowed(host: str, settings: Settings) -> bool:
    return host.lower() in {h.strip().lower().strip("[]") for h in settings.webhook_allowed_hosts}


def check_url(url: str, settings: Settings | None = None) -> str:
    """Return the trimmed URL, or raise ValidationFailed on field ``url``."""
    settings = settings or get_settings()
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ValidationFailed.single("url", "WEBHOOK_URL_INVALID") from error
    host = (parts.hostname or "").lower()
    if len(text) > 2048 or parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise ValidationFailed.single("url", "WEBHOOK_URL_INVALID")
    if port == 0:
        raise ValidationFailed.single("url", "WEBHOOK_URL_INVALID")

    allowed = _is_allowed(host, settings)
    if parts.scheme == "http" and (settings.is_production or not allowed):
        raise ValidationFailed.single("url", "WEBHOOK_URL_HTTPS_REQUIRED")
    if allowed:
        return text
    address = _numeric_address(host)
    if address is not None and not is_public(address):
        raise ValidationFailed.single("url", "WEBHOOK_URL_NOT_PUBLIC")
    if address is None and (host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host):
        raise ValidationFailed.single("url", "WEBHOOK_URL_NOT_PUBLIC")
    return text


async def check_destination(url: str, settings: Settings | None = None) -> None:
    """Resolve the URL's host and raise UnsafeDestination unless every address is public or allowed."""
    settings = settings or get_settings()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _is_allowed(host, settings):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeDestination(f"cannot resolve {host}: {error}") from error
    for info in infos:
        address = str(info[4][0])
        if not is_public(address):
            # NOTE: the HTTP client resolves the name again when it connects, so a DNS answer that
            # changes between the two lookups (rebinding) is not caught here.
            raise UnsafeDestination(f"{host} resolves to a non-public address")
