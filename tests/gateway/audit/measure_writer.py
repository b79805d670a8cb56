"""Load-tests AuditWriter: C concurrent clients each awaiting its audit row, as the read path will.

Prints audited records/s, latency percentiles and batch sizes, against a baseline of the same
clients doing nothing but an await (the event loop's own cost). Run:
  .venv/bin/python -m tests.gateway.audit.measure_writer [sqlite|postgres-url] [clients] [seconds] [flush-ms] [people]

With `people` > 0 each record also names that many further people (`audit_entity` rows), as an
event attributing several returned resources to their people will.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event, text

from gateway.audit.entry import ROLE_PATIENT, AuditEntity, AuditEntry
from gateway.audit.table import audit_entity, audit_log
from gateway.audit.writer import AuditWriter


async def _clients(writer: AuditWriter | None, clients: int, seconds: float, people: int = 0) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            entry = AuditEntry(
                user=f"user-{n}",
                role="nurse",
                interaction="read",
                resource_type="Observation",
                resource_id=f"o-{n}-{i}",
                patient="Patient/p1",
                client="127.0.0.1",
                entities=tuple(AuditEntity(f"Patient/p{k}", ROLE_PATIENT) for k in range(2, 2 + people)),
            )
            t0 = time.perf_counter()
            if writer is None:
                await asyncio.sleep(0)
            else:
                await writer.record(entry)
            latencies.append(time.perf_counter() - t0)
            i += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies


def _report(label: str, latencies: list[float], seconds: float) -> float:
    q = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / seconds
    print(f"{label:>10}: {rate:10,.0f} records/s  p50 {q[49] * 1e3:6.2f} ms  p99 {q[98] * 1e3:6.2f} ms")
    return rate


async def main(url: str, clients: int, seconds: float) -> None:
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    people = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    for table in (audit_log, audit_entity):
        table.drop(engine, checkfirst=True)
        table.create(engine)
    base = _report("baseline", await _clients(None, clients, 1.0), 1.0)
    writer = AuditWriter(engine, flush_ms=float(sys.argv[4]) if len(sys.argv) > 4 else 2.0, batch_size=512)
    writer.start()
    rate = _report("audited", await _clients(writer, clients, seconds, people), seconds)
    await writer.stop()
    sizes = writer.stats.batch_sizes
    print(f"batches: {writer.stats.batches}, mean size {statistics.mean(sizes):.1f}, max {max(sizes)}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    print(f"rows in table: {rows} (== records: {rows == writer.stats.rows}); audited/baseline {rate / base:.3f}")
    audit_log.drop(engine)
    audit_entity.drop(engine)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    db_url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'audit.db'}" if target == "sqlite" else target
    asyncio.run(
        main(db_url, int(sys.argv[2]) if len(sys.argv) > 2 else 32, float(sys.argv[3]) if len(sys.argv) > 3 else 3)
    )
