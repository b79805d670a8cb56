"""Import runs and their per-row outcomes: every row of every import is accounted for. Also each
row's warnings (one row each, with its code, so a run's report counts and filters them), and the
source reference tables (code lists) kept between imports."""

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

# One row per warning on an imported row: a row is still created/updated/unchanged (or rejected),
# and its warnings are a dimension of their own, found by (run_id, file, line).
import_warnings = Table(
    "import_warnings",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("file", String(255), nullable=False),
    Column("line", Integer, nullable=False),
    Column("row_key", String(128), nullable=True),
    Column("outcome", String(12), nullable=False),  # the row's outcome
    Column("code", String(32), nullable=False),
    Column("column_name", String(128), nullable=True),
    Column("value", Text, nullable=True),
    Column("message", Text, nullable=False),
    Index("ix_import_warnings_run_code", "run_id", "code", "seq"),
    Index("ix_import_warnings_run_row", "run_id", "file", "line"),
)

# Source reference tables (SystmOne SRMapping, SRConfiguredListOption...) as last received: a row
# received later replaces the one with the same key; later exports that leave them out resolve
# codes through these. `fields` is the row as JSON (column -> text).
source_reference = Table(
    "source_reference",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("row_key", String(64), primary_key=True),
    Column("fields", Text, nullable=False),
    Column("run_id", String(36), nullable=True),
    Column("received", BigInteger, nullable=False),
)
