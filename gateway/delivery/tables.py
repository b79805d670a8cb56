"""The delivery outbox: work queued in the transaction of the change that caused it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import BigIntPK, metadata

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
