"""The `person_links` rows: who is linked to which golden Patient, how, by whom and since when.

Also `linked_patient_ids`, the lookup `$everything` and the pages use to gather one person's
records from every source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, text, update

from gateway.linking.tables import person_links
from gateway.storage.times import now_us

_CHUNK = 500
_L = person_links.c


@dataclass(frozen=True, slots=True)
class Link:
    """One active link of a source Patient to a golden Patient."""

    seq: int
    golden_id: str
    patient_id: str
    how: str  # nhs-number | confirmed | manual
    nhs_number: str | None
    candidate_id: int | None
    created_by: str
    created_at: int

    def as_json(self) -> dict[str, Any]:
        return {"golden": self.golden_id, "patient": self.patient_id, "how": self.how, "nhsNumber": self.nhs_number,
                "candidate": self.candidate_id, "by": self.created_by, "at": self.created_at}


def _link(row: Any) -> Link:
    return Link(row.seq, row.golden_id, row.patient_id, row.how, row.nhs_number, row.candidate_id, row.created_by,
                row.created_at)


_COLUMNS = (_L.seq, _L.golden_id, _L.patient_id, _L.how, _L.nhs_number, _L.candidate_id, _L.created_by,
            _L.created_at)


def serialise(conn: Connection) -> None:
    """Take the linking lock for the rest of the transaction, so two processes linking at once
    (two imports, an import and a person's decision) cannot make the same golden Patient twice.
    SQLite write transactions are already serial."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('care-gateway:person-linking'))"))


def active_links(conn: Connection, patient_ids: Iterable[str]) -> dict[str, Link]:
    """The active link of each of `patient_ids` that has one."""
    ids = list(dict.fromkeys(patient_ids))
    out: dict[str, Link] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(select(*_COLUMNS).where(_L.active.is_(True), _L.patient_id.in_(ids[start:start + _CHUNK])))
        out.update((row.patient_id, _link(row)) for row in rows)
    return out


def members(conn: Connection, golden_id: str) -> list[Link]:
    """Every active link of one golden Patient, oldest first."""
    rows = conn.execute(select(*_COLUMNS).where(_L.golden_id == golden_id, _L.active.is_(True)).order_by(_L.seq))
    return [_link(row) for row in rows]


def members_of(conn: Connection, golden_ids: Iterable[str]) -> dict[str, list[Link]]:
    """`members` for many golden Patients in one query per chunk."""
    ids = sorted(set(golden_ids))
    out: dict[str, list[Link]] = {g: [] for g in ids}
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(select(*_COLUMNS).where(_L.active.is_(True), _L.golden_id.in_(ids[start:start + _CHUNK]))
                            .order_by(_L.seq))
        for row in rows:
            out[row.golden_id].append(_link(row))
    return out


def ever_unlinked(conn: Connection, patient_ids: Iterable[str]) -> set[str]:
    """Which of `patient_ids` a person has ever unlinked (only those need `unlinked_by_person`)."""
    ids = list(dict.fromkeys(patient_ids))
    out: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(select(_L.patient_id).where(_L.ended_how == "unlinked",
                                                        _L.patient_id.in_(ids[start:start + _CHUNK])))
        out.update(row.patient_id for row in rows)
    return out


def add_link(conn: Connection, golden_id: str, patient_id: str, how: str, nhs: str | None, by: str,
             candidate_id: int | None = None) -> None:
    conn.execute(insert(person_links).values(
        golden_id=golden_id, patient_id=patient_id, how=how, nhs_number=nhs, candidate_id=candidate_id,
        created_by=by, created_at=now_us(), active=True))


def end_link(conn: Connection, link: Link, ended_how: str, by: str) -> None:
    """End a link (`unlinked` by a person, `moved` to another golden, `merged`, or source `deleted`)."""
    conn.execute(update(person_links).where(_L.seq == link.seq).values(
        active=False, ended_how=ended_how, ended_by=by, ended_at=now_us()))


def unlinked_by_person(conn: Connection, golden_id: str, patient_id: str, nhs: str | None) -> bool:
    """True when a person's last word on this pair was to unlink it while the source had the same
    NHS number: automatic linking must not undo that decision."""
    row = conn.execute(select(_L.active, _L.ended_how, _L.nhs_number)
                       .where(_L.golden_id == golden_id, _L.patient_id == patient_id)
                       .order_by(_L.seq.desc()).limit(1)).first()
    return row is not None and not row.active and row.ended_how == "unlinked" and row.nhs_number == nhs


def golden_of(conn: Connection, patient_id: str) -> str | None:
    """The golden Patient id of a golden or source Patient id, or None when it is linked to nothing."""
    row = conn.execute(select(_L.golden_id).where(
        _L.active.is_(True), or_(_L.golden_id == patient_id, _L.patient_id == patient_id)).limit(1)).first()
    return row.golden_id if row else None


def linked_patient_ids(conn: Connection, patient_id: str) -> list[str]:
    """Every Patient id of the person `patient_id` belongs to: the golden Patient first, then each
    linked source Patient (sorted). Takes a golden or a source id; a Patient linked to nothing gives
    `[patient_id]`. Two indexed lookups (`person_links` by patient and by golden), no resource JSON
    read, so `$everything` and the pages can call it on every request."""
    golden = golden_of(conn, patient_id)
    if golden is None:
        return [patient_id]
    rows = conn.execute(select(_L.patient_id).where(and_(_L.golden_id == golden, _L.active.is_(True))))
    return [golden, *sorted({row.patient_id for row in rows})]
