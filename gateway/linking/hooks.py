"""Person linking wired into every write: the change hook, and `relink_all` for the CLI.

`install(hooks)` registers linking with a repository's `Hooks`: after each flush of a unit of work
(whichever door: API, Bundles, imports, assessments) it links the source Patients written. Golden
Patients are written back through the same unit, so they are indexed, audited and versioned like
any write (linking ignores them when they come back to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from gateway.linking.demographics import is_golden
from gateway.linking.sync import SyncResult, current_patients, sync_sources
from gateway.linking.tables import link_candidates, link_subjects, person_links
from gateway.repository.base import Hooks, WriteEvent
from gateway.repository.sql import SqlRepository
from gateway.repository.unit import UnitOfWork
from gateway.storage.tables import resources


def link_changes(unit: UnitOfWork, events: list[WriteEvent]) -> None:
    """Change hook: re-link the source Patients this flush wrote or deleted."""
    latest: dict[str, WriteEvent] = {}
    for event in events:
        if event.res_type == "Patient":
            latest[event.res_id] = event
    written: list[dict[str, Any]] = []
    deleted: list[str] = []
    for pid, event in latest.items():
        if event.after is not None:
            if not is_golden(event.after):
                written.append(event.after)
        elif event.before is not None and not is_golden(orjson.loads(event.before)):
            deleted.append(pid)
    if written or deleted:
        sync_sources(unit, written, deleted)


def install(hooks: Hooks) -> None:
    """Register person linking with `hooks` (call once, at start-up)."""
    hooks.register(link_changes)


@dataclass(slots=True)
class RelinkSummary:
    """What `relink_all` found and did, for the CLI to print."""

    patients: int
    goldens: int
    links: int
    open_candidates: int
    changes: SyncResult


def relink_all(repo: SqlRepository, chunk: int = 500) -> RelinkSummary:
    """Re-run linking over every source Patient (after a bulk load with linking off, a change of
    rules, or to repair): idempotent, in transactions of `chunk` Patients. Subjects of Patients that
    no longer exist are dropped and their links ended."""
    r = resources.c
    with repo.reading() as conn:
        ids = [row.res_id for row in conn.execute(
            select(r.res_id).where(r.res_type == "Patient", r.deleted.is_(False)).order_by(r.res_id))]
        known = {row.patient_id for row in conn.execute(select(link_subjects.c.patient_id))}
    changes = SyncResult()
    sources = 0
    for start in range(0, len(ids), chunk):
        with repo.writing() as writer:
            patients = [p for p in current_patients(writer.conn, ids[start:start + chunk]).values()
                        if not is_golden(p)]
            sources += len(patients)
            changes.add(sync_sources(writer, patients))
    vanished = sorted(known - set(ids))
    if vanished:
        with repo.writing() as writer:
            changes.add(sync_sources(writer, [], vanished))
    with repo.reading() as conn:
        golden_ids = {row.golden_id for row in conn.execute(
            select(person_links.c.golden_id).where(person_links.c.active.is_(True)))}
        links = conn.execute(select(person_links.c.seq).where(person_links.c.active.is_(True))).all()
        open_ = conn.execute(select(link_candidates.c.id).where(link_candidates.c.status == "open")).all()
    return RelinkSummary(sources, len(golden_ids), len(links), len(open_), changes)

