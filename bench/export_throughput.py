"""Bulk export throughput and memory of a real export job, against a raw SELECT-to-files ceiling
measured in the same run.

    .venv/bin/python -m bench.export_throughput --people 10000 [--rounds 2] [--database PATH]

Builds the synthetic sample (`gateway sample`: SystmOne and Liquidlogic exports for `--people`
people) and imports it into a fresh SQLite database through `ImportRunner` (not timed; `--database`
reuses a file an earlier run built, printed at the end). Then, alternating, each in its own child
process so peak RSS belongs to it alone:

- `export`: one `$export` job of every type, run the way the gateway runs it (`jobs.create`, then
  `jobs.claim` and `ExportWorker.execute`: keyset chunks, snapshot check, NDJSON files, checkpoints
  and lease renewals in the database);
- `ceiling`: plain sqlite3, `SELECT content FROM resources WHERE res_type = ? AND NOT deleted ORDER
  BY res_id` per type, `fetchmany` batches of the same size written to one file per type.

Prints resources/s of each, their ratio, peak RSS, and RSS at quartiles of the export's wall time
(flat memory: it should not grow with the rows written).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.import_throughput import RssSampler

AIM_RESOURCES_PER_S = 50_000
AIM_RATIO = 0.5


def build(people: int, where: Path) -> Path:
    """A migrated SQLite database holding the imported sample."""
    from adapters.registry import get_adapter
    from gateway.app import build_repository
    from gateway.imports.pipeline import ImportRunner
    from gateway.samples import write_samples
    from gateway.settings import Settings
    from gateway.storage.migrate import upgrade

    db = where / "export-bench.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    settings = Settings(database_url=url, key_dir=where / "keys")
    repo = build_repository(settings)
    exports = write_samples(people, where / "sample", seed=1)
    runner = ImportRunner.from_settings(repo, settings, "bench")
    for source in ("systmone", "liquidlogic"):
        started = time.perf_counter()
        summary = runner.run(get_adapter(source), exports[source])
        print(f"  imported {source}: {summary.rows} rows in {time.perf_counter() - started:.0f} s", flush=True)
    repo.db.dispose()
    return db


def export_child(db: Path, out: Path, chunk: int) -> dict[str, Any]:
    """One export job, as the gateway's worker runs it."""
    from gateway.app import build_repository
    from gateway.export import jobs
    from gateway.export.spec import EXPORTABLE_TYPES, ExportSpec
    from gateway.export.worker import ExportWorker
    from gateway.settings import Settings
    from gateway.storage.times import now_us

    job_id = uuid.uuid4().hex
    settings = Settings(database_url=f"sqlite:///{db}", key_dir=out / "keys", export_dir=out, export_chunk_rows=chunk)
    repo = build_repository(settings)
    spec = ExportSpec("system", tuple(sorted(EXPORTABLE_TYPES)))
    with repo.db.writer.begin() as conn:
        jobs.create(conn, job_id, "bench", None, "bench", spec, now_us())
    worker = ExportWorker(repo, settings)
    sampler = RssSampler(every=0.05)
    sampler.start()
    started, cpu = time.perf_counter(), _cpu()
    job = jobs.claim(repo.db, worker.holder, settings.export_lease_s, settings.export_max_attempts)
    assert job is not None
    worker.execute(job)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    with repo.reading() as conn:
        done = jobs.get(conn, job_id)
    sampler.stop()
    assert done is not None and done.status == "completed", done
    rows = done.state.written
    sampler.rows = rows
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "files": len(done.state.files),
            "bytes": sum(f.bytes for f in done.state.files), **_memory(sampler)}


def ceiling_child(db: Path, out: Path, chunk: int) -> dict[str, Any]:
    """The same stored JSON, straight from sqlite3 into files."""
    sampler = RssSampler(every=0.05)
    sampler.start()
    started, cpu = time.perf_counter(), _cpu()
    conn = sqlite3.connect(db)
    types = [row[0] for row in conn.execute("SELECT DISTINCT res_type FROM resources")]
    rows = size = 0
    out.mkdir(parents=True, exist_ok=True)
    for res_type in types:
        cursor = conn.execute("SELECT content FROM resources WHERE res_type = ? AND NOT deleted ORDER BY res_id",
                              (res_type,))
        with open(out / f"{res_type}.ndjson", "wb") as handle:
            while batch := cursor.fetchmany(chunk):
                data = ("\n".join(r[0] for r in batch) + "\n").encode()
                handle.write(data)
                rows += len(batch)
                size += len(data)
    conn.close()
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    sampler.stop()
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "bytes": size, **_memory(sampler)}


def _cpu() -> float:
    """CPU seconds of the main thread (user + system), which does all the exporting: less
    disturbed than wall time by other work on a shared machine. The RSS sampler thread is left out."""
    return time.thread_time()


def _memory(sampler: RssSampler) -> dict[str, Any]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    quartiles = []
    total = sampler.samples[-1][0]
    for pct in (25, 50, 75, 100):
        at = next(s for s in sampler.samples if s[0] >= total * pct / 100)
        quartiles.append((pct, round(at[2], 1)))
    return {"peak_rss_mb": round(peak, 1), "rss_quartiles": quartiles}


def _run_child(kind: str, db: Path, out: Path, chunk: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.export_throughput", "--child", kind, "--database", str(db),
                           "--out", str(out), "--chunk", str(chunk)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} child failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--database", type=Path, help="Reuse this imported database instead of building one")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", choices=["export", "ceiling"])
    args = parser.parse_args()

    if args.child:
        work = export_child if args.child == "export" else ceiling_child
        print(json.dumps(work(args.database, args.out, args.chunk)))
        return

    where = Path(tempfile.mkdtemp(prefix="export-bench-"))
    db = args.database
    if db is None:
        print(f"building the {args.people:,}-person sample in {where} ...", flush=True)
        db = build(args.people, where)
    results: dict[str, list[dict[str, Any]]] = {"export": [], "ceiling": []}
    for round_no in range(args.rounds):
        for kind in ("export", "ceiling"):
            out = where / f"{kind}-{round_no}"
            result = _run_child(kind, db, out, args.chunk)
            results[kind].append(result)
            print(f"  round {round_no + 1} {kind:<8} {result['rows']:>9,} resources in {result['seconds']:6.2f} s = "
                  f"{result['rows'] / result['seconds']:>9,.0f}/s (CPU {result['cpu']:.2f} s = "
                  f"{result['rows'] / result['cpu']:,.0f}/CPU-s), peak RSS {result['peak_rss_mb']} MB, "
                  f"RSS at 25/50/75/100% of the run {[mb for _, mb in result['rss_quartiles']]}", flush=True)
            subprocess.run(["rm", "-rf", str(out)], check=False)

    best = {k: max(v, key=lambda r: r["rows"] / r["seconds"]) for k, v in results.items()}
    export, ceiling = best["export"], best["ceiling"]
    rate = export["rows"] / export["seconds"]
    ratio = rate / (ceiling["rows"] / ceiling["seconds"])
    cpu_ratio = min(r["cpu"] for r in results["ceiling"]) / min(r["cpu"] for r in results["export"])
    quartiles = [mb for _, mb in export["rss_quartiles"]]
    print(f"\nexport: {rate:,.0f} resources/s (best of {args.rounds}), ceiling "
          f"{ceiling['rows'] / ceiling['seconds']:,.0f}/s, ratio {ratio:.2f} (by CPU time {cpu_ratio:.2f}); "
          f"export peak RSS {export['peak_rss_mb']} MB "
          f"(ceiling {ceiling['peak_rss_mb']} MB), growth from 25% to 100% of the run "
          f"{quartiles[-1] - quartiles[0]:+.1f} MB; {export['bytes'] / 1e6:,.0f} MB in {export['files']} files")
    print(f"aims: >= {AIM_RESOURCES_PER_S:,}/s {'met' if rate >= AIM_RESOURCES_PER_S else 'NOT met'}; "
          f">= {AIM_RATIO}x ceiling {'met' if ratio >= AIM_RATIO else 'NOT met'}")
    print(f"database: {db} (reuse with --database)")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (2 cores; above 2 the machine was shared and the ratio is the "
          "figure to read)")


if __name__ == "__main__":
    main()
