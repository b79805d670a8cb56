"""Reading the store back for import tests: what is there, and whether it is consistent.

Consistency is what a crash must never break: every current resource has the history row of its
version (and every version below it), no history row is ahead of its resource, and the search index
holds exactly the rows the indexer derives from the stored content (none for a deleted resource).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from adapters.systmone.adapter import SystmOneAdapter
from gateway.imports.pipeline import ImportRunner, ImportSummary
from gateway.imports.tables import import_rows, import_runs, import_warnings
from gateway.repository.sql import SqlRepository
from gateway.search.indexer import index_rows
from gateway.storage.index_tables import INDEX_TABLES
from gateway.storage.tables import resource_history, resources

Key = tuple[str, str]


def run_import(repo: SqlRepository, path: Path, batch_rows: int = 2000, worker: bool = False) -> ImportSummary:
    """One SystmOne import through the real pipeline; `worker` parses in the pipeline's worker process
    whatever the export's size (by default small exports parse in-process)."""
    runner = ImportRunner(repo, batch_rows, user="test:imports", **({"worker_min_bytes": 0} if worker else {}))
    return runner.run(SystmOneAdapter(), path)


def _derived(res_type: str, text: str | None) -> bool:
    """A resource the gateway derives from imported ones (a golden Patient made by person linking,
    tagged record-kind `golden`), not one an import row wrote."""
    if res_type != "Patient" or not text:
        return False
    tags = (orjson.loads(text).get("meta") or {}).get("tag") or []
    return any(t.get("code") == "golden" and str(t.get("system", "")).endswith("record-kind") for t in tags)


def current(conn: Connection, *, source_only: bool = True) -> dict[Key, tuple[int, bool, str | None]]:
    """(type, id) -> (version, deleted, content_hash) of every stored resource. With `source_only`,
    only what import rows wrote: no terminology published by the database upgrade, no golden Patients."""
    r = resources.c
    query = select(r.res_type, r.res_id, r.version, r.deleted, r.content_hash, r.content)
    if source_only:
        query = query.where(r.res_type.notin_(("CodeSystem", "ValueSet", "ConceptMap")))
    return {(row.res_type, row.res_id): (row.version, row.deleted, row.content_hash) for row in conn.execute(query)
            if not (source_only and _derived(row.res_type, row.content))}


def history_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(resource_history)).scalar_one()


def by_type(conn: Connection) -> Counter[str]:
    """Live resources import rows wrote, by type."""
    return Counter(t for (t, _), (_, deleted, _) in current(conn).items() if not deleted)


def content(conn: Connection, res_type: str, res_id: str) -> dict[str, Any] | None:
    text = conn.execute(select(resources.c.content).where(
        resources.c.res_type == res_type, resources.c.res_id == res_id)).scalar_one_or_none()
    return orjson.loads(text) if text else None


def consistency_problems(conn: Connection) -> list[str]:
    """Every way the store disagrees with itself (empty when consistent)."""
    problems: list[str] = []
    h = resource_history.c
    versions: dict[Key, list[int]] = {}
    for row in conn.execute(select(h.res_type, h.res_id, h.version)):
        versions.setdefault((row.res_type, row.res_id), []).append(row.version)
    stored: dict[Key, tuple[int, bool, str | None]] = {}
    r = resources.c
    for row in conn.execute(select(r.res_type, r.res_id, r.version, r.deleted, r.content)):
        key = (row.res_type, row.res_id)
        stored[key] = (row.version, row.deleted, row.content)
        have = sorted(versions.get(key, []))
        if have != list(range(1, row.version + 1)):
            problems.append(f"{key[0]}/{key[1]} is at version {row.version} but its history holds {have}")
    for key in versions.keys() - stored.keys():
        problems.append(f"{key[0]}/{key[1]} has history rows but no resources row")
    indexed: dict[str, Counter[Key]] = {}
    for ptype, table in INDEX_TABLES.items():
        indexed[ptype] = Counter((row.res_type, row.res_id) for row in conn.execute(
            select(table.c.res_type, table.c.res_id)))
    for key, (_, deleted, text) in stored.items():
        expected = {} if deleted or not text else index_rows(orjson.loads(text))
        for ptype in INDEX_TABLES:
            want, got = len(expected.get(ptype, [])), indexed[ptype].get(key, 0)
            if want != got:
                problems.append(f"{key[0]}/{key[1]}: {got} {ptype} index rows, the content gives {want}")
    for ptype, counts in indexed.items():
        for key in counts.keys() - stored.keys():
            problems.append(f"{key[0]}/{key[1]}: {ptype} index rows for a resource that does not exist")
    return problems


def runs(conn: Connection) -> list[dict[str, Any]]:
    """Every import run (oldest first) with its counts and how many row outcomes it recorded."""
    out = []
    for row in conn.execute(select(import_runs).order_by(import_runs.c.started)):
        recorded = conn.execute(select(func.count()).select_from(import_rows).where(
            import_rows.c.run_id == row.run_id)).scalar_one()
        out.append({"id": row.run_id, "status": row.status, "counts": orjson.loads(row.counts),
                    "recorded": recorded})
    return out


def warnings_of(conn: Connection, run_id: str, file: str, line: int) -> list[dict[str, Any]]:
    """The stored warnings of one row of a run."""
    w = import_warnings.c
    return [{"code": row.code, "column": row.column_name, "value": row.value, "message": row.message}
            for row in conn.execute(select(w.code, w.column_name, w.value, w.message).where(
                w.run_id == run_id, w.file == file, w.line == line).order_by(w.seq))]


def row_outcomes(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """The run's per-row outcomes in the order they were written."""
    rr = import_rows.c
    return [dict(row._mapping) for row in conn.execute(
        select(rr.file, rr.line, rr.row_key, rr.outcome, rr.code, rr.reason, rr.resources, rr.warnings)
        .where(rr.run_id == run_id).order_by(rr.seq))]
