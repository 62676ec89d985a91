"""Which IP addresses are public destinations: written out as tables (see `address_category`)."""

from __future__ import annotations

import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# Categories, each with the Chinese words used in refusals.
CATEGORY_TEXT = {
    "unspecified": "未指定地址（0.0.0.0 / ::）",
    "broadcast": "广播地址",
    "multicast": "组播地址",
    "loopback": "本机回环地址",
    "private": "内网地址",
    "cgnat": "运营商级 NAT 地址（100.64.0.0/10）",
    "link-local": "链路本地地址（含云服务器元数据 169.254.169.254）",
    "ula": "IPv6 内网地址（fc00::/7）",
    "reserved": "保留地址",
    "documentation": "文档示例地址",
    "benchmark": "测试网段地址",
}
NEVER = frozenset({"unspecified", "broadcast", "multicast"})  # no allowlist entry makes these a receiver
NEEDS_IP_ENTRY = frozenset({"link-local"})  # a host-name entry is not enough (metadata endpoints)

_V4_TABLE: list[tuple[IPNetwork, str]] = [
    (ipaddress.ip_network(n), c)
    for n, c in [
        ("0.0.0.0/8", "unspecified"),
        ("255.255.255.255/32", "broadcast"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "cgnat"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),  # 6to4 relay anycast (deprecated)
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmark"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    ]
]
_V6_TABLE: list[tuple[IPNetwork, str]] = [
    (ipaddress.ip_network(n), c)
    for n, c in [
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64
        ("100::/64", "reserved"),  # discard-only
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "ula"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private"),  # deprecated site-local
        ("ff00::/8", "multicast"),
    ]
]
MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_COMPAT = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible addresses (::a.b.c.d)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")
_IETF_V6 = ipaddress.ip_network("2001::/23")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def _v4_category(ip: ipaddress.IPv4Address) -> str | None:
    for net, category in _V4_TABLE:
        if ip in net:
            return category
    return None


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo (server and client)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    if ip in MAPPED or ip in _NAT64 or (ip in _COMPAT and int(ip) > 1):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _SIX_TO_FOUR:
        return [ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)]
    if ip in _TEREDO:
        server, client = ip.teredo or (None, None)
        return [a for a in (server, client) if a is not None]
    return []


def address_category(ip: IPAddress | str) -> str | None:
    """Why an address is not a public destination (a CATEGORY_TEXT key), or None when it is public.

    Written out as tables instead of `ip.is_global`: Python before 3.11.10 / 3.12.4 misclassifies several
    IPv6 ranges (e.g. `::127.0.0.1`, `2002:7f00:1::` and `ff02::1` count as global on 3.11.7).
    """
    ip = ipaddress.ip_address(str(ip).split("%", 1)[0]) if not isinstance(ip, IPAddress) else ip
    if isinstance(ip, ipaddress.IPv4Address):
        return _v4_category(ip)
    for net, category in _V6_TABLE:
        if ip in net:
            return category
    if ip in MAPPED or ip in _NAT64:
        return _v4_category(embedded_ipv4(ip)[0])
    if ip in _COMPAT:
        return "reserved"  # ::a.b.c.d was deprecated by RFC 4291; nothing legitimate uses it
    if ip in _SIX_TO_FOUR or ip in _TEREDO:
        inner = [c for c in (_v4_category(a) for a in embedded_ipv4(ip)) if c]
        return inner[0] if inner else None
    if ip in _IETF_V6:
        return "reserved"
    if ip not in _GLOBAL_UNICAST_V6:
        return "reserved"  # only 2000::/3 is allocated for global unicast
    return None


def numeric_ipv4_spelling(host: str) -> bool:
    """True for IPv4 spellings other than the dotted quad that the C resolver still accepts:
    `2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `127.000.000.001`."""
    if not re.fullmatch(r"[0-9A-Fa-fXx.]+", host) or not re.search(r"\d", host):
        return False
    try:
        packed = socket.inet_aton(host)
    except OSError:
        return False
    return socket.inet_ntoa(packed) != host


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
