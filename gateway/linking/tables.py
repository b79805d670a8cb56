"""Tables for person linking: links (the fast, reversible truth behind each golden Patient's
`link[]`), candidates, and the demographic summaries and blocking keys candidates are found by.

All of them are written in the transaction that wrote the Patient (or the person's decision), so a
source Patient, its links and its candidates commit together. Times are integer microseconds UTC.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, String, Table, Text, UniqueConstraint

from gateway.storage.metadata import BigIntPK, metadata

# One row per link ever made; `active` rows are the current links. Ending a link keeps the row
# (who ended it, when, why), so every change can be read back and undone.
person_links = Table(
    "person_links",
    metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("golden_id", String(64), nullable=False),
    Column("patient_id", String(64), nullable=False),  # the source Patient
    Column("how", String(16), nullable=False),  # nhs-number | confirmed | manual
    Column("nhs_number", String(16), nullable=True),  # the source's valid NHS number when the link was made
    Column("candidate_id", BigInteger, nullable=True),  # the confirmed candidate, for `how = confirmed`
    Column("created_by", String(256), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("ended_how", String(16), nullable=True),  # unlinked | moved | merged | deleted
    Column("ended_by", String(256), nullable=True),
    Column("ended_at", BigInteger, nullable=True),
    Index("ix_person_links_patient_active", "patient_id", "active"),
    Index("ix_person_links_golden_active", "golden_id", "active"),
)

# Pairs of Patients that may be the same person on demographics alone. `patient_a < patient_b`.
link_candidates = Table(
    "link_candidates",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("patient_a", String(64), nullable=False),
    Column("patient_b", String(64), nullable=False),
    Column("score", Float, nullable=False),  # 0-1
    Column("reasons", Text, nullable=False),  # JSON list of sentences
    Column("status", String(12), nullable=False),  # open | confirmed | rejected
    Column("fingerprint", String(64), nullable=False),  # both sides' demographics when last scored
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("decided_by", String(256), nullable=True),
    Column("decided_at", BigInteger, nullable=True),
    UniqueConstraint("patient_a", "patient_b"),
    Index("ix_link_candidates_status_score", "status", "score"),
    Index("ix_link_candidates_patient_b", "patient_b"),
)

# The demographics of each source Patient as the matcher sees them (JSON of `Subject`), so a
# changed Patient is compared with its neighbours without parsing every other Patient again.
link_subjects = Table(
    "link_subjects",
    metadata,
    Column("patient_id", String(64), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("nhs_number", String(16), nullable=True),  # valid (Modulus 11) numbers only
    Column("digest", String(64), nullable=False),  # hash of the demographics that matching uses
    Column("subject", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_link_subjects_nhs_number", "nhs_number"),
)

# Blocking keys: only Patients sharing a key are compared (never all pairs).
link_blocks = Table(
    "link_blocks",
    metadata,
    Column("block", String(96), primary_key=True),
    Column("patient_id", String(64), primary_key=True),
    Index("ix_link_blocks_patient", "patient_id"),
)
