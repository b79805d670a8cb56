"""What one authenticated read costs, layer by layer, measured in process (no HTTP, no load generator).

    .venv/bin/python -m bench.read_path_costs

Times each step the read handler runs (token check, scope check, caller and audit entry, the SQL read,
the response) on its own, then the whole ASGI app called directly, sequentially and 32 at a time, as
built and with one layer replaced at a time (audit awaited or not, thread pool hop or direct call), so
each suggestion in notes/read-profile.md comes with the gain it would buy. The what-if variants patch
the app object in this process only; they change nothing on disk.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from bench import dataset
from bench.bare_app import create_bare_app
from bench.serve import pin
from gateway import routes
from gateway.app import create_app
from gateway.audit.entry import AuditEntry
from gateway.auth.principal import authenticate, authorize
from gateway.auth.tokens import mint_token
from gateway.request_context import Caller
from gateway.responses import resource_response
from gateway.settings import Settings
from gateway.storage.migrate import upgrade


def per_call_us(fn: Callable[[], Any], n: int = 20000, repeats: int = 3) -> float:
    """Median over `repeats` of the mean microseconds per call of `fn`."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


async def per_await_us(make: Callable[[], Awaitable[Any]], n: int, concurrency: int = 1) -> float:
    """Mean wall microseconds per awaited call, `concurrency` of them in flight at a time."""
    return (await per_await_wall_cpu(make, n, concurrency))[0]


async def per_await_wall_cpu(make: Callable[[], Awaitable[Any]], n: int, concurrency: int) -> tuple[float, float]:
    """Mean wall and process CPU (all threads) microseconds per awaited call."""
    async def worker(count: int) -> None:
        for _ in range(count):
            await make()

    calls = n // concurrency * concurrency
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    return (time.perf_counter() - start) / calls * 1e6, (time.process_time() - cpu) / calls * 1e6


def _asgi_get(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> Callable[[], Awaitable[int]]:
    """A callable that sends one GET through the ASGI app and returns the status."""
    scope_base = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                  "root_path": "", "query_string": b"", "headers": headers, "client": ("127.0.0.1", 5000),
                  "server": ("127.0.0.1", 8000)}

    async def call() -> int:
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app({**scope_base, "path": path, "raw_path": path.encode()}, receive, send)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        return status

    return call


async def _app_figures(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int) -> str:
    call = _asgi_get(app, path, headers)
    await per_await_us(call, 200, 8)  # warm up
    seq_wall, seq_cpu = await per_await_wall_cpu(call, n // 4, 1)
    wall, cpu = await per_await_wall_cpu(call, n, 32)
    return f"{seq_wall:8.0f} {seq_cpu:8.0f} {wall:8.0f} {cpu:8.0f}"


async def _measure_app(settings: Settings, sqlite_path: Path, path: str, token: str, n: int) -> list[str]:
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    lines = []
    bare = create_bare_app(str(sqlite_path))
    lines.append(f"{'':<58} {'seq wall':>8} {'seq cpu':>8} {'32 wall':>8} {'32 cpu':>8}  (µs per request)")
    lines.append(f"{'bare Starlette app':<58} {await _app_figures(bare, path, headers, n)}")

    variants: list[tuple[str, dict[str, Any]]] = [
        ("gateway app as built (ASGI, no HTTP)", {}),
        ("gateway, audit_flush_ms=0 (no linger)", {"audit_flush_ms": 0.0}),
        ("gateway, audit not awaited (what-if: enqueue only)", {"_audit": "enqueue"}),
        ("gateway, SQL read on the event loop (what-if: no hop)", {"_hop": "direct"}),
        ("gateway, both what-ifs", {"_audit": "enqueue", "_hop": "direct"}),
    ]
    original_hop = routes.run_in_threadpool
    for label, change in variants:
        app = create_app(settings.model_copy(update={k: v for k, v in change.items() if not k.startswith("_")}))
        async with app.router.lifespan_context(app):
            writer = app.state.audit_writer
            if change.get("_audit") == "enqueue":
                original_record = writer.record

                async def record(entry: AuditEntry, _orig: Any = original_record) -> None:
                    asyncio.ensure_future(_orig(entry))  # durable later; the response does not wait

                writer.record = record
            if change.get("_hop") == "direct":
                async def direct(fn: Callable[..., Any], *args: Any) -> Any:
                    return fn(*args)

                routes.run_in_threadpool = direct
            try:
                figures = await _app_figures(app, path, headers, n)
            finally:
                routes.run_in_threadpool = original_hop
            await asyncio.sleep(0.05)
        lines.append(f"{label:<58} {figures}")
    return lines


def main() -> int:
    pin(0)  # one core, like the gateway process in the benchmark: its threads share it
    tmp = Path(tempfile.mkdtemp(prefix="bench-costs-"))
    sqlite_path = tmp / "gateway.db"
    url = f"sqlite:///{sqlite_path}"
    data, resources = dataset.generate(2000)
    upgrade(url)
    dataset.load(url, resources)
    settings = Settings(database_url=url, key_dir=tmp / "keys")
    token = mint_token(settings, "bench-nurse", "nurse")
    pid = data.patient_ids[0]
    path = f"/fhir/Patient/{pid}"

    app = create_app(settings)
    verifier, repo = app.state.verifier, app.state.repo
    header = f"Bearer {token}"
    principal = authenticate(header, verifier)
    stored = repo.read("Patient", pid)
    bare_conn = __import__("sqlite3").connect(str(sqlite_path), check_same_thread=False)

    print("step of one read (sequential, in process)                     µs per call")
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("authenticate (cached token)", lambda: authenticate(header, verifier)),
        ("authorize read Patient (scopes)", lambda: authorize(principal, "read", "Patient")),
        ("Caller + uuid4 request id", lambda: Caller(principal, uuid.uuid4().hex, "127.0.0.1")),
        ("AuditEntry(...).row()", lambda: AuditEntry(user="u", interaction="read", resource_type="Patient",
                                                     resource_id=pid, patient=f"Patient/{pid}").row()),
        ("repo.read (SQLAlchemy, pooled connection)", lambda: repo.read("Patient", pid)),
        ("bare sqlite3 read (the ceiling's query)", lambda: bare_conn.execute(
            "SELECT content FROM resources WHERE res_type = ? AND res_id = ?", ("Patient", pid)).fetchone()),
        ("resource_response (headers, Last-Modified date)", lambda: resource_response(stored)),
    ]
    for label, fn in steps:
        print(f"  {label:<58} {per_call_us(fn, 5000 if 'read' in label else 20000):8.1f}")

    async def hops() -> list[str]:
        out = []
        for conc in (1, 32):
            us = await per_await_us(lambda: run_in_threadpool(int), 4000, conc)
            out.append(f"  {'run_in_threadpool(no-op), concurrency ' + str(conc):<58} {us:8.1f} µs per call")
        return out

    for line in asyncio.run(hops()):
        print(line)
    print("\nwhole read through the ASGI app (no sockets): wall and process CPU µs per request, one at a time "
          "and 32 in flight")
    for line in asyncio.run(_measure_app(settings, sqlite_path, path, token, 4000)):
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
