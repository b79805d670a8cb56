"""Finding a person's resources on an open connection: their Omaha assessment as it stands, and the
source records that suggestions are drawn from.

Everything goes through the search index (`parse_search` + `execute_search`), so it sees writes
made earlier in the same transaction: the service reads the after-snapshot this way.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, false, select

from adapters.omaha import ids
from adapters.omaha.from_fhir import is_care_plan, is_problem, problem
from adapters.omaha.suggestions import Suggestion, dismissed_keys
from adapters.omaha.vocabulary import RECORD
from gateway.search.params import parse_search
from gateway.search.sql import execute_search
from gateway.settings import get_settings
from gateway.storage.tables import resources

FhirJson = dict[str, Any]


def find_all(conn: Connection, res_type: str, params: list[tuple[str, str]]) -> list[FhirJson]:
    """Every current resource of `res_type` matching `params`, following the paging cursor to the end."""
    page_size = str(get_settings().max_page_size)
    base = [*params, ("_count", page_size), ("_total", "none")]
    out: list[FhirJson] = []
    cursor: str | None = None
    while True:
        query = base if cursor is None else [*base, ("_cursor", cursor)]
        page = execute_search(conn, parse_search(res_type, query, base_url="", strict=True))
        out.extend(orjson.loads(content) for (_t, _i, _v, content) in page.entries if content)
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


def read_json(conn: Connection, res_type: str, res_id: str) -> FhirJson | None:
    """The current version of one resource, or None when it is absent or deleted."""
    r = resources.c
    row = conn.execute(
        select(r.content).where(r.res_type == res_type, r.res_id == res_id, r.deleted == false())
    ).first()
    return orjson.loads(row.content) if row is not None and row.content else None


def current_assessment(conn: Connection, patient_id: str) -> list[FhirJson]:
    """The person's Omaha resources as stored: problem Conditions, rating Observations and the
    integrated CarePlan (the snapshot `diff_assessment` and `trend` work on)."""
    subject = ("subject", f"Patient/{patient_id}")
    conditions = find_all(conn, "Condition", [subject, ("category", f"{RECORD}|problem")])
    ratings = find_all(conn, "Observation", [subject, ("code", f"{RECORD}|kbs-rating")])
    plans = find_all(conn, "CarePlan", [subject, ("category", f"{RECORD}|integrated-care-plan")])
    return [*conditions, *ratings, *[p for p in plans if is_care_plan(p)]]


def integrated_care_plan(snapshot: list[FhirJson], patient_id: str) -> FhirJson | None:
    """The person's one integrated CarePlan (deterministic id) from a snapshot."""
    wanted = ids.care_plan_id(f"Patient/{patient_id}")
    return next((r for r in snapshot if r.get("resourceType") == "CarePlan" and r.get("id") == wanted), None)


def problem_conditions(snapshot: list[FhirJson]) -> list[FhirJson]:
    return [r for r in snapshot if is_problem(r)]


def active_problem_codes(snapshot: list[FhirJson]) -> set[str]:
    """Problem numbers the person has as active problems (any scope)."""
    return {p.code for p in (problem(c) for c in problem_conditions(snapshot)) if p.status == "active"}


def linked_patients(conn: Connection, patient_id: str) -> list[str]:
    """The person's Patient ids: this one, then every source Patient its `link` names as `seealso`
    (how the golden Patient of person linking points at the source systems' Patients)."""
    out = [patient_id]
    patient = read_json(conn, "Patient", patient_id) or {}
    for link in patient.get("link") or []:
        ref = str((link.get("other") or {}).get("reference") or "")
        if link.get("type") == "seealso" and ref.startswith("Patient/"):
            other = ref.removeprefix("Patient/")
            if other not in out:
                out.append(other)
    return out


def records_for_person(conn: Connection, patient_id: str) -> list[FhirJson]:
    """The source records suggestions are made from: every Condition and Observation of the
    person's Patients (see `linked_patients`). Extend here when person linking adds other routes."""
    subjects = ",".join(f"Patient/{pid}" for pid in linked_patients(conn, patient_id))
    return [*find_all(conn, "Condition", [("subject", subjects)]),
            *find_all(conn, "Observation", [("subject", subjects)])]


def dismissed_among(conn: Connection, patient_id: str, candidates: list[Suggestion]) -> set[tuple[str, str]]:
    """Which of these suggestions the person's team has dismissed. Dismissal Basics have
    deterministic ids (person, source record, problem), so this reads them by id: no search on
    Basic is needed (the search registry does not index Basic)."""
    patient_ref = f"Patient/{patient_id}"
    wanted = sorted({ids.dismissal_id(patient_ref, s.source_reference, s.problem_code) for s in candidates})
    if not wanted:
        return set()
    r = resources.c
    rows = conn.execute(select(r.content).where(r.res_type == "Basic", r.res_id.in_(wanted), r.deleted == false()))
    return dismissed_keys([orjson.loads(row.content) for row in rows if row.content])
