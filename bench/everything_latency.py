"""Latency of `Patient/{id}/$everything` for a person with about 500 resources, in-process and over uvicorn.

```
.venv/bin/python -m bench.everything_latency                    # SQLite in a temp dir, 200 runs per case
.venv/bin/python -m bench.everything_latency --runs 500 --profile
.venv/bin/python -m bench.everything_latency --database-url postgresql://user@host/empty_db
```

What one run does:

1. Writes a SystmOne extract and a Liquidlogic export of 30 synthetic people (`adapters.sample`) and
   imports both through the import pipeline (`ImportRunner`, so person linking makes the golden
   Patients); picks a person both sources hold under one NHS number. Then `--background` resources
   of other synthetic people (`bench.dataset`: Patients with three Observations each, bulk path),
   so the tables are not so small that the query planner reads them whole.
2. Adds synthetic Observations and Encounters (half on each source Patient) through the bulk write
   path (`gateway.repository.bulk`: versions, history, search index) until `$everything` on the
   golden Patient returns about `--resources` resources.
3. Times, per case, `--runs` requests after `--warmup` unmeasured ones, as an admin:
   `full` (every resource, one page) and `page100` (the first page with `_count=100`), from the
   golden Patient; first in-process through the ASGI app (httpx `ASGITransport`, the app's
   lifespan running, so the audit writer commits each call's row as in production), then over a
   real uvicorn server (`python -m bench.serve gateway`, httpx keep-alive client).
   A plain read of the golden Patient is timed alongside as the baseline: what auth, the audit
   commit the response waits for, and HTTP cost on any request.
4. Also times the pure function alone (no HTTP, no auth, no audit) as the floor under those.
5. Prints median and p95 per case and whether the median meets the 50 ms aim; `--profile` also
   prints the top of a cProfile of the pure function (`get_patient_everything` + Bundle text).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select, text

from adapters.liquidlogic.sample import write_export
from adapters.registry import get_adapter
from adapters.sample.people import generate_people
from adapters.systmone.sample import write_extract
from bench import dataset
from bench.servers import start_server
from gateway.app import build_repository, create_app
from gateway.auth.tokens import mint_token
from gateway.imports.pipeline import ImportRunner
from gateway.linking.links import members
from gateway.linking.tables import person_links
from gateway.operations.everything import get_patient_everything
from gateway.repository.bulk import BulkState, flush
from gateway.repository.sql import SqlRepository
from gateway.repository.writes import content_hash
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

AIM_MS = 50.0
NAMESPACE = uuid.UUID("5b0e4f7a-9c1d-4e3b-8a26-7d4c1e9f0b35")
SEED = 31


def import_sample(repo: SqlRepository, root: Path) -> None:
    people = generate_people(30, SEED)
    folders = {"systmone": write_extract(people, root / "systmone", SEED),
               "liquidlogic": write_export(people, root / "liquidlogic", SEED)}
    for source, folder in folders.items():
        ImportRunner(repo, user="bench:everything").run(get_adapter(source), folder)


def linked_person(repo: SqlRepository) -> tuple[str, list[str]]:
    """A golden Patient with two linked source Patients (one per source), and those sources."""
    with repo.reading() as conn:
        goldens = sorted(set(conn.execute(select(person_links.c.golden_id)
                                          .where(person_links.c.active.is_(True))).scalars()))
        for golden in goldens:
            sources = [link.patient_id for link in members(conn, golden)]
            if len(sources) == 2:
                return golden, sources
    raise SystemExit("the sample holds no person linked across both sources")


def _observation(rng: random.Random, res_id: str, patient_id: str) -> dict[str, Any]:
    taken = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
    return {"resourceType": "Observation", "id": res_id, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
            "subject": {"reference": f"Patient/{patient_id}"},
            "effectiveDateTime": f"{taken.isoformat()}T09:{rng.randrange(60):02d}:00Z",
            "valueQuantity": {"value": rng.randrange(50, 110), "unit": "/min", "system": "http://unitsofmeasure.org",
                              "code": "/min"}}


def _encounter(rng: random.Random, res_id: str, patient_id: str) -> dict[str, Any]:
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
    return {"resourceType": "Encounter", "id": res_id, "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH"},
            "subject": {"reference": f"Patient/{patient_id}"},
            "period": {"start": f"{day.isoformat()}T10:00:00Z", "end": f"{day.isoformat()}T10:30:00Z"}}


def add_records(repo: SqlRepository, sources: list[str], how_many: int) -> None:
    """`how_many` synthetic Observations and Encounters (3 : 1), alternating between the sources."""
    rng = random.Random(SEED)
    state = BulkState()
    for n in range(how_many):
        patient_id = sources[n % len(sources)]
        kind = "Encounter" if n % 4 == 3 else "Observation"
        res_id = str(uuid.uuid5(NAMESPACE, f"{kind}/{n}"))
        body = (_encounter if kind == "Encounter" else _observation)(rng, res_id, patient_id)
        state.put((kind, res_id), body, content_hash(body), "PUT")
    with repo.db.writer.begin() as conn:
        flush(conn, state.take(), originally_stored=set())


def background(url: str, total: int) -> None:
    """Other people: Patients with three Observations each, loaded through the bulk path."""
    _dataset, others = dataset.generate(total, seed=SEED)
    dataset.load(url, others)


def record_size(repo: SqlRepository, golden: str) -> int:
    with repo.reading() as conn:
        page = get_patient_everything(conn, golden, None, None, 100_000, None, "")
    return len(page.entries)


def summary(name: str, times_ms: list[float]) -> str:
    ordered = sorted(times_ms)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    verdict = "meets" if median < AIM_MS else "MISSES"
    return f"  {name:<28} median {median:7.2f} ms   p95 {p95:7.2f} ms   ({verdict} the {AIM_MS:.0f} ms aim)"


async def timed(call: Callable[[], Awaitable[httpx.Response]], runs: int, warmup: int, expect: int) -> list[float]:
    out: list[float] = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        response = await call()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"$everything answered {response.status_code}: {response.text[:300]}")
        if i == 0 and expect >= 0:
            served = sum(1 for e in orjson.loads(response.content)["entry"] if e["search"]["mode"] != "outcome")
            if served != expect:
                raise SystemExit(f"$everything served {served} resources, expected {expect}")
        if i >= warmup:
            out.append(elapsed)
    return out


async def run_cases(client: httpx.AsyncClient, golden: str, size: int, runs: int, warmup: int) -> list[str]:
    path = f"/fhir/Patient/{golden}/$everything"
    cases = {"full": (path, size), "page100 (_count=100)": (f"{path}?_count=100", min(100, size)),
             "baseline: read Patient": (f"/fhir/Patient/{golden}", -1)}
    lines = []
    for name, (url, expect) in cases.items():
        lines.append(summary(name, await timed(lambda u=url: client.get(u), runs, warmup, expect)))  # type: ignore[misc]
    return lines


async def in_process(settings: Settings, token: str, golden: str, size: int, runs: int, warmup: int) -> list[str]:
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            return await run_cases(client, golden, size, runs, warmup)


async def over_uvicorn(settings: Settings, token: str, golden: str, size: int, runs: int, warmup: int) -> list[str]:
    env = {"GATEWAY_DATABASE_URL": settings.database_url, "GATEWAY_KEY_DIR": str(settings.key_dir),
           "GATEWAY_DELIVERY_WORKER": "false"}
    server = start_server("gateway", None, env=env)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url(), headers=headers, timeout=30) as client:
            return await run_cases(client, golden, size, runs, warmup)
    finally:
        server.stop()


def function_only(repo: SqlRepository, golden: str, size: int, runs: int, warmup: int) -> list[str]:
    """The pure function and the Bundle text on one connection: the floor under the HTTP figures."""
    lines = []
    for name, count in (("full", 1000), ("page100 (_count=100)", 100)):
        times: list[float] = []
        with repo.reading() as conn:
            for i in range(warmup + runs):
                start = time.perf_counter()
                page = get_patient_everything(conn, golden, None, None, count, None, "http://bench/fhir")
                page.bundle("http://bench/fhir")
                if i >= warmup:
                    times.append((time.perf_counter() - start) * 1000)
        if len(page.entries) != min(count, size):
            raise SystemExit(f"the function served {len(page.entries)} resources, expected {min(count, size)}")
        lines.append(summary(name, times))
    return lines


def profile(repo: SqlRepository, golden: str, runs: int) -> str:
    """cProfile of the pure function and the Bundle text, `runs` full reads."""
    profiler = cProfile.Profile()
    with repo.reading() as conn:
        profiler.enable()
        for _ in range(runs):
            get_patient_everything(conn, golden, None, None, 1000, None, "http://bench/fhir").bundle("http://bench/fhir")
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=500, help="about how many resources the person has")
    parser.add_argument("--background", type=int, default=20000,
                        help="resources of other synthetic people around the person (bench.dataset), so the "
                        "database is not trivially small for the query planner")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-uvicorn", action="store_true")
    args = parser.parse_args()

    # Setup: the sample from both sources, then extra records for one linked person.
    work = Path(tempfile.mkdtemp(prefix="everything-bench-"))
    url = args.database_url or f"sqlite:///{work / 'gateway.db'}"
    upgrade(url)
    settings = Settings(database_url=url, key_dir=work / "keys", base_url="http://bench", delivery_worker=False)
    repo = build_repository(settings)
    started = time.perf_counter()
    import_sample(repo, work / "sample")
    golden, sources = linked_person(repo)
    if args.background:
        background(url, args.background)
    add_records(repo, sources, max(0, args.resources - record_size(repo, golden)))
    if repo.db.writer.dialect.name == "postgresql":
        with repo.db.writer.connect() as conn:  # fresh tables: give the planner statistics, as autovacuum would
            conn.execute(text("ANALYZE"))
            conn.commit()
    size = record_size(repo, golden)
    print(f"Setup {time.perf_counter() - started:.1f} s: golden Patient/{golden} links {len(sources)} source "
          f"Patients; $everything returns {size} resources ({url.split(':')[0]}, {args.background} other "
          "resources around them)")

    # Measure: in-process, then over uvicorn, with an admin token from the run's own key.
    app_for_key = create_app(settings)  # creates the local signing key the token is minted with
    del app_for_key
    token = mint_token(settings, "bench-admin", "admin")
    print(f"Function only (get_patient_everything + Bundle text, {args.runs} runs after {args.warmup} warm-up):")
    for line in function_only(repo, golden, size, args.runs, args.warmup):
        print(line)
    print(f"In-process (ASGI, {args.runs} runs after {args.warmup} warm-up):")
    for line in asyncio.run(in_process(settings, token, golden, size, args.runs, args.warmup)):
        print(line)
    if not args.skip_uvicorn:
        print(f"Over uvicorn (HTTP/1.1 keep-alive, {args.runs} runs after {args.warmup} warm-up):")
        for line in asyncio.run(over_uvicorn(settings, token, golden, size, args.runs, args.warmup)):
            print(line)
    if args.profile:
        print(profile(repo, golden, 50))
    repo.db.dispose()


if __name__ == "__main__":
    main()
