"""What one write transaction changed in each person's integrated (Omaha) assessment.

The transaction's WriteEvents carry the before and after of every resource written; a rating
only means something next to its problem and the previous rating, so the person's affected
problems and their most recent ratings are read from the store (inside the transaction, so "after" is
what is about to commit) and "before" is the same set with the written resources put back as
they were. `diff_assessment` then says what changed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.diff import diff_assessment
from adapters.omaha.from_fhir import focus_condition, is_care_plan, is_problem, is_rating, reason_condition
from gateway.repository.base import WriteEvent
from gateway.search.compartment import patient_of
from gateway.storage.index_tables import search_date, search_reference
from gateway.storage.tables import resources

FhirJson = dict[str, Any]
Key = tuple[str, str]
_CHUNK = 1000  # ids per IN list (PostgreSQL)


@dataclass(slots=True)
class AssessmentChange:
    """One person's assessment change in one transaction."""

    patient: str  # "Patient/<id>"
    deltas: list[AssessmentDelta]
    written: list[WriteEvent] = field(default_factory=list)  # the Omaha resources written, in order

    @property
    def problems(self) -> frozenset[str]:
        return frozenset(d.problem_code for d in self.deltas)


def is_omaha(resource: FhirJson | None) -> bool:
    return bool(resource) and (is_problem(resource) or is_rating(resource) or is_care_plan(resource))  # type: ignore[arg-type]


def _before(event: WriteEvent) -> FhirJson | None:
    return orjson.loads(event.before) if event.before else None


def _load(conn: Connection, keys: Iterable[Key]) -> dict[Key, FhirJson]:
    out: dict[Key, FhirJson] = {}
    by_type: dict[str, set[str]] = {}
    for res_type, res_id in keys:
        by_type.setdefault(res_type, set()).add(res_id)
    r = resources.c
    for res_type, ids in by_type.items():
        rows = conn.execute(select(r.res_id, r.content).where(
            r.res_type == res_type, r.res_id.in_(sorted(ids)), r.deleted.is_(False)))
        for row in rows:
            out[(res_type, row.res_id)] = orjson.loads(row.content)
    return out


def _latest_ratings(conn: Connection, condition_ids: set[str], keep: int) -> set[Key]:
    """The `keep` most recent ratings of each problem (by effective date, from the date index):
    enough for both snapshots' latest rating without reading a long rating history.

    Never a join of the reference and date indexes: the planners chose its order from table
    statistics that are missing or stale on a young database (SQLite has none without ANALYZE;
    PostgreSQL's lag behind autovacuum) and paired every Observation reference with every
    Observation date, ~250 ms per write at 1,000 ratings. On SQLite the problem's ratings are an
    IN-subquery, which it can only plan as "those ratings, then each one's date"; on PostgreSQL
    (which may still flatten that into the bad join) two single-table lookups, ranked here.
    Either is linear in the problem's ratings (~2-8 ms at 1,000)."""
    s, d = search_reference.c, search_date.c
    out: set[Key] = set()
    for cid in sorted(condition_ids):
        ratings = select(s.res_id).where(s.res_type == "Observation", s.param == "focus",
                                         s.target_type == "Condition", s.target_id == cid)
        dated = (d.res_type == "Observation", d.param == "date")
        if conn.dialect.name == "sqlite":
            rows = conn.execute(select(d.res_id, func.max(d.low).label("at")).where(*dated, d.res_id.in_(ratings))
                                .group_by(d.res_id).order_by(func.max(d.low).desc()).limit(keep))
            out |= {("Observation", row.res_id) for row in rows}
            continue
        ids = [row.res_id for row in conn.execute(ratings)]
        latest: dict[str, int] = {}
        for start in range(0, len(ids), _CHUNK):
            for row in conn.execute(select(d.res_id, d.low).where(*dated, d.res_id.in_(ids[start:start + _CHUNK]))):
                latest[row.res_id] = max(row.low, latest.get(row.res_id, row.low))
        out |= {("Observation", res_id) for res_id, _ in heapq.nlargest(keep, latest.items(), key=lambda kv: kv[1])}
    return out


def _conditions_touched(resource: FhirJson) -> set[str]:
    if is_problem(resource):
        return {str(resource["id"])}
    if is_rating(resource):
        cid = focus_condition(resource)
        return {cid} if cid else set()
    return {cid for act in resource.get("activity", []) if (cid := reason_condition(act))}


def assessment_changes(conn: Connection, events: list[WriteEvent],
                       worked_out: Sequence[tuple[str, list[AssessmentDelta]]] = ()) -> list[AssessmentChange]:
    """Each person's Omaha changes in `events` (people in order of first write); people whose
    writes changed nothing the assessment shows (a re-save, a typo in a note) are left out.
    Where the assessment service already worked out a person's deltas (`worked_out`, from the
    unit of work's context) those are used instead of diffing again."""
    recorded: dict[str, list[AssessmentDelta]] = {}
    for patient_id, deltas in worked_out:
        recorded.setdefault(f"Patient/{patient_id}", []).extend(deltas)
    by_patient: dict[str, list[tuple[WriteEvent, FhirJson | None]]] = {}
    for event in events:
        if event.res_type not in ("Condition", "Observation", "CarePlan"):
            continue
        before = _before(event)
        shown = event.after or before
        if not is_omaha(shown) and not is_omaha(before):
            continue
        patient = patient_of(shown) or patient_of(before)
        if patient:
            by_patient.setdefault(patient, []).append((event, before))
    out = []
    for patient, written in by_patient.items():
        deltas = recorded[patient] if patient in recorded else _person_deltas(conn, written)
        if deltas:
            out.append(AssessmentChange(patient, deltas, [e for e, _ in written]))
    return out


def _person_deltas(conn: Connection, written: list[tuple[WriteEvent, FhirJson | None]]) -> list[AssessmentDelta]:
    # The problems this transaction touched, and every rating of each.
    conditions: set[str] = set()
    for event, previous in written:
        for resource in (event.after, previous):
            if resource:
                conditions |= _conditions_touched(resource)
    # Each written rating can displace one "latest"; two more cover the latest before and after.
    keep = 2 + sum(1 for e, _ in written if e.res_type == "Observation")
    keys: set[Key] = {("Condition", cid) for cid in conditions} | _latest_ratings(conn, conditions, keep)
    keys |= {(e.res_type, e.res_id) for e, _ in written}
    after = _load(conn, keys)
    before = dict(after)
    # Put the written resources back as they were (first before of each, in case of several writes).
    seen: set[Key] = set()
    for event, previous in written:
        key = (event.res_type, event.res_id)
        if key in seen:
            continue
        seen.add(key)
        if previous is None:
            before.pop(key, None)
        else:
            before[key] = previous
    return diff_assessment(list(before.values()), list(after.values()))
