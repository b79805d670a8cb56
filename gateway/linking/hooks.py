"""Person linking wired into every write: the repository hooks, and `relink_all` for the CLI.

`install(hooks)` registers linking on a repository's `Hooks`: `on_write` for single writes (API,
transaction Bundles) and `on_bulk_write` once per import batch, both inside the writing
transaction. Golden Patients are written back through a `Writer` on the same connection with the
same hooks, so they are indexed, audited and versioned like any write (linking ignores them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gateway.linking.demographics import is_golden
from gateway.linking.sync import SyncResult, current_patients, sync_sources
from gateway.linking.tables import link_candidates, link_subjects, person_links
from gateway.repository.base import Hooks, WriteEvent
from gateway.repository.sql import SqlRepository
from gateway.storage.tables import resources


class PersonLinker:
    """The linking hooks of one repository (it keeps the `Hooks` to write golden Patients with)."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    def on_write(self, conn: Connection, event: WriteEvent) -> None:
        if event.res_type != "Patient":
            return
        if event.after is None:
            if event.before is not None and not is_golden(orjson.loads(event.before)):
                sync_sources(conn, self.hooks, [], [event.res_id])
            return
        if not is_golden(event.after):
            sync_sources(conn, self.hooks, [event.after])

    def on_bulk_write(self, conn: Connection, versions: list[Any]) -> None:
        latest: dict[str, Any] = {}
        for version in versions:
            if version.key[0] == "Patient":
                latest[version.key[1]] = version
        if not latest:
            return
        written = [v.body for v in latest.values() if not v.deleted and v.body is not None]
        deleted = [pid for pid, v in latest.items() if v.deleted]
        sync_sources(conn, self.hooks, written, deleted, bulk=True)


def install(hooks: Hooks) -> PersonLinker:
    """Register person linking on `hooks` (call once, after the index and audit hooks)."""
    linker = PersonLinker(hooks)
    hooks.on_write.append(linker.on_write)
    hooks.on_bulk_write.append(linker.on_bulk_write)
    return linker


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
            changes.add(sync_sources(writer.conn, repo.hooks, patients, bulk=True))
    vanished = sorted(known - set(ids))
    if vanished:
        with repo.writing() as writer:
            changes.add(sync_sources(writer.conn, repo.hooks, [], vanished, bulk=True))
    with repo.reading() as conn:
        golden_ids = {row.golden_id for row in conn.execute(
            select(person_links.c.golden_id).where(person_links.c.active.is_(True)))}
        links = conn.execute(select(person_links.c.seq).where(person_links.c.active.is_(True))).all()
        open_ = conn.execute(select(link_candidates.c.id).where(link_candidates.c.status == "open")).all()
    return RelinkSummary(sources, len(golden_ids), len(links), len(open_), changes)


def relink_from_settings(settings: Any) -> RelinkSummary:
    """The `gateway link` command's work: open the configured database and relink everyone."""
    from gateway.app import build_repository

    repo = build_repository(settings)
    try:
        return relink_all(repo)
    finally:
        repo.db.dispose()
