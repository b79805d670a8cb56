"""Change-to-webhook latency: how long after an assessment rating is written through the API its
notification reaches a local rest-hook receiver (the issue's aim: p95 < 500 ms over 1,000 changes).

    .venv/bin/python -m bench.webhook_latency [--changes 1000] [--runs 3]
    .venv/bin/python -m bench.webhook_latency --postgres-server postgresql://postgres@127.0.0.1:5432
    .venv/bin/python -m bench.webhook_latency --database-url postgresql://.../empty_db

One process runs the gateway (uvicorn on a loopback port, SQLite in a temp dir; with
`--postgres-server` a fresh database created for each run and dropped after it; with
`--database-url` an empty PostgreSQL database), a threaded HTTP/1.1 keep-alive receiver, and the
client. The client writes one rating at a time (PUT Observation, the same call the assessment pages
make) and does not wait for the notification. Latency = receiver arrival - moment the PUT was
sent, matched by event number. It is split at the event's own timestamp (taken in the write's
transaction, just before its commit): "write" (PUT sent -> event stamped) and "deliver" (event
stamped -> received). Baselines measured in the same run: the PUT round trip alone (the write the
notification rides on) and a bare POST to the receiver (the network + receiver floor). CPU is the
whole process's (gateway, client and receiver threads) during the measured changes, per change:
on a shared machine it moves less than wall-clock figures do. With several runs each is printed
and then the medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from sqlalchemy import create_engine, select, text

from adapters.omaha.model import Problem, Rating
from adapters.omaha.to_fhir import condition, observation
from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from gateway.storage.engine import normalise_url, open_database
from gateway.storage.migrate import upgrade
from gateway.storage.tables import resources
from gateway.storage.times import instant_to_us
from gateway.subscriptions.config import PAYLOAD_CONTENT
from gateway.subscriptions.topics import topic_url
from tests.gateway.api.live_server import free_port


class Arrivals:
    """Arrival time per event number, filled by the receiver threads."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}  # time.perf_counter() on arrival
        self.wall: dict[int, float] = {}  # time.time() on arrival
        self.stamped: dict[int, float] = {}  # the event's own timestamp (time.time() scale)
        self.lock = threading.Lock()
        self.handshake = threading.Event()


def start_receiver(arrivals: Arrivals) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            now, wall = time.perf_counter(), time.time()
            body = orjson.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            params = body["entry"][0]["resource"]["parameter"] if body.get("entry") else []
            kind = next((p.get("valueCode") for p in params if p["name"] == "type"), None)
            if kind == "handshake":
                arrivals.handshake.set()
            for p in params:
                if p["name"] == "notification-event":
                    parts = {x["name"]: x for x in p["part"]}
                    number = int(parts["event-number"]["valueString"])
                    stamped = instant_to_us(parts["timestamp"]["valueInstant"]) / 1_000_000
                    with arrivals.lock:
                        arrivals.at.setdefault(number, now)
                        arrivals.wall.setdefault(number, wall)
                        arrivals.stamped.setdefault(number, stamped)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/hook"


def start_gateway(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"base_url": base}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, thread, base
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the gateway did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _wait(done: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"setup: {what} did not arrive within {timeout:.0f} s")
        time.sleep(0.01)


def _require_empty(url: str) -> None:
    """Event numbers are matched from 1, so the database must hold nothing yet."""
    db = open_database(url)
    try:
        with db.reader.connect() as conn:
            if conn.execute(select(resources.c.res_id).limit(1)).first() is not None:
                raise SystemExit(f"{url} is not empty: give the benchmark an empty database")
    finally:
        db.dispose()


def run(changes: int, database_url: str | None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    url = database_url or f"sqlite:///{tmp / 'gateway.db'}"
    upgrade(url)
    _require_empty(url)
    arrivals = Arrivals()
    receiver, hook = start_receiver(arrivals)
    settings = Settings(database_url=url, key_dir=tmp / "keys", liquidlogic_drop_dir=tmp / "drop",
                        outbound_allow=hook)  # the receiver must be on the outbound allow-list
    server, thread, base = start_gateway(settings)
    headers = {"Authorization": f"Bearer {mint_token(settings, 'bench', 'admin')}",
               "Content-Type": "application/fhir+json"}
    sent: dict[int, tuple[float, float]] = {}  # event number -> (perf_counter, time.time()) at the PUT
    writes: list[float] = []
    try:
        with httpx.Client(base_url=f"{base}/fhir", headers=headers, timeout=30) as client:
            # Setup: a person, a subscription to their assessment (active after the handshake), a problem.
            patient = "Patient/bench-person"
            client.put(patient, content=orjson.dumps({"resourceType": "Patient", "id": "bench-person"}))
            sub = {"resourceType": "Subscription", "status": "requested", "reason": "bench",
                   "criteria": topic_url("integrated-assessment-changed"),
                   "_criteria": {"extension": [{"url": "http://hl7.org/fhir/uv/subscriptions-backport/"
                                                "StructureDefinition/backport-filter-criteria",
                                                "valueString": f"patient={patient}"}]},
                   "channel": {"type": "rest-hook", "endpoint": hook, "payload": "application/fhir+json",
                               "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "id-only"}]}}}
            created = client.post("Subscription", content=orjson.dumps(sub))
            assert created.status_code == 201, created.text[:300]
            _wait(arrivals.handshake.is_set, "the handshake")
            sub_url = f"Subscription/{created.json()['id']}"
            _wait(lambda: client.get(sub_url).json().get("status") == "active", "the subscription's activation")
            cond = condition(Problem(code="38"), patient, recorded="2026-01-01")
            client.put(f"Condition/{cond['id']}", content=orjson.dumps(cond))
            _wait(lambda: 1 in arrivals.at, "the first event (the problem)")

            # Baseline: a bare POST to the receiver.
            bare = []
            with httpx.Client(timeout=10) as plain:
                for _ in range(200):
                    t0 = time.perf_counter()
                    plain.post(hook, content=b"{}")
                    bare.append(time.perf_counter() - t0)

            # The measured changes: event n + 1 belongs to change n (event 1 was the problem).
            first = date(2026, 1, 2)
            cpu0 = time.process_time()
            for i in range(changes):
                obs = observation(Rating(date=(first + timedelta(days=i)).isoformat(), knowledge=3, behavior=3,
                                         status=2 + i % 2), cond["id"], patient)
                t0, wall0 = time.perf_counter(), time.time()
                response = client.put(f"Observation/{obs['id']}", content=orjson.dumps(obs))
                writes.append(time.perf_counter() - t0)
                if response.status_code != 201:
                    raise RuntimeError(f"write failed: {response.status_code} {response.text[:200]}")
                sent[i + 2] = (t0, wall0)
            deadline = time.monotonic() + 60
            while len([n for n in sent if n in arrivals.at]) < changes and time.monotonic() < deadline:
                time.sleep(0.005)
            cpu = time.process_time() - cpu0
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        receiver.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    got = [n for n in sent if n in arrivals.at]
    latencies = [(arrivals.at[n] - sent[n][0]) * 1000 for n in got]
    to_stamp = [(arrivals.stamped[n] - sent[n][1]) * 1000 for n in got]
    delivery = [(arrivals.wall[n] - arrivals.stamped[n]) * 1000 for n in got]
    return {
        "changes": changes, "delivered": len(latencies),
        "p50_ms": statistics.median(latencies), "p95_ms": pct(latencies, 0.95), "max_ms": max(latencies),
        "stamp_p50_ms": statistics.median(to_stamp), "stamp_p95_ms": pct(to_stamp, 0.95),
        "deliver_p50_ms": statistics.median(delivery), "deliver_p95_ms": pct(delivery, 0.95),
        "write_p50_ms": statistics.median(writes) * 1000, "write_p95_ms": pct(writes, 0.95) * 1000,
        "bare_post_p50_ms": statistics.median(bare) * 1000,
        "cpu_ms_per_change": cpu * 1000 / changes,
        "database": "postgresql" if database_url else "sqlite",
    }


def fresh_postgres(server: str) -> tuple[str, Any]:
    """A new empty database on `server` (postgresql://user@host:port) and a function dropping it."""
    name = f"webhook_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(server.rstrip("/") + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{server.rstrip('/')}/{name}", drop


def show(r: dict[str, Any], title: str) -> None:
    print(f"{title}: {r['changes']} rating changes on {r['database']}, {r['delivered']} notifications received")
    print(f"  webhook  p50 {r['p50_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   max {r['max_ms']:7.1f} ms")
    print(f"    of which PUT sent -> event stamped p50 {r['stamp_p50_ms']:.1f} ms, p95 {r['stamp_p95_ms']:.1f} ms; "
          f"event stamped -> received p50 {r['deliver_p50_ms']:.1f} ms, p95 {r['deliver_p95_ms']:.1f} ms")
    print(f"  baseline: the write alone p50 {r['write_p50_ms']:.1f} ms, p95 {r['write_p95_ms']:.1f} ms; "
          f"bare POST to the receiver p50 {r['bare_post_p50_ms']:.2f} ms")
    print(f"  CPU (whole process) {r['cpu_ms_per_change']:.1f} ms per change; "
          f"ratio webhook p50 / write p50: {r['p50_ms'] / r['write_p50_ms']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="repeat and also print the medians")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: temp SQLite)")
    where.add_argument("--postgres-server", default=None,
                       help="postgresql://user@host:port: a fresh database per run, dropped afterwards")
    args = parser.parse_args()
    results = []
    for i in range(args.runs):
        drop = None
        url = args.database_url
        if args.postgres_server:
            url, drop = fresh_postgres(args.postgres_server)
        try:
            results.append(run(args.changes, url))
        finally:
            if drop is not None:
                drop()
        show(results[-1], f"run {i + 1}/{args.runs}")
    r = {k: statistics.median(x[k] for x in results) if isinstance(v, float) else v for k, v in results[0].items()}
    r["delivered"] = min(x["delivered"] for x in results)
    if args.runs > 1:
        show(r, f"median of {args.runs} runs")
    verdict = "meets" if r["p95_ms"] < 500 and r["delivered"] == r["changes"] else "MISSES"
    print(f"  aim p95 < 500 ms with every change delivered: {verdict}")


if __name__ == "__main__":
    main()
