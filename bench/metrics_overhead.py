"""What the metrics middleware costs a request, in CPU time, measured in one process.

    .venv/bin/python -m bench.metrics_overhead --requests 200000

Drives a no-op ASGI app directly and wrapped in `MetricsMiddleware` (the gateway's order: request
id, counter and histogram by route template and status), alternating rounds so background load
hits both alike, and prints the CPU microseconds per request each way and the difference. CPU time
(`time.process_time`) rather than wall time, so other work on a shared machine distorts it less.
Compare the difference with the gateway's CPU per authenticated read (`server cpu/req` in
`bench.read_search`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from prometheus_client import CollectorRegistry

from gateway.monitoring.request_metrics import MetricsMiddleware, RequestMetrics


class _Route:
    path = "/fhir/{res_type:fhirtype}/{res_id:fhirid}"


_ROUTE = _Route()


async def _noop(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    scope["route"] = _ROUTE  # what the router leaves in the scope
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(_message: dict[str, Any]) -> None:
    return None


def _scope() -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/fhir/Patient/x", "headers": [
        (b"host", b"127.0.0.1"), (b"authorization", b"Bearer x" * 40), (b"accept", b"application/fhir+json")]}


async def _round(app: Any, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        await app(_scope(), _receive, _send)
    return (time.process_time() - start) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_overhead", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    wrapped = MetricsMiddleware(_noop, RequestMetrics(CollectorRegistry()))
    per_round = max(1, args.requests // args.rounds)
    bare, metered = [], []
    for _ in range(args.rounds):
        bare.append(asyncio.run(_round(_noop, per_round)))
        metered.append(asyncio.run(_round(wrapped, per_round)))
    b, m = statistics.median(bare), statistics.median(metered)
    print(f"no-op app: {b:.2f} µs CPU/request; with MetricsMiddleware: {m:.2f} µs; middleware costs {m - b:.2f} µs "
          f"CPU per request (median of {args.rounds} rounds of {per_round:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
