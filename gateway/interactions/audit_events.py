"""AuditEvent read and search, served from the compact `audit_log` table.

Audit rows are written for every request, so they are kept as narrow rows (not stored FHIR
resources with index rows, which would multiply the cost of every read) and rendered as FHIR R4
AuditEvents when asked for. The id of an AuditEvent is its row's sequence number.
"""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from sqlalchemy import select

from gateway.audit.render import render_audit_event
from gateway.audit.search import further_entities, search_audit
from gateway.audit.table import audit_log
from gateway.bundle_json import bundle_json, entry_json
from gateway.limits.numbers import MAX_ID, is_ascii_digits
from gateway.outcomes import FhirError, not_allowed, not_found
from gateway.repository.sql import SqlRepository

CURSOR_PARAM = "_cursor"


def read_audit_event(repo: SqlRepository, res_id: str, version: str = "1") -> bytes:
    """The AuditEvent with this id; an event is never changed, so its only version is 1 (vread)."""
    if not is_ascii_digits(res_id) or len(res_id) > 19 or int(res_id) > MAX_ID:
        raise not_found(f"AuditEvent/{res_id} is not known")
    seq = int(res_id)
    with repo.reading() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).mappings().first()
        further = further_entities(conn, [seq]) if row is not None else {}
    if row is None:
        raise not_found(f"AuditEvent/{res_id} is not known")
    if version != "1":
        raise not_found(f"AuditEvent/{res_id} has no version {version}: audit events are never changed")
    return orjson.dumps(render_audit_event(dict(row), further.get(row["seq"], ())))


def audit_history_refused() -> FhirError:
    """405: audit events have no history to page; each has one version, read or searched as it is."""
    return not_allowed("AuditEvent has no history interaction: each event has one version (read it or search)")


def search_audit_events(repo: SqlRepository, params: list[tuple[str, str]], base_url: str, page_size: int) -> str:
    cursor = next((v for k, v in params if k == CURSOR_PARAM), None)
    own = [(k, v) for k, v in params if k != CURSOR_PARAM]
    with repo.reading() as conn:
        rows, next_cursor, total = search_audit(conn, own, page_size, cursor)
        further = further_entities(conn, (row["seq"] for row in rows))
    entries = [
        entry_json(f"{base_url}/AuditEvent/{row['seq']}",
                   orjson.dumps(render_audit_event(row, further.get(row["seq"], ()))).decode(),
                   {"search": {"mode": "match"}})
        for row in rows
    ]
    links = [("self", f"{base_url}/AuditEvent" + (f"?{urlencode(own)}" if own else ""))]
    if next_cursor:
        links.append(("next", f"{base_url}/AuditEvent?{urlencode([*own, (CURSOR_PARAM, next_cursor)])}"))
    return bundle_json("searchset", entries, total=total, links=links)
