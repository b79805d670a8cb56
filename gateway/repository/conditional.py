"""Find the resources a conditional interaction's query matches, race-free.

Conditional create and update must be atomic: two identical concurrent requests make one
resource. SQLite write transactions already run one at a time (`BEGIN IMMEDIATE`); on PostgreSQL
a transaction-scoped advisory lock on the (type, query) pair serialises the identical ones.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from sqlalchemy import Connection, text

from gateway.outcomes import bad_request
from gateway.record_kind import GOLDEN_TAG_TOKEN
from gateway.search.params import parse_search
from gateway.search.sql import execute_search


def query_pairs(query: str) -> list[tuple[str, str]]:
    """`a=1&b=2` (with or without a leading `Type?`) as pairs."""
    if "?" in query:
        query = query.split("?", 1)[1]
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        raise bad_request(f"The condition '{query}' has no search parameters")
    return pairs


def match_ids(conn: Connection, res_type: str, query: str, lock: bool) -> list[str]:
    """Ids of up to two current resources of `res_type` that `query` matches."""
    pairs = query_pairs(query)
    if lock and conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{res_type}?{query}"})
    request = parse_search(res_type, [*pairs, ("_tag:not", GOLDEN_TAG_TOKEN), ("_count", "2"), ("_total", "none")],
                           base_url="", strict=True)
    page = execute_search(conn, request)
    return [entry[1] for entry in page.entries]
