"""httpx clients whose every connection goes through the outbound policy.

`GuardedTransport` / `AsyncGuardedTransport` are httpx transports whose connection pool uses a network backend
(`GuardedBackend` / `AsyncGuardedBackend`). httpcore calls the backend's `connect_tcp(host, port)` for every new
connection; the backend resolves the host (all A/AAAA records), refuses the connection when any address is not
public (or not allow-listed), and then connects to the vetted IP literal, so no second DNS lookup can happen (no
DNS-rebinding window). httpcore still passes the original host name to `start_tls(server_hostname=...)`, so SNI
and certificate verification are for the host name, and the Host header is untouched.

Redirects are not followed (`follow_redirects=False`, a 3xx is reported as a failed delivery); if a caller
turns following on, every hop is a new request through the same transport (URL check) and a new connection
through the same backend (address check). `trust_env=False`: no HTTP(S)_PROXY / .netrc from the environment
(with a proxy the proxy would resolve the host, and the policy could not see the address).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from assistant.service.outbound.policy import OutboundPolicy, OutboundRefused

# --------------------------------------------------------------------------- httpcore network backends


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, vet, then connect to the vetted IP literal (sync)."""

    def __init__(self, policy: OutboundPolicy, inner: httpcore.NetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.policy.vet_addresses(host, port, self.policy.resolve(host, port))
        error: Exception | None = None
        for ip in addresses:
            try:
                return self.inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise OutboundRefused("不支持 Unix 套接字", "unix sockets are not outbound destinations")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, vet, then connect to the vetted IP literal (asyncio / trio through anyio)."""

    def __init__(self, policy: OutboundPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self.policy.vet_addresses(host, port, await self.policy.aresolve(host, port))
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("不支持 Unix 套接字", "unix sockets are not outbound destinations")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


# --------------------------------------------------------------------------- httpx transports

# httpx.HTTPTransport has no `network_backend` argument; the network backend is public httpcore API
# (httpcore.ConnectionPool(network_backend=...)), so the transport keeps httpx's request/response mapping
# and swaps in a pool built with the guarded backend. `_pool` is the one private name this relies on; the
# tests fail loudly (a loopback target is no longer refused) if a future httpx renames it.


def _pool_options(limits: httpx.Limits, http1: bool, http2: bool, retries: int) -> dict[str, Any]:
    return {
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
        "http1": http1,
        "http2": http2,
        "retries": retries,
    }


class GuardedTransport(httpx.HTTPTransport):
    def __init__(
        self,
        policy: OutboundPolicy | None = None,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
        http1: bool = True,
        http2: bool = False,
        retries: int = 0,
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits, http1=http1, http2=http2)
        self.policy = policy or OutboundPolicy.from_env()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=GuardedBackend(self.policy),
            **_pool_options(limits, http1, http2, retries),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            self.policy.check_url(request.url)  # every request, so every redirect hop too
            return super().handle_request(request)
        except OutboundRefused as exc:
            exc.request = request
            raise


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        policy: OutboundPolicy | None = None,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
        http1: bool = True,
        http2: bool = False,
        retries: int = 0,
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits, http1=http1, http2=http2)
        self.policy = policy or OutboundPolicy.from_env()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=AsyncGuardedBackend(self.policy),
            **_pool_options(limits, http1, http2, retries),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            self.policy.check_url(request.url)
            return await super().handle_async_request(request)
        except OutboundRefused as exc:
            exc.request = request
            raise


def outbound_client(
    policy: OutboundPolicy | None = None, *, verify: ssl.SSLContext | bool = True, **kwargs: Any
) -> httpx.Client:
    """The only way the service should build a sync client for client-supplied URLs."""
    kwargs.setdefault("timeout", 10.0)
    kwargs.setdefault("follow_redirects", False)
    kwargs.setdefault("headers", {"Accept-Encoding": "identity"})
    return httpx.Client(transport=GuardedTransport(policy, verify=verify), trust_env=False, **kwargs)


def async_outbound_client(
    policy: OutboundPolicy | None = None, *, verify: ssl.SSLContext | bool = True, **kwargs: Any
) -> httpx.AsyncClient:
    """The async twin of `outbound_client` (deliveries)."""
    kwargs.setdefault("timeout", 10.0)
    kwargs.setdefault("follow_redirects", False)
    kwargs.setdefault("headers", {"Accept-Encoding": "identity"})
    return httpx.AsyncClient(
        transport=AsyncGuardedTransport(policy, verify=verify), trust_env=False, **kwargs
    )
