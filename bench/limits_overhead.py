"""What the request limits cost (issue 13): the gateway as built against the same gateway without
the limit layers, in one run, called in process through ASGI (no HTTP, no load generator).

    .venv/bin/python -m bench.limits_overhead --resources 4000 --calls 3000

The baseline app is the same code with the three ASGI layers this work added (SecurityHeaders,
BodyLimit, RequestScope) taken out and the database budget hooks (SQLite progress handler) not
installed: everything else, token check and audit included, is identical. Rounds alternate between
the two apps so background load hits both alike; the ratio is the figure to quote.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from bench import dataset
from bench.read_path_costs import _asgi_get, per_await_wall_cpu
from gateway import app as app_module
from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.limits.body import BodyLimit
from gateway.limits.scope import RequestScope
from gateway.security_headers import SecurityHeaders
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

_ADDED = (SecurityHeaders, BodyLimit, RequestScope)


def _without_limits(settings: Settings) -> Any:
    with mock.patch.object(app_module, "bound_database", lambda _db: None):
        app = create_app(settings)
    app.user_middleware = [m for m in app.user_middleware if m.cls not in _ADDED]
    return app


async def _rounds(apps: dict[str, Any], paths: dict[str, str], token: str, calls: int, rounds: int) -> None:
    headers = [(b"authorization", f"Bearer {token}".encode())]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():  # lifespan: the audit writer must run for reads to answer
            await stack.enter_async_context(app.router.lifespan_context(app))
        for label, path_and_query in paths.items():
            path, _, query = path_and_query.partition("?")
            wall: dict[str, list[float]] = {name: [] for name in apps}
            for round_number in range(rounds + 1):  # the first round warms both apps up, unmeasured
                for name, app in apps.items():
                    call = _asgi_get(app, path, headers)
                    if query:
                        call = _with_query(app, path, query, headers)
                    w, _cpu = await per_await_wall_cpu(call, calls, concurrency=8)
                    if round_number:
                        wall[name].append(w)
            built, base = statistics.median(wall["with limits"]), statistics.median(wall["without"])
            print(f"{label:32} with limits {built:8.1f} µs/request   without {base:8.1f} µs/request   "
                  f"ratio {built / base:5.3f}")


def _with_query(app: Any, path: str, query: str, headers: list[tuple[bytes, bytes]]) -> Any:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "root_path": "", "query_string": query.encode(), "headers": headers, "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000), "path": path, "raw_path": path.encode()}

    async def call() -> int:
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope), receive, send)
        if status != 200:
            raise RuntimeError(f"GET {path}?{query} answered {status}")
        return status

    return call


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.limits_overhead", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resources", type=int, default=4000)
    p.add_argument("--calls", type=int, default=3000, help="requests per measured round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    url = f"sqlite:///{root / 'gateway.db'}"
    upgrade(url)
    data, resources = dataset.generate(args.resources)
    dataset.load(url, resources)
    settings = Settings(database_url=url, key_dir=root / "keys", base_url="http://bench", delivery_worker=False)
    apps = {"with limits": create_app(settings), "without": _without_limits(settings)}
    token = mint_token(settings, "bench", "admin")
    patient = data.patient_ids[len(data.patient_ids) // 2]
    paths = {
        "read Patient/{id}": f"/fhir/Patient/{patient}",
        "Observations of one patient": f"/fhir/Observation?subject=Patient/{patient}",
        "Patients sorted by name (100)": "/fhir/Patient?_sort=name&_count=100",
    }
    print(f"{args.resources} resources, {args.calls} requests x {args.rounds} rounds per app, 8 in flight, SQLite")
    asyncio.run(_rounds(apps, paths, token, args.calls, args.rounds))


if __name__ == "__main__":
    main()
