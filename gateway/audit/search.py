"""AuditEvent search over the `audit_log` table, with keyset paging so deep pages stay cheap.

See https://hl7.org/fhir/R4/auditevent.html#search and https://hl7.org/fhir/R4/search.html

Several values of one parameter separated by commas are ORed; repeated parameters are ANDed.
Dates without a time zone are read as UTC. Unknown parameters and modifiers are a 400 (strict
handling): an audit query that silently ignored a filter would return more than was asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select

from gateway.audit.table import audit_log
from gateway.cursor import ForeignCursor, MalformedCursor, decode_cursor, encode_cursor
from gateway.outcomes import bad_request
from gateway.search import dates

MAX_COUNT = 1000
ACTION_SYSTEM = "http://hl7.org/fhir/audit-event-action"
OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome"
SUBTYPE_SYSTEM = "http://hl7.org/fhir/restful-interaction"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
_IGNORED = frozenset({"_format", "_pretty"})

_PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge", "sa", "eb")
_REFERENCE = re.compile(r"^(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")

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
    # Parse parameters into one WHERE clause.
    clauses: list[ColumnElement[bool]] = []
    descending = True
    for raw_name, value in params:
        name, _, modifier = raw_name.partition(":")
        if name in _IGNORED:
            continue
        if modifier:
            raise bad_request(f"modifier :{modifier} is not supported on AuditEvent?{name}", [raw_name])
        if name == "_count":
            count = _int(value, "_count")
        elif name == "_sort":
            descending = _sort(value)
        elif name in _FILTERS:
            values = [v for v in value.split(",") if v]
            if not values:
                raise bad_request(f"empty value for {name}", [name])
            clauses.append(or_(*(_FILTERS[name](v) for v in values)))
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


# Parameters


def _date(value: str) -> ColumnElement[bool]:
    if value.startswith("ap"):
        raise bad_request("the ap (approximately) prefix is not supported for AuditEvent?date", ["date"])
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    lo, hi = date_range(value[2:] if value[:2] in _PREFIXES else value)
    r = c.recorded
    return {
        "eq": and_(r >= lo, r < hi),
        "ne": or_(r < lo, r >= hi),
        "lt": r < lo,
        "eb": r < lo,
        "le": r < hi,
        "gt": r >= hi,
        "sa": r >= hi,
        "ge": r >= lo,
    }[prefix]


def date_range(text: str) -> tuple[int, int]:
    """A FHIR date/dateTime of any precision as the half-open microsecond range it covers (the
    search parser's inclusive range, one microsecond wider), so `recorded < hi` reads naturally."""
    try:
        lo, hi = dates.date_range(text)
    except dates.DateFormatError:
        raise bad_request(f"invalid date {text!r}: expected YYYY[-MM[-DD[Thh:mm[:ss[.ffffff]][Z|+hh:mm]]]]",
                          ["date"]) from None
    return lo, hi + 1


def _agent(value: str) -> ColumnElement[bool]:
    m = _REFERENCE.match(value)
    return c.user_id == (m.group(2) if m else value)


def _altid(value: str) -> ColumnElement[bool]:
    return c.user_id == value.rpartition("|")[2]


def _entity(value: str) -> ColumnElement[bool]:
    m = _REFERENCE.match(value)
    if m:
        return and_(c.resource_type == m.group(1), c.resource_id == m.group(2))
    return c.resource_id == value


def _patient(value: str) -> ColumnElement[bool]:
    m = _REFERENCE.match(value)
    if m and m.group(1) != "Patient":
        return false()
    return c.patient == f"Patient/{m.group(2) if m else value}"


def _token(column: Any, system: str, convert: Callable[[str], Any] = str) -> Callable[[str], ColumnElement[bool]]:
    """A token filter on one column: `code` or `system|code`; a different system matches nothing."""

    def clause(value: str) -> ColumnElement[bool]:
        sys, bar, code = value.rpartition("|")
        if bar and sys and sys != system:
            return false()
        try:
            return column == convert(code)  # type: ignore[no-any-return]
        except ValueError as exc:
            raise bad_request(f"invalid value {value!r}", [column.name]) from exc

    return clause


def _entity_type(value: str) -> ColumnElement[bool]:
    return _token(c.resource_type, RESOURCE_TYPES)(value)


_FILTERS: dict[str, Callable[[str], ColumnElement[bool]]] = {
    "date": _date,
    "agent": _agent,
    "altid": _altid,
    "entity": _entity,
    "entity-type": _entity_type,
    "patient": _patient,
    "action": _token(c.action, ACTION_SYSTEM),
    "outcome": _token(c.outcome, OUTCOME_SYSTEM, int),
    "subtype": _token(c.interaction, SUBTYPE_SYSTEM),
}


# Paging


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {value!r}", [name]) from None


def _sort(value: str) -> bool:
    if value == "-date":
        return True
    if value == "date":
        return False
    raise bad_request(f"AuditEvent can be sorted by date or -date, not {value!r}", ["_sort"])


def _direction(descending: bool) -> str:
    return "-date" if descending else "date"


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
