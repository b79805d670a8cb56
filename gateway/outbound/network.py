"""The HTTP client for outbound calls: every new connection resolves its host once, checks every
address it got against the policy, and connects to a checked address (never resolving again), so
DNS cannot send it anywhere the check did not see. TLS still verifies the URL's host name.

Redirects are not followed (httpx's default, kept): a receiver that answers 3xx has not accepted
the delivery, and a redirect can never lead the gateway to an address the allow-list does not name.
"""

from __future__ import annotations

import typing

import httpcore
import httpx

from gateway.outbound.policy import OutboundPolicy, OutboundRefused, parse_target


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy's address check in front of each TCP connect."""

    def __init__(self, policy: OutboundPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        target = parse_target(f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/")
        addresses = await self.policy.check_addresses(target)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("outbound calls go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that connects through `GuardedBackend`."""

    def __init__(self, policy: OutboundPolicy, limits: httpx.Limits,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(  # the pool httpx makes, plus the guarded backend
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, inner),
        )


def outbound_client(policy: OutboundPolicy, max_connections: int = 100, keepalive: int = 20,
                    inner: httpcore.AsyncNetworkBackend | None = None) -> httpx.AsyncClient:
    """An AsyncClient that can only reach what `policy` allows (no proxies from the environment,
    no redirects followed)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=keepalive)
    return httpx.AsyncClient(transport=GuardedTransport(policy, limits, inner), trust_env=False,
                             follow_redirects=False)
