"""JSON views of candidates and of one person's links, as the API and the pages show them."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, case, func, or_, select

from gateway.linking.candidates import load_subjects
from gateway.linking.demographics import Subject
from gateway.linking.links import active_links, golden_of, linked_patient_ids, members
from gateway.linking.tables import link_candidates
from gateway.storage.times import us_to_instant

STATUSES = ("open", "confirmed", "rejected")
_C = link_candidates.c


def _side(subject: Subject | None, patient_id: str) -> dict[str, Any]:
    if subject is None:
        return {"id": patient_id, "reference": f"Patient/{patient_id}"}
    return {"id": patient_id, "reference": f"Patient/{patient_id}", "source": subject.source,
            "name": subject.display_name, "birthDate": subject.birth_date, "gender": subject.gender,
            "postcode": subject.postcodes[0] if subject.postcodes else None, "nhsNumber": subject.nhs}


def candidate_json(row: Any, subjects: dict[str, Subject], goldens: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id, "url": f"/api/links/candidates/{row.id}", "status": row.status, "score": row.score,
        "reasons": orjson.loads(row.reasons),
        "patients": [_side(subjects.get(pid), pid) for pid in (row.patient_a, row.patient_b)],
        "updated": us_to_instant(row.updated_at),
    }
    for side in body["patients"]:
        if goldens and side["id"] in goldens:
            side["golden"] = goldens[side["id"]]
    if row.decided_by:
        body["decidedBy"] = row.decided_by
        body["decided"] = us_to_instant(row.decided_at)
    return body


def _render(conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    ids = {pid for row in rows for pid in (row.patient_a, row.patient_b)}
    subjects = load_subjects(conn, ids)
    goldens = {pid: link.golden_id for pid, link in active_links(conn, ids).items()}
    return [candidate_json(row, subjects, goldens) for row in rows]


def list_candidates(conn: Connection, status: str | None, patient: str | None, offset: int,
                    count: int) -> tuple[list[dict[str, Any]], int]:
    """Candidates, open first then by score (highest first); `patient` narrows to pairs involving
    any record of that person."""
    conds = []
    if status:
        conds.append(_C.status == status)
    if patient:
        ids = linked_patient_ids(conn, patient)
        conds.append(or_(_C.patient_a.in_(ids), _C.patient_b.in_(ids)))
    order = case((_C.status == "open", 0), (_C.status == "rejected", 1), else_=2)
    total = conn.execute(select(func.count()).select_from(link_candidates).where(*conds)).scalar_one()
    rows = conn.execute(select(link_candidates).where(*conds).order_by(order, _C.score.desc(), _C.id)
                        .offset(offset).limit(count)).all()
    return _render(conn, list(rows)), int(total)


def one_candidate(conn: Connection, row: Any) -> dict[str, Any]:
    return _render(conn, [row])[0]


def person_json(conn: Connection, patient_id: str) -> dict[str, Any]:
    """One person as linking sees them: golden id, every linked record with how and by whom, and
    the open candidates that involve any of them."""
    golden = golden_of(conn, patient_id)
    links = members(conn, golden) if golden else []
    subjects = load_subjects(conn, [link.patient_id for link in links] or [patient_id])
    candidates, _ = list_candidates(conn, "open", patient_id, 0, 100)
    return {
        "patient": patient_id,
        "golden": f"Patient/{golden}" if golden else None,
        "patients": linked_patient_ids(conn, patient_id),
        "links": [{**link.as_json(), "at": us_to_instant(link.created_at), "record": _side(
            subjects.get(link.patient_id), link.patient_id)} for link in links],
        "openCandidates": candidates,
    }
