"""Current resources and their full version history.

Times are stored as integer microseconds since the Unix epoch (UTC) so comparisons and keyset
paging behave the same on SQLite and PostgreSQL; the ISO string lives in the JSON's `meta`.
`content` holds the resource exactly as served (with `meta`), so a read returns stored bytes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.storage.metadata import BigIntPK, metadata

resources = Table(
    "resources",
    metadata,
    Column("res_type", String(64), primary_key=True),
    Column("res_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("last_updated", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content_hash", String(64), nullable=True),  # sha256 of the content without meta
    Column("content", Text, nullable=True),  # null once deleted
    Index("ix_resources_type_updated", "res_type", "last_updated"),
)

resource_history = Table(
    "resource_history",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_updated", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("method", String(8), nullable=False),  # POST, PUT, PATCH, DELETE: Bundle.entry.request
    Column("content", Text, nullable=True),
    UniqueConstraint("res_type", "res_id", "version"),
    Index("ix_resource_history_type_seq", "res_type", "seq"),
)
