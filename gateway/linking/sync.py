"""Keep links, golden Patients and candidates in step with the source Patients, inside the
transaction that changed them.

Automatic links follow the valid NHS number and nothing else: a source with number n is linked to
golden(n); a new number moves the link; a number that disappears ends an automatic link (links
people made stay). A person's unlink of a pair is respected while the source keeps the number it
had then. A golden Patient made from people's decisions (no NHS number) is merged into golden(n)
as soon as one of its sources gains a valid number n.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from gateway.linking.candidates import forget_subjects, refresh, store_subjects, stored_texts
from gateway.linking.demographics import Subject, is_golden, nhs_of, subject_of
from gateway.linking.golden import build_golden, golden_id_for_nhs
from gateway.linking.golden_store import GoldenSink
from gateway.linking.links import (
    Link,
    active_links,
    add_link,
    end_link,
    ever_unlinked,
    members,
    members_of,
    serialise,
    unlinked_by_person,
)
from gateway.linking.tables import link_candidates
from gateway.repository.unit import UnitOfWork
from gateway.storage.tables import resources

AUTO = "system:person-linking"


@dataclass(slots=True)
class SyncResult:
    """What one linking pass changed."""

    goldens_written: int = 0
    goldens_removed: int = 0
    links_changed: int = 0
    candidates_changed: int = 0
    goldens: set[str] = field(default_factory=set)

    def add(self, other: SyncResult) -> None:
        self.goldens_written += other.goldens_written
        self.goldens_removed += other.goldens_removed
        self.links_changed += other.links_changed
        self.candidates_changed += other.candidates_changed
        self.goldens |= other.goldens


@dataclass(slots=True)
class Pass:
    """State of one pass: the active links as they change, and what must be rebuilt afterwards."""

    conn: Connection
    by: str
    links: dict[str, Link]
    unlinked: set[str] = field(default_factory=set)  # sources a person has ever unlinked
    touched: set[str] = field(default_factory=set)  # golden ids to rebuild
    relinked: set[str] = field(default_factory=set)  # source ids whose candidates to recompute
    result: SyncResult = field(default_factory=SyncResult)

    def link(self, golden_id: str, patient_id: str, how: str, nhs: str | None, candidate_id: int | None = None,
             by: str | None = None) -> None:
        add_link(self.conn, golden_id, patient_id, how, nhs, by or self.by, candidate_id)
        self.links[patient_id] = Link(0, golden_id, patient_id, how, nhs, candidate_id, by or self.by, 0)
        self.touched.add(golden_id)
        self.relinked.add(patient_id)
        self.result.links_changed += 1

    def end(self, link: Link, ended_how: str, by: str | None = None) -> None:
        current = active_links(self.conn, [link.patient_id]).get(link.patient_id) if link.seq == 0 else link
        if current is not None:
            end_link(self.conn, current, ended_how, by or self.by)
        self.links.pop(link.patient_id, None)
        self.touched.add(link.golden_id)
        self.relinked.add(link.patient_id)
        self.result.links_changed += 1


def _reconcile(run: Pass, subject: Subject) -> None:
    pid = subject.patient_id
    link = run.links.get(pid)
    if subject.nhs is None:
        if link is not None and link.how == "nhs-number":
            run.end(link, "moved")
        return
    target = golden_id_for_nhs(subject.nhs)
    if link is not None and link.golden_id == target:
        return
    if pid in run.unlinked and unlinked_by_person(run.conn, target, pid, subject.nhs):
        if link is not None and link.how == "nhs-number":
            run.end(link, "moved")
        return
    if link is None:
        run.link(target, pid, "nhs-number", subject.nhs)
        return
    group = members(run.conn, link.golden_id)
    if any(m.how == "nhs-number" for m in group if m.patient_id != pid):
        run.end(link, "moved")
        run.link(target, pid, "nhs-number", subject.nhs)
        return
    for member in group:  # a golden from people's decisions: the whole person moves to golden(n)
        run.end(member, "merged")
        if member.patient_id == pid:
            run.link(target, pid, "nhs-number", subject.nhs)
        else:
            run.link(target, member.patient_id, member.how, member.nhs_number, member.candidate_id, member.created_by)


def current_patients(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Current (not deleted) Patient JSON by id, read in this transaction."""
    wanted = sorted(set(ids))
    out: dict[str, dict[str, Any]] = {}
    r = resources.c
    for start in range(0, len(wanted), 500):
        rows = conn.execute(select(r.res_id, r.content).where(
            r.res_type == "Patient", r.res_id.in_(wanted[start:start + 500]), r.deleted.is_(False)))
        out.update((row.res_id, orjson.loads(row.content)) for row in rows)
    return out


def reopen_confirmed(conn: Connection, candidate_id: int | None) -> None:
    """A confirmation undone (its link ended): the candidate is open again for a person to decide."""
    if candidate_id is not None:
        conn.execute(update(link_candidates).where(link_candidates.c.id == candidate_id, link_candidates.c.status ==
                                                   "confirmed").values(status="open", decided_by=None, decided_at=None))


def rebuild_goldens(run: Pass, sink: GoldenSink) -> None:
    """Write each touched golden Patient from its sources (a new version only when it differs), and
    remove one that has no sources left, or no NHS number and a single source (nothing to link)."""
    groups = members_of(run.conn, run.touched)
    everyone = current_patients(run.conn, [m.patient_id for group in groups.values() for m in group])
    for golden_id, group in sorted(groups.items()):
        sources = {m.patient_id: everyone[m.patient_id] for m in group if m.patient_id in everyone}
        nhs = next((n for s in sources.values() if (n := nhs_of(s)[0]) and golden_id_for_nhs(n) == golden_id), None)
        if not sources or (nhs is None and len(sources) < 2):
            for member in group:
                run.end(member, "dissolved")
                reopen_confirmed(run.conn, member.candidate_id)
            sink.remove(golden_id)
            continue
        sink.put(golden_id, build_golden(golden_id, nhs, list(sources.values())))
        run.result.goldens.add(golden_id)
    written, removed = sink.close()
    run.result.goldens_written += written
    run.result.goldens_removed += removed


def finish(run: Pass, sink: GoldenSink, changed: Iterable[str] = ()) -> SyncResult:
    """Rebuild the touched golden Patients (through `sink`: versioned and indexed like any write)
    and recompute the candidates of everyone affected."""
    rebuild_goldens(run, sink)
    run.result.candidates_changed += refresh(run.conn, {*changed, *run.relinked})
    return run.result


def sync_sources(unit: UnitOfWork, patients: list[dict[str, Any]], deleted: Iterable[str] = (),
                 by: str = AUTO) -> SyncResult:
    """Link, unlink and re-candidate after source Patients were written (`patients`, their new JSON)
    or deleted (`deleted` ids). Golden Patients in `patients` are ignored. Golden Patients are
    written through `unit`, so they are versioned, indexed and seen by the hooks like any write."""
    conn = unit.conn
    serialise(conn)
    subjects = [subject_of(p) for p in patients if not is_golden(p)]
    gone = [pid for pid in deleted if pid not in {s.patient_id for s in subjects}]
    stored = stored_texts(conn, [s.patient_id for s in subjects])
    fresh = [s for s in subjects if stored.get(s.patient_id) != s.to_json()]
    store_subjects(conn, fresh)
    forget_subjects(conn, gone)
    ids = [*(s.patient_id for s in subjects), *gone]
    run = Pass(conn, by, active_links(conn, ids), ever_unlinked(conn, ids))
    for subject in subjects:
        _reconcile(run, subject)
    for pid in gone:
        if (link := run.links.get(pid)) is not None:
            run.end(link, "deleted")
    return finish(run, GoldenSink(unit), [*(s.patient_id for s in fresh), *gone])
