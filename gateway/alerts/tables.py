"""The alert tables: what is firing now, and every change (fired, resolved) for the webhook and
the status page. Times are integer microseconds UTC, like every gateway time."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from gateway.storage.metadata import BigIntPK, metadata

# One row per alert firing now: a rule and what it is about (a source, a delivery queue).
alert_state = Table(
    "alert_state",
    metadata,
    Column("rule", String(64), primary_key=True),
    Column("subject", String(256), primary_key=True),
    Column("since", BigInteger, nullable=False),
    Column("checked", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),
)

# Each time an alert fired or resolved; the webhook delivery names its row (outbox item_id = seq).
alert_events = Table(
    "alert_events",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("rule", String(64), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("state", String(12), nullable=False),  # firing | resolved
    Column("at", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),
    Index("ix_alert_events_at", "at"),
)
