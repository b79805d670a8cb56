"""Import runs and their per-row outcomes: every row of every import is accounted for."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import BigIntPK, metadata

import_runs = Table(
    "import_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", String(16), nullable=False),  # running | completed | failed | interrupted
    Column("started", BigInteger, nullable=False),
    Column("finished", BigInteger, nullable=True),
    Column("heartbeat", BigInteger, nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("counts", Text, nullable=False),  # JSON: outcome -> rows
    Column("files", Text, nullable=False),  # JSON: [{file, sha256, size_bytes, notices: [...]}]
    Column("error", Text, nullable=True),
    Index("ix_import_runs_started", "started"),
)

import_rows = Table(
    "import_rows",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("file", String(255), nullable=False),
    Column("line", Integer, nullable=False),
    Column("row_key", String(128), nullable=True),
    Column("outcome", String(12), nullable=False),  # created | updated | unchanged | deleted | rejected
    Column("code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("resources", Text, nullable=True),  # space-separated Type/id/_history/v written for this row
    Column("warnings", Text, nullable=True),
    Index("ix_import_rows_run_outcome", "run_id", "outcome", "seq"),
)
