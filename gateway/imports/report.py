"""Read import runs and their per-row reports (rejected rows first), for the CLI and the API: counts
per outcome (they add up to the rows read), per reject code and per warning code, each row with its
warnings, and the run's whole list of warnings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, func, select, tuple_

from gateway.imports.tables import import_rows, import_runs, import_warnings
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
        "error": row.error, **code_counts(conn, run_id),
    }


def code_counts(conn: Connection, run_id: str) -> dict[str, Any]:
    """Rejected rows per reject code, warnings per warning code, and the number of warnings."""
    r, w = import_rows.c, import_warnings.c
    rejected = conn.execute(select(r.code, func.count()).where(r.run_id == run_id, r.outcome == "rejected")
                            .group_by(r.code).order_by(r.code)).all()
    warned = conn.execute(select(w.code, func.count()).where(w.run_id == run_id).group_by(w.code)
                          .order_by(w.code)).all()
    return {"rejected_by_code": {code or "": n for code, n in rejected},
            "warnings": sum(n for _, n in warned), "warnings_by_code": {code: n for code, n in warned}}


def _warning(x: Any) -> dict[str, Any]:
    return {"code": x.code, "column": x.column_name, "value": x.value, "message": x.message}


def _untyped(text: str | None) -> list[dict[str, Any]]:
    """Warnings of a run imported before they were stored one by one: the text only."""
    return [{"code": None, "column": None, "value": None, "message": m} for m in (text or "").split("\n") if m]


def _row_warnings(conn: Connection, run_id: str, rows: Sequence[Any]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The warnings of a page of rows, by (file, line)."""
    w = import_warnings.c
    keys = sorted({(x.file, x.line) for x in rows if x.warnings})
    found: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for start in range(0, len(keys), 500):
        for x in conn.execute(select(w.file, w.line, w.code, w.column_name, w.value, w.message).where(
                w.run_id == run_id, tuple_(w.file, w.line).in_(keys[start:start + 500])).order_by(w.seq)):
            found.setdefault((x.file, x.line), []).append(_warning(x))
    return found


def run_rows(conn: Connection, run_id: str, outcome: str | None = None, after: int | None = None, limit: int = 100,
             code: str | None = None, warned: bool = False) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the run's row outcomes, rejected rows first, then file order; and the next cursor.
    `code` keeps rows rejected with that code or carrying a warning with it; `warned` keeps rows
    with at least one warning. Each row lists its warnings (code, column, value, message)."""
    if outcome is not None and outcome not in ("created", "updated", "unchanged", "deleted", "rejected"):
        raise bad_request(f"Unknown outcome {outcome!r}", ["outcome"])
    r, w = import_rows.c, import_warnings.c
    rejected_first = case((r.outcome == "rejected", 0), else_=1)
    query = select(r.seq, r.file, r.line, r.row_key, r.outcome, r.code, r.reason, r.resources, r.warnings,
                   rejected_first.label("rank")).where(r.run_id == run_id)
    if outcome:
        query = query.where(r.outcome == outcome)
    same_row = (w.run_id == r.run_id, w.file == r.file, w.line == r.line)
    if warned:
        query = query.where(r.warnings.is_not(None), select(w.seq).where(*same_row).exists())
    if code:
        query = query.where((r.code == code) | select(w.seq).where(*same_row, w.code == code).exists())
    if after is not None:
        rank, seq = divmod(after, 1 << 48)
        query = query.where((rejected_first > rank) | ((rejected_first == rank) & (r.seq > seq)))
    rows = conn.execute(query.order_by(rejected_first, r.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    details = _row_warnings(conn, run_id, rows)
    out = [
        {"file": x.file, "line": x.line, "row_key": x.row_key, "outcome": x.outcome, "code": x.code,
         "reason": x.reason, "resources": (x.resources or "").split() or [],
         "warnings": details.get((x.file, x.line)) or _untyped(x.warnings)}
        for x in rows
    ]
    next_after = (rows[-1].rank << 48) + rows[-1].seq if more and rows else None
    return out, next_after


def run_warnings(conn: Connection, run_id: str, code: str | None = None, after: int | None = None,
                 limit: int = 1000) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the run's warnings in file order (each with its row's file, line, key and
    outcome), optionally of one code; and the next cursor."""
    w = import_warnings.c
    query = select(w.seq, w.file, w.line, w.row_key, w.outcome, w.code, w.column_name, w.value, w.message).where(
        w.run_id == run_id)
    if code:
        query = query.where(w.code == code)
    if after is not None:
        query = query.where(w.seq > after)
    rows = conn.execute(query.order_by(w.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [{"file": x.file, "line": x.line, "row_key": x.row_key, "outcome": x.outcome, **_warning(x)} for x in rows]
    return out, rows[-1].seq if more and rows else None
