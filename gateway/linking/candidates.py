"""Link candidates: pairs of Patients that may be one person on demographics alone.

Recomputed for the Patients whose demographics or links changed, against only the Patients that
share a blocking key with them. A rejected pair stays rejected while both sides' demographics are
what they were when it was rejected (the fingerprint); when either changes it is reopened. Open
pairs that no longer score, or that became linked to one golden Patient, are withdrawn (deleted:
nobody decided anything about them); confirmed and rejected rows are decisions and are kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, or_, select, update

from gateway.linking.demographics import Subject
from gateway.linking.links import active_links
from gateway.linking.scoring import PROPOSE_AT, may_pair, score
from gateway.linking.tables import link_blocks, link_candidates, link_subjects
from gateway.storage.times import now_us

_CHUNK = 500
_C = link_candidates.c
Pair = tuple[str, str]


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def load_subjects(conn: Connection, patient_ids: Iterable[str]) -> dict[str, Subject]:
    ids = list(dict.fromkeys(patient_ids))
    out: dict[str, Subject] = {}
    for part in _chunks(ids):
        for row in conn.execute(select(link_subjects.c.subject).where(link_subjects.c.patient_id.in_(part))):
            subject = Subject.from_json(row.subject)
            out[subject.patient_id] = subject
    return out


def _neighbours(conn: Connection, subjects: dict[str, Subject]) -> dict[str, set[str]]:
    """For each subject, the other Patients sharing one of its blocking keys."""
    by_block: dict[str, set[str]] = {}
    for subject in subjects.values():
        for block in subject.blocks():
            by_block.setdefault(block, set()).add(subject.patient_id)
    found: dict[str, set[str]] = {pid: set() for pid in subjects}
    b = link_blocks.c
    for part in _chunks(sorted(by_block)):
        for row in conn.execute(select(b.block, b.patient_id).where(b.block.in_(part))):
            for pid in by_block[row.block]:
                if row.patient_id != pid:
                    found[pid].add(row.patient_id)
    return found


def fingerprint(a: Subject, b: Subject) -> str:
    return hashlib.sha256((a.digest() + b.digest()).encode()).hexdigest()


def _wanted(conn: Connection, subjects: dict[str, Subject]) -> dict[Pair, tuple[float, list[str], str]]:
    """Every pair involving `subjects` that should be a candidate now."""
    neighbours = _neighbours(conn, subjects)
    others = load_subjects(conn, {n for ns in neighbours.values() for n in ns} - set(subjects))
    everyone = {**others, **subjects}
    goldens = {pid: link.golden_id for pid, link in active_links(conn, everyone).items()}
    wanted: dict[Pair, tuple[float, list[str], str]] = {}
    for pid, near in neighbours.items():
        for other_id in near:
            a, b = sorted((pid, other_id))
            if (a, b) in wanted or a not in everyone or b not in everyone:
                continue
            sa, sb = everyone[a], everyone[b]
            if not may_pair(sa, sb) or (goldens.get(a) and goldens.get(a) == goldens.get(b)):
                continue
            value, reasons = score(sa, sb)
            if value >= PROPOSE_AT:
                wanted[(a, b)] = (value, reasons, fingerprint(sa, sb))
    return wanted


def _existing(conn: Connection, patient_ids: list[str]) -> dict[Pair, Any]:
    out: dict[Pair, Any] = {}
    for part in _chunks(patient_ids):
        rows = conn.execute(select(_C.id, _C.patient_a, _C.patient_b, _C.status, _C.fingerprint, _C.score)
                            .where(or_(_C.patient_a.in_(part), _C.patient_b.in_(part))))
        out.update(((row.patient_a, row.patient_b), row) for row in rows)
    return out


def refresh(conn: Connection, patient_ids: Iterable[str]) -> int:
    """Recompute the candidates of `patient_ids` (Patients without a stored subject, i.e. deleted
    or golden, just lose their open candidates). Returns how many candidate rows changed."""
    ids = sorted(set(patient_ids))
    if not ids:
        return 0
    subjects = load_subjects(conn, ids)
    wanted = _wanted(conn, subjects)
    existing = _existing(conn, ids)
    now, changed = now_us(), 0
    for pair, row in existing.items():
        if pair in wanted:
            value, reasons, print_ = wanted.pop(pair)
            if row.status == "confirmed" or (row.status == "rejected" and row.fingerprint == print_):
                continue
            if row.status == "open" and row.fingerprint == print_ and row.score == value:
                continue
            conn.execute(update(link_candidates).where(_C.id == row.id).values(
                score=value, reasons=orjson.dumps(reasons).decode(), fingerprint=print_, status="open",
                updated_at=now, decided_by=None, decided_at=None))
            changed += 1
        elif row.status == "open":
            conn.execute(delete(link_candidates).where(_C.id == row.id))
            changed += 1
    if wanted:
        conn.execute(insert(link_candidates), [
            {"patient_a": a, "patient_b": b, "score": value, "reasons": orjson.dumps(reasons).decode(),
             "status": "open", "fingerprint": print_, "created_at": now, "updated_at": now}
            for (a, b), (value, reasons, print_) in wanted.items()])
        changed += len(wanted)
    return changed


def store_subjects(conn: Connection, subjects: list[Subject]) -> None:
    """Replace the stored subjects and blocking keys of these Patients."""
    if not subjects:
        return
    ids = [s.patient_id for s in subjects]
    forget_subjects(conn, ids)
    now = now_us()
    conn.execute(insert(link_subjects), [
        {"patient_id": s.patient_id, "source": s.source, "nhs_number": s.nhs, "digest": s.digest(),
         "subject": s.to_json(), "updated_at": now} for s in subjects])
    blocks = [{"block": block[:96], "patient_id": s.patient_id} for s in subjects for block in s.blocks()]
    if blocks:
        conn.execute(insert(link_blocks), blocks)


def forget_subjects(conn: Connection, patient_ids: list[str]) -> None:
    for part in _chunks(patient_ids):
        conn.execute(delete(link_subjects).where(link_subjects.c.patient_id.in_(part)))
        conn.execute(delete(link_blocks).where(link_blocks.c.patient_id.in_(part)))


def stored_texts(conn: Connection, patient_ids: Iterable[str]) -> dict[str, str]:
    """The stored subject JSON of each Patient that has one (to skip rewriting an unchanged one)."""
    out: dict[str, str] = {}
    for part in _chunks(list(dict.fromkeys(patient_ids))):
        rows = conn.execute(select(link_subjects.c.patient_id, link_subjects.c.subject)
                            .where(link_subjects.c.patient_id.in_(part)))
        out.update((row.patient_id, row.subject) for row in rows)
    return out
