"""Read and search benchmark: the gateway against a bare Starlette + SQLite ceiling, in one run.

    .venv/bin/python -m bench.read_search --resources 10000 --duration 5 --concurrency 1,8,32

Loads synthetic Patients and Observations into a fresh database, starts the gateway and the bare app
each in its own process pinned to the server core, drives both from this process pinned to the client
core, alternating gateway and bare for each scenario and concurrency so background load hits both
alike, then checks the audit log against the responses. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from adapters.nhs_number import NHS_NUMBER_SYSTEM
from bench import dataset
from bench.audit_check import BulkAudit, count_rows, exact_check
from bench.load import LoadResult, LoadSpec, Scenario
from bench.noise import NoiseMeter, context_switches, process_seconds, switches_between
from bench.rawclient import run_raw
from bench.report import Pair, as_json, table, targets
from bench.servers import ServerProcess, start_server
from bench.wrk_driver import run_wrk, wrk_path
from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

READ = "read Patient/{id}"


def scenarios(data: dataset.Dataset) -> list[Scenario]:
    """Authenticated read by id, Patient by NHS number, Observations of one patient."""
    return [
        Scenario(READ, tuple(f"/fhir/Patient/{i}" for i in data.patient_ids)),
        Scenario("Patient?identifier", tuple(
            f"/fhir/Patient?identifier={quote(f'{NHS_NUMBER_SYSTEM}|{n}', safe='')}" for n in data.nhs_numbers)),
        Scenario("Observation?patient", tuple(f"/fhir/Observation?patient={i}" for i in data.patient_ids)),
    ]


class Driver:
    """Runs load with the chosen tool and keeps the ledger of gateway responses the audit check needs."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.gateway_responses = 0
        self.gateway_abandoned_bound = 0

    def run(self, server: ServerProcess, spec: LoadSpec) -> LoadResult:
        cpu, switches = process_seconds(server.pid), context_switches(server.pid)
        if self.tool == "wrk":
            result = run_wrk(server.url(), spec)
        else:
            result, _ = run_raw("127.0.0.1", server.port, spec)
        if result.requests:
            result = dataclasses.replace(
                result, server_cpu_us=(process_seconds(server.pid) - cpu) / result.requests * 1e6,
                server_switches=switches_between(switches, context_switches(server.pid)) / result.requests)
        if server.kind == "gateway":
            self.gateway_responses += result.requests
            self.gateway_abandoned_bound += result.in_flight_at_end
        return result


def _pin_client(core: int | None) -> str:
    cores = os.cpu_count() or 1
    if core is None or cores < 2 or not hasattr(os, "sched_setaffinity"):
        return f"not pinned ({cores} core(s))"
    os.sched_setaffinity(0, {core})
    return f"load generator on core {core}"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.read_search", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resources", type=int, default=10000, help="synthetic resources to load (1 Patient : 3 Obs)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each run")
    p.add_argument("--concurrency", default="1,8,32", help="comma-separated open connections")
    p.add_argument("--tool", choices=("auto", "wrk", "raw"), default="auto", help="load generator")
    p.add_argument("--database-url", default=None, help="gateway database (e.g. PostgreSQL, migrated here; "
                                                        "must be empty); default a temporary SQLite file")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--client-core", type=int, default=1)
    p.add_argument("--audit-seconds", type=float, default=3.0, help="length of the exact audit check")
    p.add_argument("--scenarios", default="", help="comma-separated scenario names to run (default all)")
    p.add_argument("--json", type=Path, default=None, help="also write results here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    tool = ("wrk" if wrk_path() else "raw") if args.tool == "auto" else args.tool
    tmp = Path(tempfile.mkdtemp(prefix="bench-read-search-"))
    sqlite_path = tmp / "gateway.db"
    sqlite_url = f"sqlite:///{sqlite_path}"
    gateway_url = args.database_url or sqlite_url

    # Load the same synthetic data into the gateway's database and the ceiling's SQLite file.
    started = time.perf_counter()
    data, resources = dataset.generate(args.resources)
    for url in dict.fromkeys([sqlite_url, gateway_url]):
        upgrade(url)
        dataset.load(url, resources)
    databases = len({sqlite_url, gateway_url})
    print(f"loaded {data.total} resources ({len(data.patient_ids)} Patients) into {databases} "
          f"database(s) in {time.perf_counter() - started:.1f}s")

    settings = Settings(database_url=gateway_url, key_dir=tmp / "keys")
    token = mint_token(settings, "bench-nurse", "nurse")
    headers = {"Authorization": f"Bearer {token}"}
    env = {"GATEWAY_DATABASE_URL": gateway_url, "GATEWAY_KEY_DIR": str(tmp / "keys")}
    print(f"{_pin_client(args.client_core)}; servers on core {args.server_core}; load generator: {tool}; "
          f"load average {os.getloadavg()[0]:.2f} (other work on this machine skews every figure)")

    chosen = [s for s in scenarios(data) if not args.scenarios or s.name in args.scenarios.split(",")]
    driver = Driver(tool)

    # The load generator's own ceiling: a server that does nothing but answer.
    echo = start_server("echo", args.server_core)
    try:
        ceiling = driver.run(echo, LoadSpec(chosen[0], max(concurrencies), min(args.duration, 3.0), headers))
    finally:
        echo.stop()
    print(f"load generator ceiling (echo server, concurrency {max(concurrencies)}): {ceiling.rps:,.0f} req/s")

    audit_before = count_rows(gateway_url)
    noise = NoiseMeter()
    noise.start()
    gateway = start_server("gateway", args.server_core, env=env)
    bare = start_server("bare", args.server_core, sqlite_path=str(sqlite_path))
    pairs: list[Pair] = []
    try:
        for scenario in chosen:
            for conc in concurrencies:
                results = {}
                for server in (gateway, bare):
                    if args.warmup > 0:
                        driver.run(server, LoadSpec(scenario, conc, args.warmup, headers))
                    results[server.kind] = driver.run(server, LoadSpec(scenario, conc, args.duration, headers))
                pairs.append(Pair(scenario.name, conc, results["gateway"], results["bare"]))
                print(f"  {scenario.name} c={conc}: gateway {results['gateway'].rps:,.0f}/s, "
                      f"bare {results['bare'].rps:,.0f}/s", flush=True)

        # Exact audit check: unique request ids, every response drained.
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        exact_spec = LoadSpec(chosen[0], max(concurrencies), args.audit_seconds, headers)
        exact_result, status_by_id = run_raw("127.0.0.1", gateway.port, exact_spec, id_prefix=prefix)
        server_seconds = process_seconds(gateway.pid) + process_seconds(bare.pid)
        noise_line = noise.report(server_seconds)
    finally:
        bare.stop()
        gateway.stop()  # graceful: the audit writer drains before the process exits
    audit_after = count_rows(gateway_url)
    exact = exact_check(gateway_url, status_by_id, prefix)
    bulk = BulkAudit(audit_after - audit_before - exact.responses, driver.gateway_responses,
                     driver.gateway_abandoned_bound)

    # Report.
    print()
    print(table(pairs))
    print()
    print(f"load generator ceiling: {ceiling.rps:,.0f} req/s ({tool}); figures near it measure the client")
    print(noise_line)
    for line in targets(pairs, READ):
        print(line)
    print()
    print(f"audit, exact ({exact_result.requests} reads at concurrency {exact_spec.concurrency}, "
          f"{exact_result.rps:,.0f}/s): {exact.ok} x 200, {exact.ok_with_one_row} with exactly one 200 audit row, "
          f"missing {exact.missing}, duplicated {exact.duplicated}, wrong status {exact.wrong_status} "
          f"-> {'PASS' if exact.passed else 'FAIL'}")
    print(f"audit, all other gateway traffic: {bulk.rows_added} rows for {bulk.responses} counted responses "
          f"(+ at most {bulk.abandoned_bound} abandoned by {tool} at run ends) -> {'PASS' if bulk.passed else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({"pairs": as_json(pairs), "client_ceiling_rps": ceiling.rps,
                                         "audit_exact_passed": exact.passed, "audit_bulk_passed": bulk.passed},
                                        indent=2), encoding="utf-8")
    return 0 if exact.passed and bulk.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
