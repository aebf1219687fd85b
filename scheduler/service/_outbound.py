"""Outbound URLs (webhooks) checked so they never reach internal addresses.

``check_outbound_url`` is pure: scheme, credentials, host spelling, internal names, and the
address of a URL that names one (in any form the C library reads: ``2130706433``,
``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``[::ffff:127.0.0.1]``). ``resolve_outbound_url``
adds the lookup: a name must resolve, and to public addresses only, every one of them. The
caller then connects to a checked address (``OutboundURL.pinned_url``), not to the name, so a
second lookup cannot answer differently (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv6Address
from typing import NoReturn
from urllib.parse import urlsplit

from scheduler.errors import RefusedTargetError

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str], Iterable[str]]
"""A host name to its addresses as text (none, or ``OSError``: it does not resolve)."""

DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud instance metadata services, by the names they answer to inside an instance.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
        "metadata.tencentyun.com",
        "metadata.packet.net",
        "metadata.platformequinix.com",
    }
)
# Top-level names public DNS never answers: only a local or internal resolver does.
INTERNAL_SUFFIXES = (
    ".internal",
    ".local",
    ".localhost",
    ".localdomain",
    ".home.arpa",
    ".lan",
    ".corp",
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABELS = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


@dataclass(frozen=True)
class OutboundURL:
    """A checked URL: scheme, host (ASCII, lower case), port, path and query, addresses.

    ``addresses`` holds the URL's own address when it names one, those a name resolved to
    after ``resolve_outbound_url``, and nothing for a name not yet resolved.
    """

    scheme: str
    host: str
    port: int
    explicit_port: bool
    target: str
    addresses: tuple[IPAddress, ...] = ()

    @property
    def is_name(self) -> bool:
        """Whether the host is a name (not an address)."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return True
        return False

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the host, and the port when not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS[self.scheme] == self.port
        return host if default or not self.explicit_port else f"{host}:{self.port}"

    def pinned_url(self) -> str:
        """The URL with its first checked address in place of the host."""
        if not self.addresses:
            raise ValueError(f"{self.host} is not resolved yet: call resolve_outbound_url")
        address = self.addresses[0]
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.target}"


def check_outbound_url(url: str, *, allow_loopback: bool) -> OutboundURL:
    """The URL's parts, if nothing in them points inside; no lookup is made.

    Parameters
    ----------
    url
        An ``https://`` URL without credentials.
    allow_loopback
        Also accept ``http://`` and loopback hosts (tests' receivers).

    Raises
    ------
    RefusedTargetError
        Saying which rule the URL breaks, e.g. "10.0.0.5 is a private address".
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        _refuse(
            "it is not a valid URL (see its port and brackets)",
            "bad URL",
            allow_loopback=allow_loopback,
        )
    schemes = ("http", "https") if allow_loopback else ("https",)
    if parts.scheme not in schemes:
        _refuse(
            f"{parts.scheme or 'no scheme'} is not {' or '.join(schemes)}",
            "not https",
            allow_loopback=allow_loopback,
        )
    if parts.username is not None or parts.password is not None:
        _refuse(
            "leave user name and password out of the URL (the signature authenticates)",
            "bad URL",
            allow_loopback=allow_loopback,
        )
    if not parts.hostname:
        _refuse("the URL has no host", "bad URL", allow_loopback=allow_loopback)
    if port is not None and not 0 < port < 65536:
        _refuse(f"port {port} is not 1 to 65535", "bad URL", allow_loopback=allow_loopback)
    host = _ascii_host(parts.hostname, allow_loopback=allow_loopback)
    address = _address_in(host, allow_loopback=allow_loopback)
    checked = OutboundURL(
        scheme=parts.scheme,
        host=str(address) if address is not None else host,
        port=port or DEFAULT_PORTS[parts.scheme],
        explicit_port=port is not None,
        target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )
    if address is None:
        _check_name(host, allow_loopback=allow_loopback)
        return checked
    plain = ":" in host or host == str(address)  # IPv6 as written, IPv4 dotted-quad
    shown = f"{host} is" if plain else f"{host} ({address}) is"
    _check_address(address, shown=shown, allow_loopback=allow_loopback)
    return replace(checked, addresses=(address,))


def resolve_host(host: str) -> list[str]:
    """The addresses ``host`` resolves to, by the system's resolver (``getaddrinfo``)."""
    found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(entry[4][0]) for entry in found))


def resolve_outbound_url(
    url: str, *, allow_loopback: bool, resolve: Resolver = resolve_host
) -> OutboundURL:
    """``check_outbound_url``, then the name's addresses, each of them checked.

    Parameters
    ----------
    url
        The URL to reach.
    allow_loopback
        Also accept ``http://`` and loopback addresses.
    resolve
        Host name to addresses (tests pass a table; the default asks the system).

    Raises
    ------
    RefusedTargetError
        When the URL breaks a rule, its name does not resolve, or resolves to any internal
        address (category "does not resolve" or "internal address").
    """
    checked = check_outbound_url(url, allow_loopback=allow_loopback)
    if checked.addresses:
        return checked
    try:
        found = [ipaddress.ip_address(text.split("%", 1)[0]) for text in resolve(checked.host)]
    except (OSError, UnicodeError, ValueError):
        found = []
    if not found:
        _refuse(
            f"{checked.host} does not resolve", "does not resolve", allow_loopback=allow_loopback
        )
    for address in found:
        _check_address(
            address, shown=f"{checked.host} resolves to {address},", allow_loopback=allow_loopback
        )
    return replace(checked, addresses=tuple(dict.fromkeys(found)))


def _ascii_host(hostname: str, *, allow_loopback: bool) -> str:
    """The host in ASCII (IDNA for names), without a trailing dot; refused if malformed."""
    if ":" in hostname:  # an IPv6 literal: names hold no colon
        return hostname
    try:
        host = hostname.encode("idna").decode("ascii").lower().removesuffix(".")
    except UnicodeError:
        host = ""
    if not _LABELS.fullmatch(host):
        _refuse(f"{hostname!r} is not a host name", "bad URL", allow_loopback=allow_loopback)
    return host


def _address_in(host: str, *, allow_loopback: bool) -> IPAddress | None:
    """The address ``host`` spells (``None`` for a name), read as the C library reads it."""
    if ":" in host:
        try:
            return IPv6Address(host)
        except ValueError:
            _refuse(f"{host} is not an IPv6 address", "bad URL", allow_loopback=allow_loopback)
    if not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None
    try:  # inet_aton takes the decimal, hex, octal and short forms a connection would
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        _refuse(f"{host} is not an IPv4 address", "bad URL", allow_loopback=allow_loopback)


def _check_name(host: str, *, allow_loopback: bool) -> None:
    """Refuse metadata hosts and names only an internal resolver answers."""
    if allow_loopback and host == "localhost":
        return
    if host in METADATA_HOSTS:
        why = f"{host} is a cloud metadata host"
    elif host == "localhost" or host.endswith(INTERNAL_SUFFIXES):
        why = f"{host} is an internal name"
    elif "." not in host:
        why = f"{host} is a single-label name, which only an internal resolver answers"
    else:
        return
    _refuse(why, "internal address", allow_loopback=allow_loopback)


def _check_address(address: IPAddress, *, shown: str, allow_loopback: bool) -> None:
    """Refuse ``address`` unless it is public (or loopback, when allowed)."""
    kind = _internal_kind(address)
    if kind is None or (allow_loopback and kind == "a loopback address"):
        return
    _refuse(f"{shown} {kind}", "internal address", allow_loopback=allow_loopback)


def _internal_kind(address: IPAddress) -> str | None:
    """What makes ``address`` internal ("a private address", ...); ``None`` if public."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return _internal_kind(address.ipv4_mapped)
        embedded = address.sixtofour or (address.teredo[1] if address.teredo else None)
        if address in NAT64:  # 64:ff9b::a.b.c.d reaches a.b.c.d through a NAT64 gateway
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        inner = _internal_kind(embedded) if embedded is not None else None
        if inner is not None:
            return f"an address inside {embedded}, {inner}"
        if address in NAT64:
            return None
        if address.is_site_local:
            return "a site-local address"
    for internal, kind in (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    ):
        if internal:
            return kind
    return None


def _refuse(why: str, category: str, *, allow_loopback: bool) -> NoReturn:
    """Raise the refusal: the rule, then ``why`` it is broken."""
    rule = (
        "URL must be http(s) and reach a public or loopback address"
        if allow_loopback
        else "URL must be https and reach a public address"
    )
    raise RefusedTargetError(f"{rule}; {why}", category=category)
