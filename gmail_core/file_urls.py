"""Which file links the plugin may fetch before mailing the bytes out.

Dify hands a tool file parameter over as ``File.url``. For files Dify stores (uploads, tool
output) that is a signed link to its own file service, built from ``INTERNAL_FILES_URL``
(else ``FILES_URL``): ``<base>/files/<uuid>/file-preview?timestamp=…&nonce=…&sign=…`` or
``<base>/files/tools/<uuid><ext>?timestamp=…&nonce=…&sign=…`` — in a self-hosted Docker Dify
typically ``http://api:5001/…``, a private address. For a file added "by URL", ``File.url`` is
that URL as the user typed it (api/core/file/models.py: ``generate_url``), so it can point at
cloud metadata, the plugin's own host or any internal service.

The rule: public addresses are fetched; private-network addresses only for links shaped like
Dify's signed file links; loopback, link-local (169.254.169.254 is cloud metadata) and other
special addresses never — unless ``GMAIL_DIFY_FILE_HOSTS`` names the host, which then replaces
the shape rule: only the hosts listed may be non-public, whatever the address.

Every address the name resolves to is checked. The fetch resolves the name again, so a DNS
answer that changes in between (rebinding) is not covered; redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, urlsplit

from gmail_core import config
from gmail_core.errors import InvalidInputError

Resolver = Callable[[str, int], Sequence[str]]

# <any prefix>/files/<uuid>/(file|image)-preview, or <any prefix>/files/tools/<uuid><.ext>
_SIGNED_PATH = re.compile(
    r"(?:/[^?#]*)?/files/(?:[0-9a-f-]{36}/(?:file|image)-preview|tools/[0-9a-f-]{36}(?:\.\w{1,16})?)",
    re.IGNORECASE,
)
_SIGNED_QUERY = ("timestamp", "nonce", "sign")


def resolve(host: str, port: int) -> list[str]:
    """Every IP address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def kind_of(address: str) -> str:
    """ "public", "private" (a private network), or why it is special."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_global:
        return "public"
    return "private"


def is_dify_signed_link(url: str) -> bool:
    """Shaped like a link Dify signs for its own stored files (the signature is Dify's to check)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return bool(_SIGNED_PATH.fullmatch(parts.path)) and all(query.get(k) for k in _SIGNED_QUERY)


def check(
    url: str,
    *,
    name: str,
    allowed_hosts: frozenset[str] | None = None,
    resolver: Resolver = resolve,
) -> None:
    """Raise InvalidInputError, saying why, unless the plugin may fetch ``url``."""
    hosts = config.dify_file_hosts() if allowed_hosts is None else allowed_hosts
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInputError(
            f"The file '{name}' has no web link the plugin can fetch ({parts.scheme or 'none'}). "
            "Pass a file uploaded to Dify or produced by an earlier node."
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = -1
    if port < 0:
        raise InvalidInputError(f"The link of the file '{name}' has an invalid port.")
    if host in hosts or f"{host}:{port}" in hosts:
        return
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        raise InvalidInputError(
            f"Could not find the host of the file '{name}' ({host}). Check the link, or that "
            "the plugin can reach Dify's FILES_URL."
        ) from None
    for address in addresses:
        kind = kind_of(address)
        if kind == "public" or (kind == "private" and not hosts and is_dify_signed_link(url)):
            continue
        raise InvalidInputError(_refusal(name, host, address, kind))


_WHY = {
    "loopback": "a loopback address ({address}), the plugin's own machine",
    "link-local": "a link-local address ({address}), where cloud metadata services live",
    "reserved": "a reserved address ({address})",
    "private": "a private-network address ({address}) and is not a link to Dify's own files",
}


def _refusal(name: str, host: str, address: str, kind: str) -> str:
    why = _WHY[kind].format(address=address)
    return (
        f"The file '{name}' was not fetched: its link points at {why}. Internal addresses "
        "are refused so that no internal data is mailed out. If it is your Dify's file "
        f"service, add '{host}' to GMAIL_DIFY_FILE_HOSTS in the plugin's environment."
    )
