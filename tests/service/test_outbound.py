"""The outbound policy: address classes, allowlist, pinned connections, redirects, TLS, receiver excerpts."""

from __future__ import annotations

import asyncio

import httpcore
import httpx
import pytest

import assistant.service.outbound as outbound
from assistant.service.outbound import (
    ALLOW_SETTING,
    OutboundPolicy,
    OutboundRefused,
    address_category,
    async_outbound_client,
    outbound_client,
    parse_allowlist,
    read_capped,
    sanitize_excerpt,
    summarize_response,
)


def fake_dns(table: dict[str, list[str]], calls: list[str] | None = None):
    """A resolver for tests: names from `table`, anything else does not exist."""

    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "cgnat"),
        ("100.127.255.255", "cgnat"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.0.8", "reserved"),
        ("198.18.0.1", "benchmark"),
        ("192.0.2.1", "documentation"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "ula"),
        ("fd12:3456::1", "ula"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("2002:7f00:1::", "loopback"),  # 6to4 carrying 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 carrying 192.168.1.1
        ("2001:0:4136:e378:8000:63bf:80ff:fefe", "private"),  # Teredo, client 127.0.1.1 obfuscated? see below
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b:1::1", "private"),  # local-use NAT64
        ("2001:db8::1", "documentation"),
        ("2001:10::1", "reserved"),
        ("100::1", "reserved"),
        ("4000::1", "reserved"),  # outside 2000::/3
    ],
)
def test_non_public_addresses_are_classified(address: str, category: str) -> None:
    if address.startswith("2001:0:"):
        # Teredo: client address is the bitwise NOT of the last 32 bits: ~0x80fffefe = 127.0.1.1 → loopback,
        # server 65.54.227.120 is public; the loopback client decides.
        category = "loopback"
    assert address_category(address) == category


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2002:808:808::1", "64:ff9b::808:808", "::ffff:8.8.8.8"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_category(address) is None


# --------------------------------------------------------------------------- URL shape


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://127.000.000.001/",
        "http://017700000001/",
    ],
)
def test_encoded_ipv4_hosts_are_refused(url: str) -> None:
    policy = OutboundPolicy(["127.0.0.0/8"])  # even when loopback is allow-listed: write the dotted quad
    with pytest.raises(OutboundRefused) as info:
        policy.check_url(url)
    assert ("数字编码" in info.value.message and ALLOW_SETTING in info.value.message) or (
        "网址格式不对" in info.value.message  # httpx already rejects a dotted quad with leading zeros
    )
    with outbound_client(policy) as client, pytest.raises((OutboundRefused, httpx.InvalidURL)):
        client.get(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(OutboundRefused) as info:
        OutboundPolicy().check_url(url)
    assert "http://" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://100.64.1.1/",
        "http://0.0.0.0/",
        "http://[fd00::1]/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_literal_private_addresses_are_refused_before_any_dns(url: str) -> None:
    calls: list[str] = []
    with pytest.raises(OutboundRefused) as info:
        OutboundPolicy(resolver=fake_dns({}, calls)).check_url(url)
    assert ALLOW_SETTING in info.value.message or "无法放行" in info.value.message
    assert calls == []


# --------------------------------------------------------------------------- allowlist setting


def test_allowlist_parses_hosts_ports_ips_and_networks() -> None:
    entries = parse_allowlist("10.0.0.5, intranet.example:8080,192.168.0.0/24,[fd00::1]:443,例子.测试,")
    assert [(e.host, str(e.network) if e.network else None, e.port) for e in entries] == [
        (None, "10.0.0.5/32", None),
        ("intranet.example", None, 8080),
        (None, "192.168.0.0/24", None),
        (None, "fd00::1/128", 443),
        ("xn--fsqu00a.xn--0zwm56d", None, None),  # IDNA, as httpx sends it
    ]


@pytest.mark.parametrize("bad", ["http://intranet.example", "10.0.0.0/33", "host:99999", "0x7f.1", "a b"])
def test_bad_allowlist_entries_name_the_setting(bad: str) -> None:
    with pytest.raises(ValueError, match=ALLOW_SETTING):
        parse_allowlist(bad)


def test_from_env_reads_the_setting() -> None:
    policy = OutboundPolicy.from_env({ALLOW_SETTING: "10.0.0.5"})
    assert policy.vet_addresses("10.0.0.5", 80, ["10.0.0.5"]) == ["10.0.0.5"]
    assert outbound.policy_for("10.0.0.5") is outbound.policy_for("10.0.0.5")


def test_allowlist_rules() -> None:
    policy = OutboundPolicy("intranet.example:8080,10.0.0.0/8,127.0.0.1:9000")
    # host entry: that name, that port, non-public answers
    assert policy.vet_addresses("intranet.example", 8080, ["192.168.3.4"])
    with pytest.raises(OutboundRefused):
        policy.vet_addresses("intranet.example", 8081, ["192.168.3.4"])
    with pytest.raises(OutboundRefused):  # metadata needs an explicit IP/CIDR entry, never a name
        policy.vet_addresses("intranet.example", 8080, ["169.254.169.254"])
    # CIDR entry: any name that resolves inside it
    assert policy.vet_addresses("anything.example", 443, ["10.9.8.7"])
    assert policy.vet_addresses("anything.example", 443, ["::ffff:10.9.8.7"])  # mapped form of the same
    # IP:port entry
    assert policy.vet_addresses("127.0.0.1", 9000, ["127.0.0.1"])
    with pytest.raises(OutboundRefused):
        policy.vet_addresses("127.0.0.1", 9001, ["127.0.0.1"])
    # never: unspecified / multicast / broadcast
    everything = OutboundPolicy("0.0.0.0/0,::/0")
    for address in ("0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "ff02::1"):
        with pytest.raises(OutboundRefused) as info:
            everything.vet_addresses(address, 80, [address])
        assert "无法放行" in info.value.message


def test_one_bad_answer_refuses_the_whole_name() -> None:
    policy = OutboundPolicy(resolver=fake_dns({"mixed.example": ["93.184.216.34", "127.0.0.1"]}))
    with pytest.raises(OutboundRefused) as info:
        policy.vet("http://mixed.example/hook")
    assert "127.0.0.1" in info.value.message and "mixed.example" in info.value.message


# --------------------------------------------------------------------------- real connections (local receivers)


def test_loopback_receiver_refused_by_default(receiver) -> None:
    with outbound_client(OutboundPolicy("")) as client:
        with pytest.raises(OutboundRefused) as info:
            client.post(receiver.url(), json={"a": 1})
    refused = info.value
    assert isinstance(refused, httpx.HTTPError)  # the existing `except httpx.HTTPError` blocks catch it
    assert refused.request.url == receiver.url()
    assert ALLOW_SETTING in refused.message and "本机回环地址" in refused.message
    assert receiver.seen == []


def test_loopback_receiver_allowed_when_listed(receiver) -> None:
    with outbound_client(OutboundPolicy(f"127.0.0.1:{receiver.port}")) as client:
        response = client.post(receiver.url("/hook"), json={"a": 1})
    assert response.status_code == 200 and receiver.seen[0]["path"] == "/hook"


def test_port_in_the_entry_is_enforced(receiver) -> None:
    with outbound_client(OutboundPolicy(f"127.0.0.1:{receiver.port + 1}")) as client:
        with pytest.raises(OutboundRefused):
            client.get(receiver.url())


def test_public_looking_name_resolving_to_loopback_is_refused(receiver) -> None:
    policy = OutboundPolicy(resolver=fake_dns({"hooks.partner.example": ["127.0.0.1"]}))
    with outbound_client(policy) as client:
        with pytest.raises(OutboundRefused) as info:
            client.post(receiver.url(host="hooks.partner.example"), json={})
    assert "hooks.partner.example（解析为 127.0.0.1）" in info.value.message
    assert receiver.seen == []


class SpyBackend(httpcore.SyncBackend):
    def __init__(self) -> None:
        self.hosts: list[str] = []

    def connect_tcp(self, host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.hosts.append(host)
        return super().connect_tcp(host, port, *args, **kwargs)


def test_connection_is_pinned_to_the_vetted_address(receiver) -> None:
    """One lookup per connection, the socket opened to the IP literal, the Host header kept."""
    calls: list[str] = []
    policy = OutboundPolicy("intranet.example", resolver=fake_dns({"intranet.example": ["127.0.0.1"]}, calls))
    transport = outbound.GuardedTransport(policy)
    spy = SpyBackend()
    transport._pool._network_backend.inner = spy  # observe what the guarded backend hands to the OS
    with httpx.Client(transport=transport) as client:
        for _ in range(3):
            assert client.get(receiver.url(host="intranet.example")).status_code == 200
    assert spy.hosts == ["127.0.0.1"]  # kept alive: one connection, one lookup, to the IP
    assert calls == ["intranet.example"]
    assert receiver.seen[0]["host"] == f"intranet.example:{receiver.port}"


def test_rebinding_between_connections_is_checked_again(receiver) -> None:
    answers = iter([["127.0.0.1"], ["127.0.0.1"]])
    policy = OutboundPolicy(
        f"127.0.0.1:{receiver.port}", resolver=lambda host, port: next(answers) if host == "a.example" else []
    )
    with outbound_client(policy, headers={"Connection": "close"}) as client:
        assert client.get(receiver.url(host="a.example")).status_code == 200
    # a second client, the name now answers with the metadata address: refused at connect time
    policy2 = OutboundPolicy(f"127.0.0.1:{receiver.port}", resolver=lambda h, p: ["169.254.169.254"])
    with outbound_client(policy2) as client, pytest.raises(OutboundRefused):
        client.get(receiver.url(host="a.example"))


def test_dns_failure_is_a_connect_error() -> None:
    with outbound_client(OutboundPolicy(resolver=fake_dns({}))) as client:
        with pytest.raises(httpx.ConnectError):
            client.get("http://no-such-host.example/")


def test_redirect_to_loopback_is_refused_even_when_following(receiver, second_receiver) -> None:
    policy = OutboundPolicy(
        f"allowed.example:{receiver.port}", resolver=fake_dns({"allowed.example": ["127.0.0.1"]})
    )
    start = receiver.url(f"/redirect?to={second_receiver.url('/internal')}", host="allowed.example")
    # the service's default: redirects are not followed, the 3xx is reported
    with outbound_client(policy) as client:
        response = client.post(start, json={})
    assert response.status_code == 302
    assert summarize_response(response)["excerpt"].startswith("重定向到 http://127.0.0.1:")
    # a caller that turns following on still cannot reach the second (not allow-listed) port
    with outbound_client(policy, follow_redirects=True) as client:
        with pytest.raises(OutboundRefused) as info:
            client.get(start)
    assert info.value.request.url.port == second_receiver.port
    assert second_receiver.seen == []


def test_redirect_to_encoded_loopback_is_refused(receiver) -> None:
    policy = OutboundPolicy(f"127.0.0.1:{receiver.port}")
    with outbound_client(policy, follow_redirects=True) as client:
        with pytest.raises(OutboundRefused, match="数字编码"):
            client.get(receiver.url(f"/redirect?to=http://0x7f.1:{receiver.port}/ok"))


def test_environment_proxies_are_ignored(receiver, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with outbound_client(OutboundPolicy(f"127.0.0.1:{receiver.port}")) as client:
        assert client.get(receiver.url()).status_code == 200


# --------------------------------------------------------------------------- async (deliveries)


@pytest.mark.anyio
async def test_async_refuses_and_allows(receiver, second_receiver) -> None:
    async with async_outbound_client(OutboundPolicy("")) as client:
        with pytest.raises(OutboundRefused):
            await client.post(receiver.url(), json={})
    policy = OutboundPolicy(
        f"hooks.example:{receiver.port}", resolver=fake_dns({"hooks.example": ["127.0.0.1"]})
    )
    async with async_outbound_client(policy, follow_redirects=True) as client:
        ok = await client.post(receiver.url("/x", host="hooks.example"), json={})
        assert ok.status_code == 200
        with pytest.raises(OutboundRefused):
            await client.get(receiver.url(f"/redirect?to={second_receiver.url()}", host="hooks.example"))
    assert second_receiver.seen == []


@pytest.mark.anyio
async def test_async_resolver_does_not_block_the_loop() -> None:
    import time

    def slow(host: str, port: int) -> list[str]:
        time.sleep(0.2)
        return ["127.0.0.1"]

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    async with async_outbound_client(OutboundPolicy(resolver=slow)) as client:
        with pytest.raises(OutboundRefused):
            await client.get("http://slow.example/")
    task.cancel()
    assert ticks >= 5


# --------------------------------------------------------------------------- TLS: pinned IP, verified host name


def test_https_pins_ip_but_verifies_the_host_name(tls_receiver) -> None:
    rec, pki = tls_receiver
    policy = OutboundPolicy("receiver.test", resolver=fake_dns({"receiver.test": ["127.0.0.1"]}))
    with outbound_client(policy, verify=pki.client_context()) as client:
        response = client.get(rec.url("/secure", host="receiver.test"))
    assert response.status_code == 200
    assert rec.sni == ["receiver.test"]  # SNI is the name, although the socket went to 127.0.0.1
    assert rec.seen[0]["host"] == f"receiver.test:{rec.port}"


def test_https_certificate_for_another_name_fails(tls_receiver) -> None:
    rec, pki = tls_receiver
    policy = OutboundPolicy("other.test", resolver=fake_dns({"other.test": ["127.0.0.1"]}))
    with outbound_client(policy, verify=pki.client_context()) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|match"):
            client.get(rec.url(host="other.test"))


@pytest.mark.anyio
async def test_async_https_pins_ip_but_verifies_the_host_name(tls_receiver) -> None:
    rec, pki = tls_receiver
    policy = OutboundPolicy("receiver.test", resolver=fake_dns({"receiver.test": ["127.0.0.1"]}))
    async with async_outbound_client(policy, verify=pki.client_context()) as client:
        response = await client.get(rec.url("/secure", host="receiver.test"))
    assert response.status_code == 200 and rec.sni == ["receiver.test"]


# --------------------------------------------------------------------------- what the receiver said


def test_excerpt_drops_markup_controls_and_secrets() -> None:
    body = (
        "<html><head><style>body{}</style><script>alert('x')</script></head>"
        "<body onload=evil()><h1>Bad \x1b[31mgateway\x00</h1>\u202egnp.exe "
        "&lt;script&gt;alert(1)&lt;/script&gt; key=abcdef123456 "
        'token: "tok_live_42" Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc '
        "https://user:pw@hooks.example/x?key=693a91f6-7xxx&sig=deadbeef "
        "sk-1234567890abcdef hk_abcdefghijklmnop</body></html>"
    )
    text = sanitize_excerpt(body, limit=1000)
    for leaked in (
        "<",
        ">",
        "script>",
        "alert('x')",
        "onload",
        "\x1b",
        "\x00",
        "\u202e",
        "abcdef123456",
        "tok_live_42",
        "eyJhbGciOiJIUzI1NiJ9",
        "user:pw",
        "693a91f6",
        "deadbeef",
        "1234567890abcdef",
        "abcdefghijklmnop",
        "body{}",
    ):
        assert leaked not in text, leaked
    assert "Bad gateway" in text and "key=***" in text and "‹script›alert(1)‹/script›" in text


def test_excerpt_json_and_length() -> None:
    text = sanitize_excerpt(b'{"errcode": 93000, "errmsg": "invalid webhook url", "api_key": "abc123def"}')
    assert text == '{"errcode": 93000, "errmsg": "invalid webhook url", "api_key": "***"}'
    long = sanitize_excerpt("话题" * 500)
    assert len(long) == 200 and long.endswith("…")
    assert sanitize_excerpt(b"\xff\xfe broken \xe8").startswith("�")


def test_summary_of_a_real_answer_and_capped_read(receiver) -> None:
    with outbound_client(OutboundPolicy(f"127.0.0.1:{receiver.port}")) as client:
        response = client.post(receiver.url("/hook"), json={})
        assert summarize_response(response) == {
            "status_code": 200,
            "excerpt": '{"errcode": 0, "errmsg": "ok", "path": "/hook"}',
        }
        with client.stream("GET", receiver.url("/big")) as streamed:
            body = read_capped(streamed, max_bytes=10_000)
    assert len(body) == 10_000
    assert summarize_response(streamed, body)["excerpt"] == "x" * 199 + "…"


@pytest.mark.anyio
async def test_async_capped_read(receiver) -> None:
    async with async_outbound_client(OutboundPolicy(f"127.0.0.1:{receiver.port}")) as client:
        async with client.stream("GET", receiver.url("/big")) as streamed:
            body = await outbound.aread_capped(streamed, max_bytes=5000)
    assert len(body) == 5000
