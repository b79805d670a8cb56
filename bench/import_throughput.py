"""Import throughput and memory of the real pipeline, against a raw batched-insert ceiling measured in the same run.

    .venv/bin/python -m bench.import_throughput --people 10000 [--also 1000] [--profile out.prof]

For each size: writes the synthetic SystmOne extract (timed on its own), then imports it into a fresh
SQLite database through `ImportRunner` in a child process, so peak RSS (`ru_maxrss`, own and children's)
belongs to the import alone while a thread samples RSS (the process and its descendants, from /proc)
to show it stays flat. Then the ceiling: the very JSON rows the import stored (every version in
resource_history, every current row in resources) inserted again with sqlite3 executemany into fresh
tables of the same database, one commit per batch of the same size. Prints both, the ratio, and
whether each aim of the issue is met; with several sizes, whether peak RSS grows with the extract.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

AIM_RESOURCES_PER_S = 6_000  # clinical resources (Provenance not counted) per second of wall time
AIM_RATIO = 0.15
AIM_RSS_MB = 400
LOOKUP_TABLES = {"SRManifest", "SRMapping", "SRMappingGroup"}


# --- memory -----------------------------------------------------------------------------------

def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                kids = [int(k) for k in handle.read().split()]
        except OSError:
            continue
        for kid in kids:
            out += [kid, *_descendants(kid)]
    return out


def tree_rss_mb(pid: int | None = None) -> float:
    """RSS of a process and every process below it (a pipeline that moves work to workers is counted)."""
    root = pid or os.getpid()
    return sum(_rss_kb(p) for p in [root, *_descendants(root)]) / 1024


class RssSampler(threading.Thread):
    """Samples tree RSS every `every` seconds: (elapsed s, rows done, MB)."""

    def __init__(self, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.rows = 0
        self.samples: list[tuple[float, int, float]] = []
        self._halt = threading.Event()
        self._start = time.perf_counter()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - self._start, self.rows, tree_rss_mb()))
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.samples.append((time.perf_counter() - self._start, self.rows, tree_rss_mb()))

    def quartiles(self) -> list[tuple[int, int, float]]:
        """(percent of the import's wall time, rows done then, RSS MB then) at 25/50/75/100%."""
        total = self.samples[-1][0]
        out = []
        for pct in (25, 50, 75, 100):
            at = next(s for s in self.samples if s[0] >= total * pct / 100)
            out.append((pct, at[1], at[2]))
        return out


# --- the import (child process) -----------------------------------------------------------------

def data_rows(folder: Path) -> int:
    total = 0
    for path in folder.glob("*.csv"):
        if path.stem not in LOOKUP_TABLES:
            with path.open(encoding="cp1252", newline="") as handle:
                total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def _count(db: Path, table: str, where: str = "") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])


CLINICAL = "WHERE res_type != 'Provenance'"


def import_worker(extract: Path, db: Path, batch_rows: int, profile: Path | None) -> dict[str, Any]:
    """Import `extract` into the migrated SQLite `db` through the real pipeline; returns the figures.
    When profiling, the pipeline's parse worker process is switched off so cProfile sees every layer."""
    from adapters.registry import get_adapter
    from gateway.app import build_repository
    from gateway.imports.pipeline import ImportRunner
    from gateway.settings import Settings

    overrides: dict[str, Any] = {"import_worker_min_bytes": None} if profile else {}
    settings = Settings(database_url=f"sqlite:///{db}", import_batch_rows=batch_rows, **overrides)
    repo = build_repository(settings)
    runner = ImportRunner.from_settings(repo, settings, "bench")
    versions_before, current_before = _count(db, "resource_history"), _count(db, "resources")
    clinical_before = _count(db, "resource_history", CLINICAL)
    sampler = RssSampler()

    def progress(event: str, payload: Any) -> None:
        if event == "rows" and isinstance(payload, dict):
            sampler.rows += sum(v[0] for v in payload.values() if isinstance(v, tuple))

    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
    sampler.start()
    cpu0, start = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    summary = runner.run(get_adapter("systmone"), extract, progress)
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    sampler.stop()
    repo.db.dispose()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds, "cpu_seconds": cpu, "rows": summary.rows, "counts": summary.counts,
        "versions": _count(db, "resource_history") - versions_before,
        "current": _count(db, "resources") - current_before,
        "clinical": _count(db, "resource_history", CLINICAL) - clinical_before,
        # A pipeline that parses in a worker process uses the sum of both: the sampled tree peak.
        "peak_rss_mb": max(own, kids, max(mb for _, _, mb in sampler.samples)),
        "ru_maxrss_mb": max(own, kids), "rss_quartiles": sampler.quartiles(), "profiled": profile is not None,
    }


# --- the ceiling ----------------------------------------------------------------------------------

def raw_ceiling(db: Path, batch: int) -> dict[str, float]:
    """Insert the stored JSON rows again (history, then current) with executemany, `batch` rows per
    commit, into fresh copies of the two tables in the same database. Only the inserts are timed."""
    read = sqlite3.connect(db)
    write = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY"):
        write.execute(f"PRAGMA {pragma}")
    write.executescript("""
        DROP TABLE IF EXISTS ceiling_history; DROP TABLE IF EXISTS ceiling_resources;
        CREATE TABLE ceiling_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, res_type VARCHAR(64) NOT NULL,
            res_id VARCHAR(64) NOT NULL, version INTEGER NOT NULL, last_updated BIGINT NOT NULL,
            deleted BOOLEAN NOT NULL, method VARCHAR(8) NOT NULL, content TEXT,
            UNIQUE (res_type, res_id, version));
        CREATE TABLE ceiling_resources (res_type VARCHAR(64) NOT NULL, res_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL, last_updated BIGINT NOT NULL, deleted BOOLEAN NOT NULL,
            content_hash VARCHAR(64), content TEXT, PRIMARY KEY (res_type, res_id));
    """)
    spent, rows = 0.0, 0
    for sql_in, sql_out in (
        ("SELECT res_type, res_id, version, last_updated, deleted, method, content FROM resource_history",
         "INSERT INTO ceiling_history (res_type, res_id, version, last_updated, deleted, method, content) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)"),
        ("SELECT res_type, res_id, version, last_updated, deleted, content_hash, content FROM resources",
         "INSERT INTO ceiling_resources VALUES (?, ?, ?, ?, ?, ?, ?)"),
    ):
        cursor = read.execute(sql_in)
        while chunk := cursor.fetchmany(batch):
            start = time.perf_counter()
            write.execute("BEGIN IMMEDIATE")
            write.executemany(sql_out, chunk)
            write.execute("COMMIT")
            spent += time.perf_counter() - start
            rows += len(chunk)
    history_rows = _count(db, "ceiling_history")
    write.executescript("DROP TABLE ceiling_history; DROP TABLE ceiling_resources;")
    read.close()
    write.close()
    return {"seconds": spent, "rows": rows, "versions": history_rows, "versions_per_s": history_rows / spent}


# --- driver -------------------------------------------------------------------------------------------

def measure(people: int, seed: int, batch_rows: int, workdir: Path, profile: Path | None) -> dict[str, Any]:
    from adapters.sample.people import generate_people
    from adapters.systmone.sample import write_extract
    from gateway.storage.migrate import upgrade

    start = time.perf_counter()
    extract = write_extract(generate_people(people, seed), workdir / f"extract-{people}", seed)
    generated = time.perf_counter() - start
    rows = data_rows(extract)
    db = workdir / f"import-{people}.db"
    upgrade(f"sqlite:///{db}")
    child = subprocess.run(
        [sys.executable, "-m", "bench.import_throughput", "--worker", str(extract), str(db), str(batch_rows),
         str(profile or "")], capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise SystemExit(f"the import child failed:\n{child.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    # Same batch size as the pipeline's: the versions one batch of source rows wrote, on average.
    batches = max(1, -(-result["rows"] // batch_rows))
    ceiling = raw_ceiling(db, max(1, (result["versions"] + result["current"]) // batches))
    result.update(people=people, generate_seconds=generated, csv_rows=rows, ceiling=ceiling,
                  extract_mb=sum(p.stat().st_size for p in extract.glob("*.csv")) / 1e6)
    return result


LAYERS = (  # first match wins: (layer, substrings of "file:line(function)")
    ("parse (csv, decode, checksums)", ("adapters/systmone/parse.py", "/csv.py", "codecs", "_csv", "hashlib",
                                        "zipfile")),
    ("convert (adapter to_fhir, lookups, code maps)", ("adapters/",)),
    ("validation (R4B models, bindings)", ("gateway/validation.py", "gateway/bindings.py", "fhir/resources",
                                           "fhir_core", "pydantic")),
    ("hashing (content_hash)", ("gateway/repository/writes.py",)),
    ("index extraction", ("gateway/search/",)),
    ("person linking hook", ("gateway/linking/",)),
    ("other write hooks (subscriptions, audit)", ("gateway/subscriptions/", "gateway/audit/", "gateway/delivery/")),
    ("pipeline batch logic, Provenance, row report", ("gateway/imports/", "gateway/repository/")),
    ("SQL (SQLAlchemy + sqlite3)", ("sqlalchemy", "sqlite3", "method 'execute", "method 'executemany",
                                    "method 'commit", "method 'fetch")),
    ("JSON (orjson)", ("orjson",)),
)


def layer_report(profile: Path, top: int = 25) -> None:
    """Own time (tottime) of the profiled import by layer, then the costliest functions."""
    import pstats

    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    buckets: dict[str, float] = {}
    rows = []
    for (file, line, fn), (_, calls, own, cumulative, _) in stats.items():
        name = f"{file}:{line}({fn})"
        layer = next((lay for lay, pats in LAYERS if any(p in name for p in pats)), "other (stdlib, builtins)")
        buckets[layer] = buckets.get(layer, 0.0) + own
        rows.append((own, cumulative, calls, name))
    total = sum(buckets.values())
    print(f"\nprofile ({profile}): {total:.1f} s of own time, by layer")
    for layer, spent in sorted(buckets.items(), key=lambda item: -item[1]):
        print(f"   {spent:7.1f} s {100 * spent / total:5.1f}%  {layer}")
    print(f"   top {top} functions by own time (own s, cumulative s, calls):")
    for own, cumulative, calls, name in sorted(rows, reverse=True)[:top]:
        print(f"   {own:7.2f} {cumulative:8.2f} {calls:9d}  {name[-100:]}")


def report(r: dict[str, Any]) -> None:
    # The aims count clinical resources (every version written except Provenance) per second of wall time;
    # the ratio is that figure over the ceiling's versions/s (the stricter of the two comparisons).
    per_s = r["clinical"] / r["seconds"]
    all_per_s = r["versions"] / r["seconds"]
    ceiling = r["ceiling"]["versions_per_s"]
    ratio = per_s / ceiling
    print(f"\n== {r['people']:,} people: {r['rows']:,} rows ({r['csv_rows']:,} in the CSVs), "
          f"{r['extract_mb']:.1f} MB of CSV, generated in {r['generate_seconds']:.1f} s")
    print(f"   counts: {r['counts']}")
    print(f"   import : {r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU; {r['versions']:,} resource versions "
          f"written (incl. Provenance), {r['current']:,} resources")
    print(f"            {per_s:,.0f} clinical resources/s ({r['clinical']:,}, Provenance not counted), "
          f"{all_per_s:,.0f} versions/s incl. Provenance, {r['rows'] / r['seconds']:,.0f} rows/s "
          f"({r['versions'] / max(r['cpu_seconds'], 1e-9):,.0f} resources per CPU-second of the main process, "
          "a parse worker's CPU not included)")
    print(f"   ceiling: {ceiling:,.0f} resources/s raw executemany of the same JSON rows "
          f"({r['ceiling']['rows']:,} rows: history + current, {r['ceiling']['seconds']:.1f} s)")
    print(f"   ratio  : {ratio:.3f}x the ceiling")
    print(f"   RSS    : peak {r['peak_rss_mb']:.0f} MB (whole process tree, sampled; largest single process "
          f"{r['ru_maxrss_mb']:.0f} MB by ru_maxrss); " + ", ".join(
        f"{pct}% {mb:.0f} MB ({rows:,} rows)" for pct, rows, mb in r["rss_quartiles"]))
    for aim, met in ((f">= {AIM_RESOURCES_PER_S:,} resources/s", per_s >= AIM_RESOURCES_PER_S),
                     (f">= {AIM_RATIO}x the ceiling", ratio >= AIM_RATIO),
                     (f"peak RSS < {AIM_RSS_MB} MB", r["peak_rss_mb"] < AIM_RSS_MB)):
        print(f"   aim {aim}: {'met' if met else 'NOT met'}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        extract, db, batch, profile = sys.argv[2:6]
        print(json.dumps(import_worker(Path(extract), Path(db), int(batch), Path(profile) if profile else None)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--also", type=int, nargs="*", default=[], help="smaller sizes, to show RSS does not grow")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-rows", type=int, default=int(os.environ.get("GATEWAY_IMPORT_BATCH_ROWS", 2000)))
    parser.add_argument("--profile", type=Path, help="cProfile the largest import into this file (in-process "
                        "parsing, so every layer shows; its throughput is not comparable)")
    parser.add_argument("--workdir", type=Path, help="keep the extracts and databases here")
    args = parser.parse_args()
    print(f"import throughput on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"batch {args.batch_rows} rows")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = []
        for people in sorted({*args.also, args.people}):
            profile = args.profile if people == args.people else None
            results.append(measure(people, args.seed, args.batch_rows, workdir, profile))
            report(results[-1])
            if profile is not None:
                layer_report(profile)
    if len(results) > 1:
        small, big = results[0], results[-1]
        growth = big["peak_rss_mb"] - small["peak_rss_mb"]
        flat = growth < 0.25 * small["peak_rss_mb"]
        print(f"\nRSS vs extract size: {small['people']:,} people peak {small['peak_rss_mb']:.0f} MB, "
              f"{big['people']:,} people peak {big['peak_rss_mb']:.0f} MB "
              f"({big['rows'] / small['rows']:.0f}x the rows, "
              f"{growth:+.0f} MB): {'flat' if flat else 'GROWS'}")


if __name__ == "__main__":
    main()
