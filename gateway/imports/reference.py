"""Source reference tables kept between imports, handed to the adapter as lookups.

A SystmOne delta need not repeat SRMapping or SRConfiguredListOption: they came with an earlier
extract. So before an import reads its rows, the export's own reference rows are stored (a row
received later replaces the one with the same key; a removed row is dropped) and the adapter is
given every kept row. Adapters stay SQL-free: they only say which rows are reference rows
(`adapters.base.UsesReferenceData`). A fact imported before its code could be resolved keeps the
raw value until the source sends that row again (DESIGN.md section 11, "Reference data").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from adapters.base import Adapter, ReferenceRow, UsesReferenceData
from gateway.imports.tables import source_reference
from gateway.repository.sql import SqlRepository
from gateway.storage.times import now_us

_CHUNK = 500


def _upsert(conn: Connection, values: list[dict[str, Any]]) -> None:
    """Insert or replace by (source, table, key): safe when two imports store the same rows at once."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(source_reference)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "table_name", "row_key"],
        set_={"fields": stmt.excluded.fields, "run_id": stmt.excluded.run_id, "received": stmt.excluded.received})
    conn.execute(stmt, values)


def store_reference(conn: Connection, source: str, rows: Iterable[ReferenceRow], run_id: str | None) -> int:
    """Keep `rows` (later ones win); returns how many rows were stored or removed."""
    latest: dict[tuple[str, str], ReferenceRow] = {}
    for row in rows:
        latest[(row.table, row.key)] = row
    when = now_us()
    kept = [{"source": source, "table_name": table, "row_key": key, "fields": json.dumps(row.fields),
             "run_id": run_id, "received": when} for (table, key), row in latest.items() if not row.removed]
    gone = [key for key, row in latest.items() if row.removed]
    for start in range(0, len(kept), _CHUNK):
        _upsert(conn, kept[start:start + _CHUNK])
    c = source_reference.c
    for start in range(0, len(gone), _CHUNK):
        conn.execute(delete(source_reference).where(
            c.source == source, tuple_(c.table_name, c.row_key).in_(gone[start:start + _CHUNK])))
    return len(latest)


def load_reference(conn: Connection, source: str) -> list[ReferenceRow]:
    """Every kept reference row of `source`."""
    c = source_reference.c
    return [ReferenceRow(row.table_name, row.row_key, json.loads(row.fields))
            for row in conn.execute(select(c.table_name, c.row_key, c.fields).where(c.source == source)
                                    .order_by(c.table_name, c.row_key))]


def with_kept_reference(repo: SqlRepository, adapter: Adapter, path: Path, run_id: str | None) -> Adapter:
    """`adapter` resolving codes through every reference row kept for its source, after storing
    the ones the export at `path` carries. Adapters without reference tables come back as they are."""
    if not isinstance(adapter, UsesReferenceData):
        return adapter
    received = list(adapter.reference_rows(path))  # read before the write lock is taken
    with repo.db.writer.begin() as conn:
        store_reference(conn, adapter.source, received, run_id)
        kept = load_reference(conn, adapter.source)
    return adapter.with_reference(kept)
