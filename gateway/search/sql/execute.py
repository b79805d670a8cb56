"""Run a parsed search: filters, sort, keyset page, total, includes, and the _elements/_summary view.

See https://hl7.org/fhir/R4/search.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, false, func, select

from gateway.search.request import SearchRequest
from gateway.search.sql.conditions import filter_condition
from gateway.search.sql.include import Entry, fetch_included
from gateway.search.sql.paging import after, decode_cursor, encode_cursor, sort_expression
from gateway.search.sql.views import apply_view
from gateway.storage.tables import resources


@dataclass
class SearchPage:
    """One page of matches (`entries`), the `_include`/`_revinclude` extras, and paging state."""

    entries: list[Entry]
    included: list[Entry] = field(default_factory=list)
    next_cursor: str | None = None
    total: int | None = None


def execute_search(conn: Connection, req: SearchRequest) -> SearchPage:
    """One page of results for `req`. Deleted resources never match. See https://hl7.org/fhir/R4/search.html"""
    r = resources.c
    rtype = req.resource_type
    where = [r.res_type == rtype, r.deleted == false()]
    where.extend(filter_condition(rtype, f) for f in req.filters)

    # Total: counted over the same filters, independent of the page (below, when the page cannot tell).
    def counted() -> int:
        return int(conn.execute(select(func.count()).select_from(resources).where(*where)).scalar_one())

    if req.summary == "count" or req.count == 0:
        return SearchPage([], [], None, counted() if req.total == "accurate" or req.summary == "count" else None)

    # Page: rows after the cursor in sort order, one extra to know whether a next page exists.
    keys = [(sort_expression(rtype, k), k.descending, k.code not in ("_id", "_lastUpdated")) for k in req.sort]
    keys.append((r.res_id, False, False))
    if len(keys) == 1:
        # The default order (by id) needs no subquery: building one per search was a fifth of its CPU.
        columns: list[tuple[Any, bool, bool]] = keys
        query = select(r.res_type, r.res_id, r.version, r.content, r.res_id.label("k0")).where(*where)
    else:
        # Sort keys may be correlated subqueries: computed once, in an inner select, then compared by label.
        labelled = [expr.label(f"k{i}") for i, (expr, _, _) in enumerate(keys)]
        inner = select(r.res_type, r.res_id, r.version, r.content, *labelled).where(*where).subquery()
        columns = [(inner.c[f"k{i}"], desc, nullable) for i, (_, desc, nullable) in enumerate(keys)]
        query = select(inner.c.res_type, inner.c.res_id, inner.c.version, inner.c.content,
                       *(c for c, _, _ in columns))
    if req.cursor:
        query = query.where(after(columns, decode_cursor(req, req.cursor, len(columns))))
    order = [(c.desc() if desc else c.asc()).nulls_last() if nullable else (c.desc() if desc else c.asc())
             for c, desc, nullable in columns]  # fmt: skip
    rows = conn.execute(query.order_by(*order).limit(req.count + 1)).all()

    next_cursor = None
    total = None
    if req.total == "accurate":
        # A first page that holds every match is its own count: most searches (one person's
        # records, an identifier) need no second query.
        total = len(rows) if not req.cursor and len(rows) <= req.count else counted()
    if len(rows) > req.count:
        rows = rows[: req.count]
        next_cursor = encode_cursor(req, list(rows[-1][4:]))
    entries: list[Entry] = [(row[0], row[1], row[2], row[3]) for row in rows]

    # Includes, then the _elements / _summary view of everything returned.
    included = fetch_included(conn, req, entries) if req.includes or req.revincludes else []
    if req.elements is not None or req.summary is not None:
        entries = [apply_view(e, req.elements, req.summary) for e in entries]
        included = [apply_view(e, None, req.summary) for e in included]
    return SearchPage(entries, included, next_cursor, total)


def next_link_params(req: SearchRequest, cursor: str) -> list[tuple[str, str]]:
    """Query parameters of the `next` link: the original search plus the cursor it is bound to."""
    return [*req.query, ("_cursor", cursor)]
