"""Did every request the gateway answered leave exactly one audit row? Counted from the database.

Two checks. The exact one sends requests with unique X-Request-Id headers through the draining raw
client, so it knows every request's status, and then looks each id up in `audit_log`: every 200 must
have exactly one row with status 200, and no id may have more than one row. The bulk one compares the
rows written during all the wrk runs with the responses wrk counted; wrk abandons up to one request
per connection when it stops, which the server still answers and audits, so rows may exceed the
counted responses by at most the sum of the concurrencies, and never fall short.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from gateway.audit.table import audit_log
from gateway.storage.engine import open_database


def count_rows(database_url: str) -> int:
    db = open_database(database_url)
    try:
        with db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
    finally:
        db.dispose()


@dataclass(frozen=True, slots=True)
class ExactAudit:
    """The per-request comparison: responses by status and what the audit log holds for them."""

    responses: int
    ok: int
    ok_with_one_row: int
    missing: int  # a 200 without an audit row
    duplicated: int  # an id with more than one row
    wrong_status: int  # a 200 whose row records another status

    @property
    def passed(self) -> bool:
        return self.ok == self.ok_with_one_row and not (self.missing or self.duplicated or self.wrong_status)


def exact_check(database_url: str, status_by_id: dict[str, int], prefix: str) -> ExactAudit:
    """Compare each request id's HTTP status with its rows in `audit_log` (ids start with `prefix`)."""
    db = open_database(database_url)
    rows: dict[str, list[int]] = {}
    try:
        with db.reader.connect() as conn:
            result = conn.execute(
                select(audit_log.c.request_id, audit_log.c.status).where(audit_log.c.request_id.like(f"{prefix}-%"))
            )
            for request_id, status in result:
                rows.setdefault(request_id, []).append(int(status) if status is not None else -1)
    finally:
        db.dispose()
    ok_ids = [rid for rid, status in status_by_id.items() if status == 200]
    counts = Counter(len(rows.get(rid, [])) for rid in ok_ids)
    return ExactAudit(
        responses=len(status_by_id),
        ok=len(ok_ids),
        ok_with_one_row=sum(1 for rid in ok_ids if rows.get(rid) == [200]),
        missing=counts.get(0, 0),
        duplicated=sum(1 for statuses in rows.values() if len(statuses) > 1),
        wrong_status=sum(1 for rid in ok_ids if len(rows.get(rid, [])) == 1 and rows[rid] != [200]),
    )


@dataclass(frozen=True, slots=True)
class BulkAudit:
    """Rows added during the wrk runs against the responses wrk counted."""

    rows_added: int
    responses: int
    abandoned_bound: int

    @property
    def passed(self) -> bool:
        return self.responses <= self.rows_added <= self.responses + self.abandoned_bound
