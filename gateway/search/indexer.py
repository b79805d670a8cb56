"""Search index rows for a resource, and writing them in the caller's transaction.

The repository calls `index_rows` on the resource it is about to store and `write_index` (or, for a
bulk import, `replace_index_many`) on the same connection inside the same transaction, so a write and
its index commit together and the next search sees both. Extraction runs the extractors compiled from
the spec's FHIRPath expressions (`gateway.search.registry`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete

from gateway.search.compile import Extractor
from gateway.search.registry import TABLE_PARAMS, Registry, get_registry
from gateway.search.values import COLUMNS, CONVERTERS, reference_rows
from gateway.storage.index_tables import INDEX_TABLES

# Param type -> row tuples in `INDEX_COLUMNS[type]` order (res_type, res_id, param, then the type's values).
IndexRows = dict[str, list[tuple[Any, ...]]]
INDEX_COLUMNS: dict[str, tuple[str, ...]] = {t: ("res_type", "res_id", "param", *c) for t, c in COLUMNS.items()}

_Entry = tuple[str, str, Extractor]
# Per resource type: the parameters to run for each top-level key, and those to run always.
_Plan = tuple[dict[str, tuple[int, ...]], tuple[int, ...], list[_Entry]]
_plans: dict[tuple[int, str], _Plan] = {}


def _plan(registry: Registry, res_type: str) -> _Plan:
    """Which parameters read which top-level keys, so indexing runs only the extractors with input."""
    key = (id(registry), res_type)
    plan = _plans.get(key)
    if plan is None:
        params = [
            p for p in registry.params(res_type).values() if p.extractor is not None and p.code not in TABLE_PARAMS
        ]
        entries: list[_Entry] = [(p.code, p.type, p.extractor) for p in params]  # type: ignore[misc]
        by_key: dict[str, list[int]] = {}
        always: list[int] = []
        for i, p in enumerate(params):
            if p.roots is None:
                always.append(i)
            for root in p.roots or ():
                by_key.setdefault(root, []).append(i)
        plan = ({k: tuple(v) for k, v in by_key.items()}, tuple(always), entries)
        _plans[key] = plan
    return plan


def index_rows(resource: dict[str, Any], local_base: str | None = None, registry: Registry | None = None) -> IndexRows:
    """Every index row of a resource, by parameter type (duplicates removed).

    `local_base` (e.g. `https://host/fhir`) lets absolute references to this server match
    `Type/id` searches too. A type the gateway does not serve yields no rows.
    """
    res_type, res_id = resource["resourceType"], resource["id"]
    by_key, always, entries = _plan(registry or get_registry(), res_type)
    todo = set(always)
    for k in resource:
        todo.update(by_key.get(k, ()))
    found: dict[str, dict[tuple[Any, ...], None]] = {}
    for i in sorted(todo):
        code, ptype, extractor = entries[i]
        nodes = extractor(resource)
        if not nodes:
            continue
        bucket = found.setdefault(ptype, {})
        if ptype == "reference":
            for value, kind in nodes:
                for row in reference_rows(value, kind, local_base):
                    bucket[(res_type, res_id, code, *row)] = None
            continue
        convert = CONVERTERS[ptype]
        for value, kind in nodes:
            for row in convert(value, kind):
                bucket[(res_type, res_id, code, *row)] = None
    return {ptype: list(rows) for ptype, rows in found.items()}


def as_dicts(ptype: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows of one type as column dicts, for reading and tests."""
    names = INDEX_COLUMNS[ptype]
    return [dict(zip(names, row)) for row in rows]


def _insert(conn: Connection, ptype: str, rows: list[tuple[Any, ...]]) -> None:
    """One driver-level executemany: SQLAlchemy's per-row bind processing would dominate bulk imports."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = INDEX_COLUMNS[ptype]
    sql = f"INSERT INTO {INDEX_TABLES[ptype].name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    conn.exec_driver_sql(sql, rows)


def delete_index(conn: Connection, res_type: str, res_id: str) -> None:
    """Remove every index row of one resource (on delete, before re-indexing)."""
    for table in INDEX_TABLES.values():
        conn.execute(delete(table).where(table.c.res_type == res_type, table.c.res_id == res_id))


def write_index(conn: Connection, res_type: str, res_id: str, rows: IndexRows) -> None:
    """Replace one resource's index rows with `rows`, in the caller's transaction."""
    delete_index(conn, res_type, res_id)
    for ptype, items in rows.items():
        if items:
            _insert(conn, ptype, items)


def replace_index_many(
    conn: Connection, items: Iterable[tuple[str, str, IndexRows]], *, replace: bool = True, chunk: int = 500
) -> int:
    """Replace the index rows of many resources with one executemany per table; returns rows written.

    For bulk import. `replace=False` skips the deletes when every resource is known to be new.
    """
    batch = list(items)
    if replace:
        by_type: dict[str, list[str]] = {}
        for res_type, res_id, _ in batch:
            by_type.setdefault(res_type, []).append(res_id)
        for res_type, ids in by_type.items():
            for start in range(0, len(ids), chunk):
                _delete_ids(conn, res_type, ids[start : start + chunk])
    merged: dict[str, list[tuple[Any, ...]]] = {}
    for _, _, rows in batch:
        for ptype, table_rows in rows.items():
            merged.setdefault(ptype, []).extend(table_rows)
    written = 0
    for ptype, table_rows in merged.items():
        if table_rows:
            _insert(conn, ptype, table_rows)
            written += len(table_rows)
    return written


def _delete_ids(conn: Connection, res_type: str, ids: Sequence[str]) -> None:
    for table in INDEX_TABLES.values():
        conn.execute(delete(table).where(table.c.res_type == res_type, table.c.res_id.in_(ids)))
