"""The `export_jobs` table: one row per bulk export, so a job outlives the process that started it.

A job is owned by the subject and client that asked (not by one token). Whichever gateway process
holds the lease (`lease_holder` until `lease_until`) runs it; the lease is renewed at each
checkpoint, so a job whose process died is taken over, and resumed from its last checkpoint, once
the lease runs out. `state` is JSON: the types still to do, the key the current type has reached
and every file written so far with its checkpointed line count and byte length.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from gateway.storage.metadata import metadata

export_jobs = Table(
    "export_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("status", String(12), nullable=False),  # queued | running | completed | failed | cancelled
    Column("owner_user", String(256), nullable=False),  # the token's `sub`
    Column("owner_client", String(256), nullable=True),  # the token's `client_id` (or `azp`), when it has one
    Column("request_url", Text, nullable=False),  # the kick-off URL, echoed as `request` in the manifest
    Column("params", Text, nullable=False),  # JSON: level, group, types, since, type filters
    Column("transaction_time", BigInteger, nullable=False),  # µs UTC: the snapshot the export shows
    Column("created", BigInteger, nullable=False),
    Column("finished", BigInteger, nullable=True),
    Column("expires", BigInteger, nullable=True),  # files and job are removed after this (µs UTC)
    Column("attempts", Integer, nullable=False),  # how many times a process has taken the job up
    Column("lease_holder", String(64), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("state", Text, nullable=False),  # JSON checkpoint, see the module docstring
    Column("error", Text, nullable=True),
    Index("ix_export_jobs_status_lease", "status", "lease_until"),
)
