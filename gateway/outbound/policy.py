"""Where the gateway may send things: the admin's allow-list (`GATEWAY_OUTBOUND_ALLOW`) plus the
address rules no list can override (link-local and cloud metadata addresses, the gateway itself).

A URL is matched as parsed parts (scheme, host, port, path prefix at a segment boundary), never as
a string prefix, so `https://las.example.gov.uk.evil.example/` or `https://las.example.gov.uk@evil/`
cannot pass for `https://las.example.gov.uk/`. The URL check (`check_url`) needs no DNS and runs
when a Subscription is written; the address check (`check_addresses`) runs on every connection,
on the addresses the connection will actually use (see `gateway.outbound.network`), so a name
that resolves somewhere it must not, now or after a DNS change, is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the IP addresses a connection to it would use. Tests pass a stub.
Resolver = Callable[[str, int], Awaitable[list[str]]]

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# Cloud instance metadata services, by name and by address (the link-local ones are refused anyway).
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.com", "metadata.azure.internal",
    "instance-data", "instance-data.ec2.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254", "fd20:ce::254",
))


class OutboundRefused(Exception):
    """The gateway will not send to this URL or address; `reason` says why, for the people who see it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutboundConfigError(ValueError):
    """An allow-list entry (or the social care endpoint) the gateway cannot accept; refuses start-up."""


@dataclass(frozen=True, slots=True)
class Target:
    """A URL reduced to what is matched: lower-case scheme and host (no trailing dot), port, path."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _ip(host: str) -> IpAddress | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback_host(host: str) -> bool:
    """A loopback address written literally, or the loopback name."""
    address = _ip(host)
    return host in LOOPBACK_NAMES if address is None else address.is_loopback


def parse_target(url: str) -> Target:
    """The parts of `url` that are matched; OutboundRefused for anything ambiguous or not http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"the URL cannot be read ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OutboundRefused("only http(s) URLs can be called")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise OutboundRefused("the URL must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("the URL has no host")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise OutboundRefused("the URL's host name is not valid") from None
    path = parts.path or "/"
    lowered = path.lower()
    segments = path.split("/")
    if "\\" in path or "%2f" in lowered or "%2e" in lowered or "%5c" in lowered or "." in segments or ".." in segments:
        raise OutboundRefused("the URL's path must not hold dot segments, backslashes or encoded slashes or dots")
    return Target(scheme, host, port or DEFAULT_PORTS[scheme], path)


@dataclass(frozen=True, slots=True)
class Prefix:
    """One allowed URL prefix: same scheme, host and port, and a path under its path."""

    target: Target
    raw: str

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.target.host)

    def matches(self, other: Target) -> bool:
        mine = self.target
        if (mine.scheme, mine.host, mine.port) != (other.scheme, other.host, other.port):
            return False
        base = mine.path if mine.path.endswith("/") else mine.path + "/"
        return other.path == mine.path or other.path.startswith(base)


def address_problem(address: IpAddress) -> str | None:
    """What kind of address `address` is when no call may go to it, whatever the allow-list says
    ("a link-local address"); None when it may."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified or address.is_multicast or address == ipaddress.IPv4Address("255.255.255.255"):
        return "not a unicast address"
    if address.is_reserved and isinstance(address, ipaddress.IPv4Address):
        return "a reserved address"
    return None


def parse_prefix(raw: str, setting: str) -> Prefix:
    """An allow-list entry, checked: https, or http on a loopback host named literally."""
    try:
        target = parse_target(raw)
    except OutboundRefused as exc:
        raise OutboundConfigError(f"{setting}: {raw!r} is not a usable URL prefix: {exc.reason}") from None
    if urlsplit(raw.strip()).query or urlsplit(raw.strip()).fragment:
        raise OutboundConfigError(f"{setting}: {raw!r} must not have a query or fragment")
    loopback = is_loopback_host(target.host)
    if target.scheme != "https" and not loopback:
        raise OutboundConfigError(f"{setting}: {raw!r} is not https (plain http is allowed only for loopback "
                                  "addresses such as http://127.0.0.1:9000/)")
    address = _ip(target.host)
    problem = address_problem(address) if address is not None else None
    if problem is not None:
        problem = f"{address} is {problem}"
    elif target.host in METADATA_NAMES:
        problem = f"{target.host} is a cloud metadata service"
    if problem is not None:
        raise OutboundConfigError(f"{setting}: {raw!r} can never be called: {problem}")
    return Prefix(target, raw.strip())


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system's resolver gives for `host` (TCP)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class OutboundPolicy:
    """The allow-list, the gateway's own (host, port) endpoints and a resolver, with the checks."""

    def __init__(self, prefixes: Iterable[Prefix], own: Iterable[tuple[str, int]],
                 resolver: Resolver | None = None) -> None:
        self.prefixes = tuple(prefixes)
        self.own = tuple((host.lower().rstrip("."), port) for host, port in own)
        self.resolver: Resolver = resolver or system_resolver

    @property
    def own_ports(self) -> frozenset[int]:
        return frozenset(port for _host, port in self.own)

    def check_url(self, url: str) -> Target:
        """The target if `url` may be called; OutboundRefused saying why not. No DNS: see `check_addresses`."""
        target = parse_target(url)
        address = _ip(target.host)
        if address is not None and (problem := address_problem(address)):
            raise OutboundRefused(f"{address} is {problem}; the gateway never calls it")
        if target.host in METADATA_NAMES:
            raise OutboundRefused(f"{target.host} is a cloud metadata service; the gateway never calls it")
        if self._is_own(target.host, target.port, address):
            raise OutboundRefused(f"{target.origin} is the gateway itself")
        if not any(prefix.matches(target) for prefix in self.prefixes):
            raise OutboundRefused(self._unlisted(target))
        return target

    def _unlisted(self, target: Target) -> str:
        if target.scheme == "http" and not is_loopback_host(target.host):
            return "only https endpoints can be called (plain http only on a loopback address the allow-list names)"
        return (f"{target.origin}{target.path} is not under any URL prefix in the outbound allow-list "
                "(GATEWAY_OUTBOUND_ALLOW); an administrator must add it")

    def _is_own(self, host: str, port: int, address: IpAddress | None) -> bool:
        if (host, port) in self.own:
            return True
        if port not in self.own_ports:
            return False
        if address is not None:
            return address.is_loopback or address.is_unspecified or any(_ip(h) == address for h, p in self.own
                                                                         if p == port)
        return host in LOOPBACK_NAMES

    async def check_addresses(self, target: Target) -> list[str]:
        """The addresses to connect to for `target`, each one checked; OutboundRefused if any is
        refused (a name must not resolve partly somewhere forbidden)."""
        literal = _ip(target.host)
        try:
            found = [target.host] if literal is not None else await self.resolver(target.host, target.port)
        except OSError:
            raise OutboundRefused(f"the host name {target.host} could not be resolved") from None
        if not found:
            raise OutboundRefused(f"the host name {target.host} could not be resolved")
        own_addresses = await self._own_addresses(target.port)
        loopback_listed = is_loopback_host(target.host)
        for text in found:
            address = _ip(text)
            if address is None:
                raise OutboundRefused(f"{target.host} resolved to something that is not an IP address")
            if problem := address_problem(address):
                raise OutboundRefused(f"{target.host} resolves to {address}, {problem}; the gateway never calls it")
            if address in own_addresses or (target.port in self.own_ports and
                                            (address.is_loopback or address.is_unspecified)):
                raise OutboundRefused(f"{target.host}:{target.port} resolves to the gateway itself")
            if address.is_loopback and not loopback_listed:
                raise OutboundRefused(f"{target.host} resolves to a loopback address; only a loopback address "
                                      "named in the allow-list may be called on this machine")
        return [str(_ip(text)) for text in found]

    async def _own_addresses(self, port: int) -> set[IpAddress]:
        out: set[IpAddress] = set()
        for host, own_port in self.own:
            if own_port != port:
                continue
            literal = _ip(host)
            if literal is not None:
                out.add(literal)
                continue
            try:
                out.update(a for a in map(_ip, await self.resolver(host, own_port)) if a is not None)
            except OSError:
                continue  # a public name we cannot resolve cannot be connected to either
        return out


def own_endpoints(urls: Iterable[str | None]) -> list[tuple[str, int]]:
    """The (host, port) of each of the gateway's own URLs (base URL, listening address)."""
    out = []
    for url in urls:
        if not url:
            continue
        try:
            target = parse_target(url if "://" in url else f"http://{url}")
        except OutboundRefused:
            continue
        out.append((target.host, target.port))
    return out


def allow_list(text: str, setting: str = "GATEWAY_OUTBOUND_ALLOW") -> list[Prefix]:
    """The comma-separated prefixes of `text`, each checked (OutboundConfigError on the first bad one)."""
    return [parse_prefix(item, setting) for item in text.split(",") if item.strip()]
