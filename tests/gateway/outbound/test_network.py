"""Outbound POSTs: the address check runs on what DNS answers, before any connection; redirects are
not followed; errors say what failed without the receiver's body. DNS answers come from a stub
resolver and every real connection goes to a loopback receiver: nothing leaves this machine."""

from __future__ import annotations

import asyncio
import socket
import threading
import typing
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest

from gateway.delivery.transports import post
from gateway.outbound.network import outbound_client
from gateway.outbound.policy import OutboundPolicy, allow_list
from tests.gateway.api.live_server import free_port

GATEWAY_PORT = 8000


class SpyBackend(httpcore.AsyncNetworkBackend):
    """The real network backend, recording every TCP connect it is asked for."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        assert host.startswith("127."), "a test must never connect off loopback"
        return await self.inner.connect_tcp(host, port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class Answers:
    """A loopback HTTP server answering each POST with `status`, `body` and `headers`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.status = 200
        self.body = b""
        self.headers: dict[str, str] = {}
        self.hits = 0
        answers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answers.hits += 1
                self.send_response(answers.status)
                for name, value in answers.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answers.body)))
                self.end_headers()
                self.wfile.write(answers.body)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def answers() -> Iterator[Answers]:
    server = Answers()
    yield server
    server.stop()


def stub_resolver(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, _port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def send(policy: OutboundPolicy, url: str, spy: SpyBackend) -> str | None:
    async def run() -> str | None:
        async with outbound_client(policy, inner=spy) as client:
            return await post(client, policy, url, b"{}", {"Content-Type": "application/fhir+json"}, 5.0)

    return asyncio.run(run())


@pytest.mark.parametrize(("host", "addresses", "why"), [
    ("hooks.example.test", ["169.254.169.254"], "resolves to 169.254.169.254, a cloud metadata address"),
    ("hooks.example.test", ["fe80::1"], "a link-local address"),
    ("hooks.example.test", ["192.0.2.10", "169.254.169.254"], "a cloud metadata address"),
    ("hooks.example.test", ["::ffff:169.254.169.254"], "a cloud metadata address"),
    ("hooks.example.test", ["127.0.0.1"], "resolves to a loopback address"),
    ("sneaky.example.test", ["127.0.0.1"], "resolves to the gateway itself"),
    ("gone.example.test", [], "could not be resolved"),
])
def test_dns_answers_are_checked_before_any_connection(host: str, addresses: list[str], why: str) -> None:
    allowed = f"https://hooks.example.test/,https://sneaky.example.test:{GATEWAY_PORT}/,https://gone.example.test/"
    table = {"hooks.example.test": addresses, "sneaky.example.test": addresses}
    policy = OutboundPolicy(allow_list(allowed), [("127.0.0.1", GATEWAY_PORT)], stub_resolver(table))
    port = f":{GATEWAY_PORT}" if host.startswith("sneaky") else ""
    spy = SpyBackend()
    error = send(policy, f"https://{host}{port}/hook", spy)
    assert error is not None and error.startswith("refused by the gateway's outbound rules") and why in error
    assert spy.connects == []


def test_the_url_is_checked_again_at_delivery() -> None:
    policy = OutboundPolicy(allow_list("https://hooks.example.test/"), [("127.0.0.1", GATEWAY_PORT)],
                            stub_resolver({}))
    spy = SpyBackend()
    error = send(policy, "http://169.254.169.254/latest/meta-data/iam", spy)
    assert error is not None and "cloud metadata address" in error
    error = send(policy, "https://unlisted.example.test/hook", spy)
    assert error is not None and "GATEWAY_OUTBOUND_ALLOW" in error
    assert spy.connects == []


def test_a_listed_loopback_receiver_is_called(answers: Answers) -> None:
    policy = OutboundPolicy(allow_list(f"http://127.0.0.1:{answers.port}/"), [("127.0.0.1", GATEWAY_PORT)])
    spy = SpyBackend()
    assert send(policy, f"http://127.0.0.1:{answers.port}/hook", spy) is None
    assert answers.hits == 1 and spy.connects == [("127.0.0.1", answers.port)]


def test_errors_do_not_carry_the_receivers_answer(answers: Answers) -> None:
    policy = OutboundPolicy(allow_list(f"http://127.0.0.1:{answers.port}/"), [])
    answers.status, answers.body = 503, b"<html>internal stack trace: SECRET token=abc</html>"
    error = send(policy, f"http://127.0.0.1:{answers.port}/hook", SpyBackend())
    assert error == "HTTP 503 Service Unavailable"


def test_redirects_are_not_followed(answers: Answers) -> None:
    policy = OutboundPolicy(allow_list(f"http://127.0.0.1:{answers.port}/"), [])
    answers.status, answers.headers = 307, {"Location": "http://169.254.169.254/latest/meta-data/"}
    spy = SpyBackend()
    error = send(policy, f"http://127.0.0.1:{answers.port}/hook", spy)
    assert error is not None and "HTTP 307" in error and "redirects are not followed" in error
    assert answers.hits == 1 and spy.connects == [("127.0.0.1", answers.port)]


def test_a_closed_port_is_reported_without_the_socket_error() -> None:
    port = free_port()  # nothing listens there
    policy = OutboundPolicy(allow_list(f"http://127.0.0.1:{port}/"), [])
    error = send(policy, f"http://127.0.0.1:{port}/hook", SpyBackend())
    assert error == "could not connect to the receiver"
