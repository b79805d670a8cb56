"""The social worker's inbox of social care update documents."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import metadata

# The social worker's inbox: one HealthAndWellbeingUpdate per assessment change.
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("item_id", String(64), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("patient", String(128), nullable=False),  # the person whose assessment changed
    Column("social_care_patient", String(128), nullable=True),  # the Liquidlogic-side Patient
    Column("assignee", String(128), nullable=True),  # "Practitioner/<id>" of the responsible social worker
    Column("team", String(128), nullable=True),  # "CareTeam/<id>"
    Column("event_reference", String(64), nullable=False),
    Column("summary", Text, nullable=False),
    Column("review_suggested", Integer, nullable=False, default=0),
    Column("document", Text, nullable=False),  # the HealthAndWellbeingUpdate JSON
    Column("status", String(16), nullable=False),  # new | read | acknowledged
    Column("read_at", BigInteger, nullable=True),
    Column("acknowledged_at", BigInteger, nullable=True),
    Column("acknowledged_by", String(256), nullable=True),
    Index("ix_inbox_items_status_created", "status", "created_at"),
    Index("ix_inbox_items_assignee", "assignee", "created_at"),
    Index("ix_inbox_items_team", "team", "created_at"),
)
