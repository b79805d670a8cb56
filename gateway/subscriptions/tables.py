"""Tables for subscriptions, their numbered events, the delivery outbox and the social worker's inbox.

All four are written inside the write transaction that caused them (the Subscription write, or the
change a topic fired on), so a change, its events and the rows that will deliver them commit
together or not at all. Times are integer microseconds UTC, like every gateway time.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import BigIntPK, metadata

# One row per Subscription resource: its parsed channel and filters, the delivery status the worker
# acts on, and the event counter (incremented in the transaction that numbers an event).
subscription_state = Table(
    "subscription_state",
    metadata,
    Column("sub_id", String(64), primary_key=True),
    Column("topic", String(512), nullable=False),
    Column("status", String(16), nullable=False),  # requested | active | error | off
    Column("endpoint", String(1024), nullable=False),
    Column("headers", Text, nullable=False),  # JSON list of "Name: value"
    Column("content", String(16), nullable=False),  # empty | id-only | full-resource
    Column("filters", Text, nullable=False),  # JSON {param: [values]}
    Column("heartbeat_s", Integer, nullable=True),
    Column("timeout_s", Integer, nullable=True),
    Column("max_count", Integer, nullable=True),
    Column("end_at", BigInteger, nullable=True),
    Column("event_count", BigInteger, nullable=False, default=0),
    Column("last_sent_at", BigInteger, nullable=True),  # last notification of any kind (for heartbeats)
    Column("error", Text, nullable=True),  # the last delivery error, cleared by a success
    Index("ix_subscription_state_topic_status", "topic", "status"),
)

# Every numbered event of every subscription, kept for `$events` replay.
subscription_events = Table(
    "subscription_events",
    metadata,
    Column("sub_id", String(64), primary_key=True),
    Column("event_number", BigInteger, primary_key=True),
    Column("topic", String(512), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("patient", String(128), nullable=True),
    Column("focus", String(256), nullable=True),  # "Type/id/_history/version" of the triggering version
    Column("context", Text, nullable=False),  # JSON list of versioned references (additional context)
)

# Work to deliver. `queue` orders delivery: only the oldest pending row of a queue may be sent.
delivery_outbox = Table(
    "delivery_outbox",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("queue", String(128), nullable=False),  # "sub:<id>", "liquidlogic:file", "liquidlogic:http"
    Column("kind", String(16), nullable=False),  # handshake | event | document
    Column("sub_id", String(64), nullable=True),
    Column("event_number", BigInteger, nullable=True),
    Column("item_id", String(64), nullable=True),  # inbox item of a document delivery
    Column("created_at", BigInteger, nullable=False),
    Column("state", String(12), nullable=False),  # pending | delivered | dead | cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("claimed_until", BigInteger, nullable=True),  # a worker's lease; expired leases are free
    Column("claimed_by", String(64), nullable=True),
    Column("delivered_at", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_delivery_outbox_state_queue", "state", "queue", "seq"),
    Index("ix_delivery_outbox_sub_event", "sub_id", "event_number"),
)

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
