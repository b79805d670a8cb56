"""A small HTTP/1.1 keep-alive load generator on asyncio protocols, for when wrk is not installed and for
the audit check, which needs to know exactly which requests succeeded.

Each connection sends one request, parses the response head and `content-length` body from its buffer,
records the latency, and sends the next, with no coroutine or stream object per request. At the
deadline it stops sending and waits for every in-flight response, so nothing the server handled goes
uncounted. Responses must carry `content-length` (uvicorn's do for complete bodies).
"""

from __future__ import annotations

import asyncio
import importlib.util
import random
import time
from collections import Counter

from bench.load import LoadResult, LoadSpec, percentile


class _Run:
    """Shared state of one run: the requests to pick from, the deadline and everything measured."""

    def __init__(self, spec: LoadSpec, host: str, id_prefix: str | None, seed: int) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in spec.headers.items())
        self.requests = [
            (f"GET {p} HTTP/1.1\r\nHost: {host}\r\n{extra}").encode() for p in spec.scenario.paths
        ]
        self.id_prefix = id_prefix
        self.rng = random.Random(seed)
        self.deadline = 0.0
        self.sent = 0
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.status_by_id: dict[str, int] = {}
        self.active = spec.concurrency
        self.last_done = 0.0
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def next_request(self) -> tuple[bytes, str | None]:
        head = self.requests[self.rng.randrange(len(self.requests))]
        self.sent += 1
        if self.id_prefix is None:
            return head + b"\r\n", None
        request_id = f"{self.id_prefix}-{self.sent}"
        return head + f"X-Request-Id: {request_id}\r\n\r\n".encode(), request_id

    def connection_idle(self) -> None:
        self.active -= 1
        if self.active == 0 and not self.finished.done():
            self.finished.set_result(None)


class _Connection(asyncio.Protocol):
    def __init__(self, run: _Run) -> None:
        self.run = run
        self.buf = bytearray()
        self.need: int | None = None
        self.status = 0
        self.started = 0.0
        self.request_id: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self._send()

    def _send(self) -> None:
        if time.perf_counter() >= self.run.deadline:
            self.run.connection_idle()
            return
        data, self.request_id = self.run.next_request()
        self.started = time.perf_counter()
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.need is None:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(self.buf[:end]).lower()
                self.status = int(head[9:12])
                at = head.find(b"content-length:")
                if at < 0:
                    raise RuntimeError("response without content-length: " + head.decode(errors="replace"))
                length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
                self.need = end + 4 + length
            if len(self.buf) < self.need:
                return
            del self.buf[: self.need]
            self.need = None
            self._completed()

    def _completed(self) -> None:
        now = time.perf_counter()
        run = self.run
        run.latencies.append(now - self.started)
        run.statuses[self.status] += 1
        run.last_done = now
        if self.request_id is not None:
            run.status_by_id[self.request_id] = self.status
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.run.finished.done():
            self.run.finished.set_exception(RuntimeError(f"connection lost mid-run: {exc}"))


async def _drive(host: str, port: int, spec: LoadSpec, id_prefix: str | None, seed: int) -> tuple[_Run, float]:
    loop = asyncio.get_running_loop()
    run = _Run(spec, f"{host}:{port}", id_prefix, seed)
    start = time.perf_counter()
    run.deadline = start + spec.duration_s
    transports = []
    for _ in range(spec.concurrency):
        transport, _protocol = await loop.create_connection(lambda: _Connection(run), host, port)
        transports.append(transport)
    await run.finished
    for transport in transports:
        transport.close()
    return run, (run.last_done or time.perf_counter()) - start


def run_raw(host: str, port: int, spec: LoadSpec, id_prefix: str | None = None,
            seed: int = 1) -> tuple[LoadResult, dict[str, int]]:
    """One run of `spec`; with `id_prefix`, each request carries a unique X-Request-Id and the second
    value maps each id to the status it got."""
    runner = asyncio.run
    if importlib.util.find_spec("uvloop"):
        import uvloop

        runner = uvloop.run  # type: ignore[assignment]
    run, seconds = runner(_drive(host, port, spec, id_prefix, seed))
    lat = sorted(x * 1000.0 for x in run.latencies)
    ok = sum(n for status, n in run.statuses.items() if 200 <= status < 300)
    result = LoadResult(
        requests=len(lat), ok=ok, errors=len(lat) - ok, seconds=seconds,
        p50_ms=percentile(lat, 50), p95_ms=percentile(lat, 95), p99_ms=percentile(lat, 99),
        max_ms=lat[-1] if lat else 0.0, in_flight_at_end=0, tool="raw",
    )
    return result, run.status_by_id
