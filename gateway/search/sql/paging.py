"""Sort keys and keyset paging: an opaque cursor holds the last row's sort values.

Paging by position (OFFSET) repeats or skips rows when other rows are written between pages. Keyset
paging instead asks for rows strictly after the last one served in the sort order, which always ends
with (res_type, res_id), so a resource whose sort values did not change is served exactly once. The
cursor is bound to the query (a hash of its parameters) so it cannot be replayed against another one.
See https://hl7.org/fhir/R4/http.html#paging
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select

from gateway import cursor as cursors
from gateway.outcomes import bad_request
from gateway.search.request import SearchRequest, SortKey
from gateway.storage.index_tables import INDEX_TABLES
from gateway.storage.tables import resources

# Which index column a parameter type sorts on, ascending and descending (dates: start / end).
_SORT_COLUMN = {
    "string": ("norm", "norm"),
    "token": ("code", "code"),
    "date": ("low", "high"),
    "number": ("value", "value"),
    "quantity": ("low", "high"),
    "uri": ("value", "value"),
}


def sort_expression(rtype: str, key: SortKey) -> Any:
    """The value a resource sorts by for one key; missing values are NULL and sort last."""
    if key.code == "_id":
        return resources.c.res_id
    if key.code == "_lastUpdated":
        return resources.c.last_updated
    table = INDEX_TABLES[key.type]
    column = table.c[_SORT_COLUMN[key.type][1 if key.descending else 0]]
    agg = func.max(column) if key.descending else func.min(column)
    return (
        select(agg)
        .where(
            table.c.res_type == resources.c.res_type, table.c.res_id == resources.c.res_id, table.c.param == key.code
        )
        .scalar_subquery()
    )


def query_hash(req: SearchRequest) -> str:
    text = json.dumps([req.resource_type, sorted(req.query)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(req: SearchRequest, values: list[Any]) -> str:
    return cursors.encode_cursor(values, query_hash(req))


def decode_cursor(req: SearchRequest, cursor: str, width: int) -> list[Any]:
    """The sort values of the last row served; a cursor from another query is a 400."""
    try:
        return cursors.decode_cursor(cursor, query_hash(req), width)
    except cursors.InvalidCursor:
        raise bad_request("The paging cursor is invalid or belongs to a different search", ["_cursor"]) from None


def after(columns: list[tuple[Any, bool, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `columns` = [(column, descending, nullable)].

    Expands the row comparison into `k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...))`, with NULLs last in
    either direction (so a NULL is after every value and equal only to NULL).
    """
    condition: ColumnElement[bool] = false()
    for (col, desc, nullable), value in reversed(list(zip(columns, values))):
        beyond: ColumnElement[bool]
        if value is None:
            equal, beyond = col.is_(None), false()
        else:
            beyond = col < value if desc else col > value
            if nullable:
                beyond = or_(beyond, col.is_(None))
            equal = col == value
        condition = or_(beyond, and_(equal, condition))
    return condition
