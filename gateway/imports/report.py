"""Read import runs and their per-row reports (rejected rows first), for the CLI and the API."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, case, select

from gateway.imports.tables import import_rows, import_runs
from gateway.outcomes import bad_request, not_found
from gateway.storage.times import us_to_instant


def run_summary(conn: Connection, run_id: str) -> dict[str, Any]:
    row = conn.execute(select(import_runs).where(import_runs.c.run_id == run_id)).first()
    if row is None:
        raise not_found(f"No import run {run_id}")
    counts = json.loads(row.counts)
    return {
        "id": row.run_id, "source": row.source, "path": row.path, "status": row.status,
        "started": us_to_instant(row.started), "finished": us_to_instant(row.finished) if row.finished else None,
        "user": row.user_id, "counts": counts, "rows": sum(counts.values()), "files": json.loads(row.files),
        "error": row.error,
    }


def run_rows(conn: Connection, run_id: str, outcome: str | None = None, after: int | None = None,
             limit: int = 100) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the run's row outcomes, rejected rows first, then file order; and the next cursor."""
    if outcome is not None and outcome not in ("created", "updated", "unchanged", "deleted", "rejected"):
        raise bad_request(f"Unknown outcome {outcome!r}", ["outcome"])
    r = import_rows.c
    rejected_first = case((r.outcome == "rejected", 0), else_=1)
    query = select(r.seq, r.file, r.line, r.row_key, r.outcome, r.code, r.reason, r.resources, r.warnings,
                   rejected_first.label("rank")).where(r.run_id == run_id)
    if outcome:
        query = query.where(r.outcome == outcome)
    if after is not None:
        rank, seq = divmod(after, 1 << 48)
        query = query.where((rejected_first > rank) | ((rejected_first == rank) & (r.seq > seq)))
    rows = conn.execute(query.order_by(rejected_first, r.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [
        {"file": x.file, "line": x.line, "row_key": x.row_key, "outcome": x.outcome, "code": x.code,
         "reason": x.reason, "resources": (x.resources or "").split() or [],
         "warnings": (x.warnings or "").split("\n") if x.warnings else []}
        for x in rows
    ]
    next_after = (rows[-1].rank << 48) + rows[-1].seq if more and rows else None
    return out, next_after
