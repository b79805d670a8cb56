"""Tables for subscriptions and their numbered events (the outbox is delivery's, the inbox the inbox's).

Both are written inside the write transaction that caused them (the Subscription write, or the
change a topic fired on), so a change, its events and the rows that will deliver them commit
together or not at all. Times are integer microseconds UTC, like every gateway time.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import metadata

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
