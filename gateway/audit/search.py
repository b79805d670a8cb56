"""AuditEvent search over the audit tables, with keyset paging so deep pages stay cheap; what each
parameter means is in `search_params.py`.

See https://hl7.org/fhir/R4/auditevent.html#search and https://hl7.org/fhir/R4/search.html

Several values of one parameter separated by commas are ORed; repeated parameters are ANDed.
Dates without a time zone are read as UTC. Unknown parameters and modifiers are a 400 (strict
handling): an audit query that silently ignored a filter would return more than was asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from gateway.audit.search_params import PARAMS, date_range
from gateway.audit.table import audit_entity, audit_log
from gateway.cursor import ForeignCursor, MalformedCursor, decode_cursor, encode_cursor
from gateway.limits.numbers import whole_number
from gateway.limits.query import check_search_size
from gateway.outcomes import bad_request
from gateway.settings import get_settings

__all__ = ["MAX_COUNT", "date_range", "further_entities", "search_audit"]

MAX_COUNT = 1000
_IGNORED = frozenset({"_format", "_pretty"})

Rows = list[dict[str, Any]]
c = audit_log.c


def search_audit(
    conn: Connection,
    params: Sequence[tuple[str, str]],
    count: int,
    cursor: str | None,
) -> tuple[Rows, str | None, int]:
    """One page of audit rows matching `params`, the cursor of the next page (None on the last) and
    the total number of matches. `count` is the page size unless `_count` overrides it."""
    settings = get_settings()
    check_search_size(params, max_params=settings.max_search_params, max_values=settings.max_search_values,
                      max_sort_keys=settings.max_sort_keys)
    # Parse parameters into one WHERE clause.
    clauses: list[ColumnElement[bool]] = []
    descending = True
    for raw_name, value in params:
        name, _, modifier = raw_name.partition(":")
        if name in _IGNORED:
            continue
        if name == "_count" and not modifier:
            count = _int(value, "_count")
        elif name == "_sort" and not modifier:
            descending = _sort(value)
        elif name in PARAMS:
            param = PARAMS[name]
            if modifier and modifier not in param.modifiers:
                raise bad_request(f"modifier :{modifier} is not supported on AuditEvent?{name}", [raw_name])
            values = [v for v in value.split(",") if v]
            if not values:
                raise bad_request(f"empty value for {name}", [name])
            clauses.append(or_(*(param.clause(v, modifier or None) for v in values)))
        else:
            raise bad_request(f"unknown AuditEvent search parameter {name!r}", [name])
    count = max(0, min(count, MAX_COUNT))
    where = and_(*clauses) if clauses else None

    # Count, then fetch one row beyond the page to know whether another page follows.
    total_q = select(func.count()).select_from(audit_log)
    if where is not None:
        total_q = total_q.where(where)
    total = int(conn.execute(total_q).scalar_one())
    if count == 0:
        return [], None, total
    order = (c.recorded.desc(), c.seq.desc()) if descending else (c.recorded.asc(), c.seq.asc())
    page_q = select(audit_log).order_by(*order).limit(count + 1)
    if where is not None:
        page_q = page_q.where(where)
    if cursor:
        page_q = page_q.where(_after(cursor, descending))
    rows = [dict(r) for r in conn.execute(page_q).mappings()]
    if len(rows) <= count:
        return rows, None, total
    rows = rows[:count]
    last = rows[-1]
    return rows, _encode_cursor(descending, last["recorded"], last["seq"]), total


def further_entities(conn: Connection, events: Iterable[int]) -> dict[int, list[Mapping[str, Any]]]:
    """The `audit_entity` rows of some events, by event, in a stable order (for rendering)."""
    wanted = list(events)
    out: dict[int, list[Mapping[str, Any]]] = {}
    if not wanted:
        return out
    e = audit_entity.c
    query = select(audit_entity).where(e.event.in_(wanted)).order_by(e.event, e.role, e.what_type, e.what_id)
    for row in conn.execute(query).mappings():
        out.setdefault(row["event"], []).append(dict(row))
    return out


# Paging


def _int(value: str, name: str) -> int:
    return whole_number(value, name)


def _sort(value: str) -> bool:
    if value == "-date":
        return True
    if value == "date":
        return False
    raise bad_request(f"AuditEvent can be sorted by date or -date, not {value!r}", ["_sort"])


def _direction(descending: bool) -> str:
    """What a cursor is bound to: the sort it was made for."""
    return "audit:-date" if descending else "audit:date"


def _encode_cursor(descending: bool, recorded: int, seq: int) -> str:
    return encode_cursor([recorded, seq], _direction(descending))


def _after(cursor: str, descending: bool) -> ColumnElement[bool]:
    try:
        recorded, seq = decode_cursor(cursor, _direction(descending), width=2)
    except ForeignCursor:
        raise bad_request("the paging cursor belongs to a search with a different _sort", ["_cursor"]) from None
    except MalformedCursor:
        raise bad_request("invalid paging cursor", ["_cursor"]) from None
    if not isinstance(recorded, int) or not isinstance(seq, int):
        raise bad_request("invalid paging cursor", ["_cursor"])
    if descending:
        return or_(c.recorded < recorded, and_(c.recorded == recorded, c.seq < seq))
    return or_(c.recorded > recorded, and_(c.recorded == recorded, c.seq > seq))
