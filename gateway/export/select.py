"""Read one export's resources from the store in keyset chunks, as they stood at the export's
transaction time.

Chunks are ordered by id, so memory stays flat (one chunk at a time, no long transaction) and a
job resumes exactly after the last id it checkpointed. The snapshot: a resource whose current row is
newer than the transaction time is exported as the version it had then (from the history), or not
at all if it did not exist then; a resource deleted after the transaction time is still exported.
See https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status (`transactionTime`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, false, func, or_, select

from gateway.export.spec import ExportSpec
from gateway.outcomes import bad_request
from gateway.search.compartment import patient_compartment
from gateway.search.params import parse_search
from gateway.search.sql.conditions import filter_condition
from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resource_history, resources

_R, _H, _REF = resources.c, resource_history.c, search_reference.c
# Search parameters that shape a result page rather than choose resources: not for _typeFilter.
_NOT_FILTERS = frozenset({"_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total",
                          "_cursor", "_format", "_pretty"})


@dataclass(frozen=True, slots=True)
class Chunk:
    """The JSON texts to write (each one line), the last id read, and whether the type is done."""

    lines: list[str]
    last_id: str | None
    done: bool


def parse_type_filter(res_type: str, query: str, base_url: str) -> list[ColumnElement[bool]]:
    """The conditions of one `_typeFilter` search (ANDed); 400 for what the search cannot honour."""
    pairs = parse_qsl(query, keep_blank_values=True)
    shaping = sorted({k for k, _ in pairs if k.partition(":")[0] in _NOT_FILTERS})
    if shaping:
        raise bad_request(f"_typeFilter {res_type}?{query} uses {', '.join(shaping)}, which choose no resources",
                          ["_typeFilter"])
    if not pairs:
        raise bad_request(f"_typeFilter {res_type}? has no search parameters", ["_typeFilter"])
    request = parse_search(res_type, pairs, base_url=base_url, strict=True)
    return [filter_condition(res_type, f) for f in request.filters]


def scope_conditions(spec: ExportSpec, res_type: str, base_url: str = "") -> list[ColumnElement[bool]]:
    """What narrows `res_type` beyond the type: the patients' compartments and the `_typeFilter`s."""
    conds: list[ColumnElement[bool]] = []
    if spec.level != "system":
        if res_type == "Patient":
            if spec.patients is not None:
                conds.append(_R.res_id.in_(spec.patients))
        else:
            params = patient_compartment()[res_type]
            members = select(_REF.res_id).where(_REF.res_type == res_type, _REF.param.in_(params),
                                                _REF.target_type == "Patient")
            if spec.patients is not None:
                members = members.where(_REF.target_id.in_(spec.patients))
            conds.append(_R.res_id.in_(members))
    queries = spec.type_filters.get(res_type)
    if queries:
        conds.append(or_(*(and_(*parse_type_filter(res_type, q, base_url)) for q in queries)))
    return conds


def estimate(conn: Connection, spec: ExportSpec, conditions: dict[str, list[ColumnElement[bool]]]) -> dict[str, int]:
    """About how many resources of each type the export will hold, for progress. Types without
    conditions are counted together from the (type, last updated) index alone, so deleted resources
    are counted too: an estimate, not worth reading every row for."""
    base = [_R.last_updated >= spec.since] if spec.since is not None else []
    plain = [t for t, conds in conditions.items() if not conds]
    counts = {t: 0 for t in conditions}
    if plain:
        q = select(_R.res_type, func.count()).where(_R.res_type.in_(plain), *base).group_by(_R.res_type)
        counts.update({t: int(n) for t, n in conn.execute(q)})
    for res_type, conds in conditions.items():
        if conds:
            q = select(func.count()).select_from(resources).where(_R.res_type == res_type, _R.deleted == false(),
                                                                  *base, *conds)
            counts[res_type] = int(conn.execute(q).scalar_one())
    return counts


def chunk_query(spec: ExportSpec, res_type: str, conds: Sequence[ColumnElement[bool]], limit: int) -> Select[Any]:
    """The statement `read_chunk` runs for one type, built once (binds: `after`, `snapshot`), so each
    chunk costs one execution and no statement building."""
    q = select(_R.res_id, _R.last_updated, _R.deleted, _R.content).where(
        _R.res_type == res_type, _R.res_id > bindparam("after"),
        or_(_R.deleted == false(), _R.last_updated > bindparam("snapshot")), *conds)
    if spec.since is not None:
        q = q.where(_R.last_updated >= spec.since)
    return q.order_by(_R.res_id).limit(limit)


def read_chunk(conn: Connection, spec: ExportSpec, res_type: str, query: Select[Any], after: str | None, limit: int,
               snapshot: int) -> Chunk:
    """The next up to `limit` resources of `res_type` after id `after` (`query` from `chunk_query`
    with that limit), as at `snapshot` (µs UTC)."""
    result = conn.execute(query, {"after": after or "", "snapshot": snapshot})
    # The driver's rows, not SQLAlchemy's: building a Row per resource was a fifth of an export's CPU,
    # and these four columns need no conversion (an SQLite boolean is 0 or 1, as good as False or True).
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    lines: list[str] = []
    newer: list[str] = []
    for res_id, last_updated, deleted, content in rows:
        if last_updated > snapshot:
            newer.append(res_id)
        elif not deleted:
            lines.append(content)
    if newer:
        lines.extend(_as_at(conn, res_type, newer, snapshot, spec.since))
    return Chunk(lines, rows[-1][0] if rows else after, len(rows) < limit)


def _as_at(conn: Connection, res_type: str, ids: list[str], snapshot: int, since: int | None) -> list[str]:
    """The versions the resources `ids` had at `snapshot`, from the history (none if created later or
    deleted then)."""
    q = select(_H.res_id, _H.version, _H.last_updated, _H.deleted, _H.content).where(
        _H.res_type == res_type, _H.res_id.in_(ids), _H.last_updated <= snapshot)
    latest: dict[str, Any] = {}
    for row in conn.execute(q):
        if row.res_id not in latest or row.version > latest[row.res_id].version:
            latest[row.res_id] = row
    return [row.content for row in latest.values()
            if not row.deleted and (since is None or row.last_updated >= since)]
