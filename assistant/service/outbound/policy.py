"""The outbound policy: which URLs and resolved addresses a delivery or callback may reach.

On-premise receivers: `HUATI_OUTBOUND_ALLOW` is a comma-separated list of host names (optionally with a
port), IP addresses (optionally with a port) and CIDR networks, e.g.
`HUATI_OUTBOUND_ALLOW=10.0.0.5,intranet.example:8080,192.168.0.0/24`.

- An IP or CIDR entry allows those addresses (any host name resolving into them; any port unless given).
- A host-name entry allows that host name (exact match, any port unless given) to resolve to non-public
  addresses, except link-local ones (169.254.0.0/16, fe80::/10: cloud metadata), which need an explicit
  IP/CIDR entry.
- Never allowed, whatever the list says: unspecified (0.0.0.0/8, ::), multicast and broadcast addresses.
- Only http and https.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore
import httpx

from assistant.errors import ConfigError
from assistant.service.outbound.addresses import (
    CATEGORY_TEXT,
    MAPPED,
    NEEDS_IP_ENTRY,
    NEVER,
    IPAddress,
    IPNetwork,
    address_category,
    embedded_ipv4,
    literal_ip,
    numeric_ipv4_spelling,
)
from assistant.settings import Settings, get_settings

ALLOW_SETTING = "HUATI_OUTBOUND_ALLOW"
SCHEMES = ("http", "https")
ALLOW_HINT = f"例如 {ALLOW_SETTING}=10.0.0.5,intranet.example:8080,192.168.0.0/24；留空表示只允许公网地址"
Resolver = Callable[[str, int], Sequence[str]]

# --------------------------------------------------------------------------- errors


class OutboundRefused(httpx.TransportError):
    """The policy refused a destination. `message` is Chinese (for users), `reason` English (for logs).

    A subclass of httpx.TransportError, so the existing `except httpx.HTTPError` blocks in the delivery and
    webhook code catch it; `neterrors.describe` should return (`message`, `reason`) for it.
    """

    def __init__(self, message: str, reason: str, *, request: httpx.Request | None = None):
        super().__init__(message, request=request)
        self.message = message
        self.reason = reason


def _refuse(what: str, reason: str, *, allowable: bool = True, hint: str | None = None) -> OutboundRefused:
    if hint is None:
        hint = (
            f"如果这是你自己部署的内网接收方，请把它的主机名或 IP / 网段加入 {ALLOW_SETTING}"
            f"（例如 {ALLOW_SETTING}=10.0.0.5,intranet.example:8080,192.168.0.0/24）"
            if allowable
            else f"这类地址不能作为接收方，{ALLOW_SETTING} 也无法放行"
        )
    return OutboundRefused(f"出于安全考虑，拒绝连接{what}：{hint}", reason)


def _encoded(host: str) -> OutboundRefused:
    return _refuse(
        f"用数字编码写的 IP 地址 {host}",
        f"numeric IPv4 spelling {host!r} refused",
        hint=f"请写成标准的点分十进制 IP（例如 10.0.0.5）；内网地址还需加入 {ALLOW_SETTING}",
    )


# --------------------------------------------------------------------------- allowlist


def _ascii_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    import idna  # an httpx dependency; the same IDNA 2008 encoding httpx applies to URLs

    return idna.encode(host, uts46=True).decode("ascii")


@dataclass(frozen=True)
class AllowEntry:
    text: str
    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    def allows(self, host: str, port: int, ip: IPAddress, category: str) -> bool:
        if category in NEVER or (self.port is not None and self.port != port):
            return False
        if self.network is not None:
            candidates = [ip, *(embedded_ipv4(ip) if ip in MAPPED else [])]
            return any(c.version == self.network.version and c in self.network for c in candidates)
        return self.host == host and category not in NEEDS_IP_ENTRY


def parse_allowlist(value: str | Iterable[str] | None) -> tuple[AllowEntry, ...]:
    """`10.0.0.5,intranet.example:8080,192.168.0.0/24,[fd00::1]:443` → entries; ValueError (Chinese) if bad."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    entries = []
    for raw in (i.strip() for i in items):
        if not raw:
            continue
        try:
            entries.append(_parse_entry(raw))
        except ValueError as exc:
            raise ValueError(f"{ALLOW_SETTING} 里的 “{raw}” 写法不对：{exc}") from None
    return tuple(entries)


def _parse_entry(raw: str) -> AllowEntry:
    if "://" in raw:
        raise ValueError("只写主机名或 IP，不要写 http://")
    if "/" in raw:
        try:
            return AllowEntry(raw, network=ipaddress.ip_network(raw, strict=False))
        except ValueError:
            raise ValueError("网段应写成 CIDR，例如 192.168.0.0/24") from None
    host, port = raw, None
    bracketed = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?", raw)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    if port is not None:
        if not str(port).isdigit() or not 0 < int(port) < 65536:
            raise ValueError("端口应是 1–65535 的整数")
        port = int(port)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return AllowEntry(raw, network=ipaddress.ip_network(ip), port=port)
    if numeric_ipv4_spelling(host) or not re.fullmatch(r"[^\s:/@\[\]]+", host):
        raise ValueError("应是主机名、IP、主机名:端口 或 CIDR 网段")
    return AllowEntry(raw, host=_ascii_host(host), port=port)


def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class OutboundPolicy:
    """Where Huati may send requests. `resolver(host, port) -> [ip, ...]` is replaceable (tests)."""

    def __init__(self, allow: str | Iterable[str] | None = None, *, resolver: Resolver | None = None):
        self.allow = parse_allowlist(allow)
        self._resolver = resolver

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **kwargs: Any) -> OutboundPolicy:
        env = os.environ if environ is None else environ
        return cls(env.get(ALLOW_SETTING, ""), **kwargs)

    # ---- the URL alone (no DNS): for request validation and before every request / redirect hop

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Scheme, host and literal-address checks; OutboundRefused (or InvalidURL) when refused."""
        if not isinstance(url, httpx.URL):
            try:
                url = httpx.URL(str(url))
            except httpx.InvalidURL as exc:  # e.g. httpx itself rejects 0177.0.0.1
                raise OutboundRefused(f"网址格式不对：{exc}", f"invalid URL: {exc}") from exc
        if url.scheme not in SCHEMES:
            raise OutboundRefused(
                f"网址不可用：只支持 http:// 或 https://（收到 {url.scheme or '无'}）",
                f"scheme {url.scheme!r} not allowed",
            )
        host = url.host
        if not host:
            raise OutboundRefused("网址缺少主机名", "no host")
        if numeric_ipv4_spelling(host):
            raise _encoded(host)
        ip = literal_ip(host)
        if ip is not None:
            self.vet_addresses(host, url.port or (443 if url.scheme == "https" else 80), [str(ip)])
        return url

    # ---- addresses (after DNS)

    def vet_addresses(self, host: str, port: int, addresses: Sequence[str]) -> list[str]:
        """The addresses if every one is allowed; else OutboundRefused naming the first refused one."""
        host = _ascii_host(host)
        if not addresses:
            raise OutboundRefused(f"{host} 没有解析出任何地址", f"no addresses for {host}")
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            category = address_category(ip)
            if category is None:
                continue
            if any(entry.allows(host, port, ip, category) for entry in self.allow):
                continue
            shown = host if literal_ip(host) == ip else f"{host}（解析为 {ip}）"
            raise _refuse(
                f"{CATEGORY_TEXT[category]} {shown}",
                f"{host}:{port} -> {ip} is {category}",
                allowable=category not in NEVER,
            )
        return list(addresses)

    def resolve(self, host: str, port: int) -> list[str]:
        ip = literal_ip(host)
        if ip is not None:
            return [str(ip)]
        if numeric_ipv4_spelling(host):
            raise _encoded(host)
        resolver = self._resolver or _getaddrinfo
        try:
            return list(resolver(host, port))
        except OSError as exc:
            raise httpcore.ConnectError(f"DNS lookup for {host} failed: {exc}") from exc

    async def aresolve(self, host: str, port: int) -> list[str]:
        if literal_ip(host) is not None or numeric_ipv4_spelling(host):
            return self.resolve(host, port)
        if self._resolver is not None:  # a blocking callable: keep it off the event loop
            return await anyio.to_thread.run_sync(self.resolve, host, port)
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"DNS lookup for {host} failed: {exc}") from exc
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def vet(self, url: str | httpx.URL) -> list[str]:
        """Full pre-flight for one URL: shape, DNS, addresses. Returns the vetted addresses.

        Useful to reject a bad `callback_url` with a 422 when the job is created; the transport checks
        again at connect time (the answer may have changed), which is the check that counts.
        """
        parsed = self.check_url(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return self.vet_addresses(parsed.host, port, self.resolve(parsed.host, port))


@functools.lru_cache(maxsize=8)
def policy_for(allow: str) -> OutboundPolicy:
    """One shared policy per allowlist value: `policy_for(settings.outbound_allow)`."""
    return OutboundPolicy(allow)


def policy_of(settings: Settings | None = None) -> OutboundPolicy:
    """The policy the settings ask for; ConfigError naming HUATI_OUTBOUND_ALLOW when an entry is malformed."""
    settings = settings or get_settings()
    try:
        return policy_for(settings.outbound_allow)
    except ValueError as exc:
        raise ConfigError(str(exc), field="outbound_allow", hint=ALLOW_HINT) from None
