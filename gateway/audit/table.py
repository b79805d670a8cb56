"""The audit tables: one `audit_log` row per audited interaction, rendered as a FHIR AuditEvent on the
way out, plus `audit_entity` rows for every further resource or person the interaction touched.

Rows are flat (not stored AuditEvent JSON) because the audit log is the gateway's hottest write
path: a narrow row inserts fast in batches, and the AuditEvent search parameters map onto indexed
columns instead of a search index. `recorded` is integer microseconds UTC, like every gateway time.
Column `user_id` rather than `user`, which is a reserved word in PostgreSQL.

The event row keeps its own target (`resource_type`/`resource_id`) and person (`patient`), so the
common read stays one narrow insert; `audit_entity` carries any number of further entities (the
people a link joins, the resources a search returned), each with its object role, and AuditEvent
search looks at both, as R4's `AuditEvent.entity.what` covers every entity of an event.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, SmallInteger, String, Table, Text

from gateway.storage.metadata import BigIntPK, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("recorded", BigInteger, nullable=False),  # microseconds since the epoch, UTC
    Column("user_id", String(256), nullable=False),  # token `sub`; "anonymous" when authentication failed
    Column("role", String(64), nullable=True),
    Column("action", String(1), nullable=False),  # C R U D E: http://hl7.org/fhir/audit-event-action
    Column("interaction", String(32), nullable=False),  # read, search-type, create... or login
    Column("resource_type", String(64), nullable=True),
    Column("resource_id", String(64), nullable=True),
    Column("patient", String(128), nullable=True),  # "Patient/<id>" when the request concerns one person
    Column("query", Text, nullable=True),  # the raw query string of a search or operation
    Column("outcome", SmallInteger, nullable=False),  # 0, 4, 8, 12: http://hl7.org/fhir/audit-event-outcome
    Column("outcome_text", String(512), nullable=True),  # e.g. the OperationOutcome diagnostics of a failure
    Column("status", SmallInteger, nullable=True),  # HTTP status returned
    Column("client", String(64), nullable=True),  # client network address
    Column("request_id", String(64), nullable=True),
    Index("ix_audit_log_recorded", "recorded", "seq"),
    Index("ix_audit_log_user_recorded", "user_id", "recorded"),
    Index("ix_audit_log_entity_recorded", "resource_type", "resource_id", "recorded"),
    Index("ix_audit_log_patient_recorded", "patient", "recorded"),
)

audit_entity = Table(
    "audit_entity",
    metadata,
    # audit_log.seq; no foreign key, so audit inserts take no extra locks
    Column("event", BigInteger, primary_key=True, autoincrement=False),
    Column("what_type", String(64), primary_key=True),  # resource type of AuditEvent.entity.what
    Column("what_id", String(64), primary_key=True),
    Column("role", String(8), primary_key=True),  # http://terminology.hl7.org/CodeSystem/object-role code
    Index("ix_audit_entity_what", "what_type", "what_id", "event"),
)

# Column lengths, so entries are clipped to fit rather than failing a whole batch on PostgreSQL.
COLUMN_LIMITS: dict[str, int] = {
    c.name: c.type.length for c in audit_log.columns if isinstance(c.type, String) and c.type.length
}
