"""Each imported row's warnings, one stored row apiece with its code, column and value.

Warnings are a dimension of their own: the row is still created, updated, unchanged (or rejected)
and the run's counts still add up to the rows read; the report counts warnings per code and lists
every one. Adapters give `adapters.base.RowWarning`s; a plain-text warning (an adapter that gives
no code, or the pipeline's own notes) is counted under `GENERIC_WARNING`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import Connection, insert

from adapters.base import RowRef, RowWarning
from gateway.imports.tables import import_warnings

GENERIC_WARNING = "IMP-W00"


class _Outcome(Protocol):
    """What a written row reports (gateway.imports.batch.RowOutcome)."""

    ref: RowRef
    outcome: str
    warnings: list[str]


def coded(warning: str) -> RowWarning:
    """`warning` with a code (plain text gets `GENERIC_WARNING`)."""
    return warning if isinstance(warning, RowWarning) else RowWarning(warning, GENERIC_WARNING)


def record_warnings(conn: Connection, run_id: str, outcomes: Iterable[_Outcome]) -> int:
    """Store the warnings of a batch's rows, in the batch's transaction; returns how many."""
    values = []
    for out in outcomes:
        for warning in map(coded, out.warnings):
            values.append({
                "run_id": run_id, "file": out.ref.file[:255], "line": out.ref.line,
                "row_key": (out.ref.key or None) and str(out.ref.key)[:128], "outcome": out.outcome,
                "code": warning.code[:32], "column_name": warning.column and warning.column[:128],
                "value": warning.value, "message": str(warning)})
    if values:
        conn.execute(insert(import_warnings), values)
    return len(values)
