"""A person's linking decisions: confirm, reject or reopen a candidate; link or unlink records.

Each runs inside one write transaction (the caller's `UnitOfWork`), writes the golden Patient as a
normal versioned write, and records an audit row in the same commit. Each can be undone by
another: unlink undoes a link or a confirmation (the candidate reopens), link undoes an unlink,
reopen undoes a rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from gateway.audit.entry import ROLE_PATIENT, AuditEntity, AuditEntry
from gateway.audit.writer import record_in
from gateway.linking.candidates import load_subjects
from gateway.linking.golden import golden_id_for_nhs, golden_id_for_person
from gateway.linking.golden_store import GoldenSink
from gateway.linking.links import active_links, golden_of, members, serialise
from gateway.linking.sync import Pass, finish, reopen_confirmed
from gateway.linking.tables import link_candidates
from gateway.outcomes import bad_request, conflict, not_found
from gateway.repository.unit import UnitOfWork
from gateway.storage.times import now_us

_C = link_candidates.c


@dataclass(frozen=True, slots=True)
class Actor:
    """Who decided: recorded on the link or candidate and in the audit trail."""

    user: str
    role: str | None = None
    request_id: str | None = None
    client: str | None = None


def _audit(conn: Connection, actor: Actor, action: str, golden: str | None, patients: list[str], detail: str) -> None:
    """One audit event naming every record involved: the golden Patient as its target, each source
    Patient as a person entity, so `AuditEvent?patient=` finds the decision from any of them."""
    record_in(conn, AuditEntry(
        user=actor.user, role=actor.role, interaction="update", resource_type="Patient",
        resource_id=golden or patients[0], patient=f"Patient/{patients[0]}",
        query=f"person-link {action}: {detail}"[:2000], request_id=actor.request_id, client=actor.client,
        entities=tuple(AuditEntity(f"Patient/{p}", ROLE_PATIENT) for p in patients[1:])))


def candidate_row(conn: Connection, candidate_id: int) -> Any:
    row = conn.execute(select(link_candidates).where(_C.id == candidate_id)).first()
    if row is None:
        raise not_found(f"Link candidate {candidate_id} is not known")
    return row


def join(writer: UnitOfWork, first: str, second: str, how: str, actor: Actor, candidate_id: int | None = None) -> str:
    """Make `first` and `second` (source or golden Patient ids) one person; returns the golden id.
    The golden is golden(n) when any record involved has a valid NHS number n, else an existing
    golden of either side, else a new one. Two different valid NHS numbers are refused (409)."""
    conn = writer.conn
    serialise(conn)
    if first == second:
        raise bad_request("Name two different Patients to link")
    named: set[str] = set()
    goldens: list[str] = []
    sources: set[str] = set()
    unresolved: list[str] = []
    for pid in (first, second):
        golden = golden_of(conn, pid)
        if golden == pid:
            goldens.append(pid)
            sources.update(m.patient_id for m in members(conn, pid))
            continue
        if golden is not None:
            goldens.append(golden)
            sources.update(m.patient_id for m in members(conn, golden))
        named.add(pid)
        sources.add(pid)
    subjects = load_subjects(conn, sources)
    for pid in sorted(named - set(subjects)):
        named.discard(pid)
        sources.discard(pid)
        unresolved.append(pid)
    numbers = sorted({s.nhs for s in subjects.values() if s.nhs})
    if len(numbers) > 1:
        raise conflict(f"These records carry different NHS numbers ({', '.join(numbers)}): they are not linked")
    target = golden_id_for_nhs(numbers[0]) if numbers else (goldens[0] if goldens else None)
    if unresolved and not (len(unresolved) == 1 and unresolved[0] == target):
        raise not_found(f"Patient/{unresolved[0]} is neither a source Patient nor a golden Patient")
    target = target or golden_id_for_person(min(sources))
    run = Pass(conn, actor.user, active_links(conn, sources))
    for pid in sorted(sources):
        link = run.links.get(pid)
        if link is not None and link.golden_id == target:
            continue
        if link is not None:
            run.end(link, "merged", actor.user)
        if pid in named or link is None:
            run.link(target, pid, how, subjects[pid].nhs, candidate_id if how == "confirmed" else None, actor.user)
        else:
            run.link(target, pid, link.how, link.nhs_number, link.candidate_id, link.created_by)
    run.touched.add(target)
    finish(run, GoldenSink(writer))
    return target


def confirm(writer: UnitOfWork, candidate_id: int, actor: Actor) -> str:
    """Confirm an open candidate: its two Patients become one person. Returns the golden id."""
    row = candidate_row(writer.conn, candidate_id)
    if row.status != "open":
        raise conflict(f"Link candidate {candidate_id} is {row.status}; only an open candidate can be confirmed")
    _decide(writer.conn, candidate_id, "confirmed", actor)  # first: a confirmed pair is kept by the refresh
    golden = join(writer, row.patient_a, row.patient_b, "confirmed", actor, candidate_id)
    _audit(writer.conn, actor, "confirm", golden, [row.patient_a, row.patient_b],
           f"candidate {candidate_id} Patient/{row.patient_a} + Patient/{row.patient_b} -> Patient/{golden}")
    return golden


def reject(writer: UnitOfWork, candidate_id: int, actor: Actor) -> None:
    """Reject an open candidate: not proposed again while both records' demographics stay the same."""
    row = candidate_row(writer.conn, candidate_id)
    if row.status != "open":
        raise conflict(f"Link candidate {candidate_id} is {row.status}; only an open candidate can be rejected")
    _decide(writer.conn, candidate_id, "rejected", actor)
    _audit(writer.conn, actor, "reject", None, [row.patient_a, row.patient_b],
           f"candidate {candidate_id} Patient/{row.patient_a} + Patient/{row.patient_b}")


def reopen(writer: UnitOfWork, candidate_id: int, actor: Actor) -> None:
    """Undo a rejection. (A confirmation is undone by unlinking.)"""
    row = candidate_row(writer.conn, candidate_id)
    if row.status != "rejected":
        raise conflict(f"Link candidate {candidate_id} is {row.status}; only a rejected candidate can be reopened"
                       + (" (unlink to undo a confirmation)" if row.status == "confirmed" else ""))
    _decide(writer.conn, candidate_id, "open", actor)
    _audit(writer.conn, actor, "reopen", None, [row.patient_a, row.patient_b], f"candidate {candidate_id}")


def link(writer: UnitOfWork, first: str, second: str, actor: Actor) -> str:
    """Link two records by hand (two sources, or a golden and a source). Returns the golden id."""
    golden = join(writer, first, second, "manual", actor)
    _audit(writer.conn, actor, "link", golden, [first, second], f"Patient/{first} + Patient/{second} -> "
           f"Patient/{golden}")
    return golden


def unlink(writer: UnitOfWork, golden_id: str, patient_id: str, actor: Actor) -> None:
    """End the link of source `patient_id` to `golden_id`. Automatic linking will not redo it while
    the source keeps the NHS number it has now; a confirmed candidate behind the link reopens."""
    conn = writer.conn
    serialise(conn)
    current = active_links(conn, [patient_id]).get(patient_id)
    if current is None or current.golden_id != golden_id:
        raise not_found(f"Patient/{patient_id} is not linked to Patient/{golden_id}")
    run = Pass(conn, actor.user, {patient_id: current})
    run.end(current, "unlinked", actor.user)
    reopen_confirmed(conn, current.candidate_id)
    finish(run, GoldenSink(writer))
    _audit(conn, actor, "unlink", golden_id, [patient_id], f"Patient/{patient_id} from Patient/{golden_id}")


def _decide(conn: Connection, candidate_id: int, status: str, actor: Actor) -> None:
    decided = status != "open"
    conn.execute(update(link_candidates).where(_C.id == candidate_id).values(
        status=status, decided_by=actor.user if decided else None, decided_at=now_us() if decided else None,
        updated_at=now_us()))
