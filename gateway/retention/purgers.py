"""Purgers for the transient copies that exist today: uploaded exports and delivery outbox rows
(delivered or cancelled attempts, and dead letters). Bulk export files and raw HL7 v2 messages
register their own purgers where they are built.

Defaults, and why. The Records Management Code of Practice for Health and Social Care (NHS
England, 2021, updated 2023) sets retention for the *record*: adult health records 8 years after
the end of care, adult social care records per Appendix II, audit trails kept with the record they
describe. The gateway holds that record as FHIR resources with their history, provenance and audit
trail, and purges none of it. What it purges are copies made on the way in or out: Appendix III
treats a copy whose content is held in the record (a scanned original once the scan is verified,
a recording once it is in the care record) as not needing retention of its own, once the transfer
is verified. An import's content is verified into the record (every row's outcome is kept, with
the file's sha256) and a delivery's document stays in the social worker's inbox; the periods below
only leave time to investigate a problem, and each organisation's records manager may change them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Connection, delete, func, select

from gateway.delivery.tables import delivery_outbox
from gateway.imports.tables import import_runs
from gateway.imports.uploads import PREFIX as UPLOAD_PREFIX
from gateway.imports.uploads import upload_root
from gateway.retention.registry import Purger, register
from gateway.settings import Settings

o = delivery_outbox.c


def purge_uploads(conn: Connection, settings: Settings, cutoff_us: int) -> int:
    """Upload folders older than the cutoff, except one a running import still reads. An upload is
    removed when its run ends; what this finds is left by a process that died before it could."""
    root = upload_root(settings.import_upload_dir)
    if not root.is_dir():
        return 0
    busy = {Path(p).resolve() for (p,) in conn.execute(
        select(import_runs.c.path).where(import_runs.c.status == "running"))}
    removed = 0
    for entry in sorted(root.iterdir()):
        if not entry.name.startswith(UPLOAD_PREFIX):
            continue  # the upload root may be the system's temporary folder: only uploads are ours
        if entry.stat().st_mtime * 1_000_000 >= cutoff_us:
            continue
        resolved = entry.resolve()
        if any(resolved == b or resolved in b.parents for b in busy):
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed += 1
    return removed


def purge_delivery_attempts(conn: Connection, _settings: Settings, cutoff_us: int) -> int:
    """Outbox rows delivered (or cancelled) before the cutoff: the document or event itself stays
    (inbox item, subscription event); only the record of the attempt goes."""
    done_at = func.coalesce(o.delivered_at, o.created_at)
    result = conn.execute(delete(delivery_outbox).where(o.state.in_(("delivered", "cancelled")), done_at < cutoff_us))
    return int(result.rowcount or 0)


def purge_dead_letters(conn: Connection, _settings: Settings, cutoff_us: int) -> int:
    """Dead letters queued before the cutoff, long after the dead-letter alert asked someone to act."""
    result = conn.execute(delete(delivery_outbox).where(o.state == "dead", o.created_at < cutoff_us))
    return int(result.rowcount or 0)


UPLOADS = Purger("uploads", "exports uploaded over POST /api/imports (zip files)", 30.0,
                 "a transient copy: its rows are in the record, each row's outcome and the file's sha256 in the "
                 "import run; 30 days leaves time to re-run or investigate an import", purge_uploads)
DELIVERY_ATTEMPTS = Purger("delivery-attempts", "delivery outbox rows delivered or cancelled", 90.0,
                           "a record of transfer, not of care: the document stays in the inbox and the event in "
                           "the subscription's history; 90 days covers a quarter's investigations",
                           purge_delivery_attempts)
DEAD_LETTERS = Purger("dead-letters", "delivery outbox rows given up on (dead letters)", 365.0,
                      "kept a year so a failed notification can still be traced after the alert; the change it "
                      "carried stays in the record and the inbox", purge_dead_letters)


for _purger in (UPLOADS, DELIVERY_ATTEMPTS, DEAD_LETTERS):  # always there; features register theirs
    register(_purger)
