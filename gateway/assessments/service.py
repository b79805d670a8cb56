"""Submitting an integrated assessment: one completed form becomes every Condition, rating
Observation and CarePlan activity it implies, in one write transaction, with the list of what
changed handed to the hooks in the unit of work's context (`WriteContext.deltas`).

The rules and the FHIR shape live in `adapters/omaha`; this module reads what the person has,
runs the extraction, writes the result and works out the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.diff import diff_assessment
from adapters.omaha.questionnaire import QUESTIONNAIRE_URL, extract
from adapters.omaha.to_fhir import reference
from gateway.assessments.records import current_assessment, integrated_care_plan, problem_conditions, read_json
from gateway.assessments.writing import lock_person, put_all, require_patient, response_bundle
from gateway.outcomes import FhirError, conflict, not_found, outcome
from gateway.repository.base import SYSTEM, FhirJson, WriteContext, WriteResult
from gateway.repository.sql import SqlRepository
from gateway.validation import check_id, validate_resource


@dataclass(frozen=True, slots=True)
class Submission:
    """What one submitted assessment wrote (in extraction order: the response first) and changed."""

    patient_id: str
    results: list[WriteResult]
    deltas: list[AssessmentDelta]

    @property
    def response_id(self) -> str:
        return self.results[0].stored.res_id

    def bundle(self, base_url: str) -> FhirJson:
        """The writes as a transaction-response Bundle."""
        return response_bundle(self.results, base_url)


def _unprocessable(text: str, expression: str) -> FhirError:
    return FhirError(outcome("error", "processing", text, [expression]), 422)


def assessment_author(qr: FhirJson, user: str) -> str:
    """Who did the assessment: the form's own `author` reference, else the signed-in user."""
    ref = (qr.get("author") or {}).get("reference")
    return str(ref) if ref else user


def _checked_response(qr: Any, patient_id: str | None) -> FhirJson:
    """The response, validated against R4 and checked to be this form about this person."""
    validate_resource(qr, "QuestionnaireResponse")
    canonical = str(qr.get("questionnaire") or QUESTIONNAIRE_URL).split("|", 1)[0]
    if canonical != QUESTIONNAIRE_URL:
        raise _unprocessable(f"This operation takes responses to {QUESTIONNAIRE_URL}, not {canonical}",
                             "QuestionnaireResponse.questionnaire")
    subject = (qr.get("subject") or {}).get("reference")
    if patient_id is not None and subject not in (None, f"Patient/{patient_id}"):
        raise _unprocessable(f"The response is about {subject}, not Patient/{patient_id}",
                             "QuestionnaireResponse.subject")
    if qr.get("id"):
        check_id(str(qr["id"]))
    return dict(qr)


def _with_author(qr: FhirJson, author: str) -> FhirJson:
    """A response without an author gets the signed-in user (as a display when not a reference)."""
    if qr.get("author"):
        return qr
    return {**qr, "author": reference(author)}


def extraction(conn: Connection, patient_id: str, qr: FhirJson, author: str,
               snapshot: list[FhirJson] | None = None) -> FhirJson:
    """The transaction Bundle the response implies, merged with what the person has on record.
    Raises AssessmentInvalid when the response breaks a rule."""
    before = snapshot if snapshot is not None else current_assessment(conn, patient_id)
    return extract(_with_author(qr, author), f"Patient/{patient_id}", assessment_author(qr, author),
                   integrated_care_plan(before, patient_id), problem_conditions(before))


def _guard_response_id(conn: Connection, qr: FhirJson, patient_id: str) -> None:
    """A response id the client chose must not overwrite another person's response."""
    if not qr.get("id"):
        return
    stored = read_json(conn, "QuestionnaireResponse", str(qr["id"]))
    owner = ((stored or {}).get("subject") or {}).get("reference")
    if stored is not None and owner != f"Patient/{patient_id}":
        raise conflict(f"QuestionnaireResponse/{qr['id']} belongs to another subject; submit it without an id")


def submit_assessment(repo: SqlRepository, patient_id: str, qr: Any, author: str,
                      context: WriteContext = SYSTEM) -> Submission:
    """Write one completed assessment for Patient/`patient_id` in one transaction and return what
    it wrote and changed (the changes also go to the hooks, in the unit's context). 404 for an
    unknown person; AssessmentInvalid (nothing written) when the form breaks a rule."""
    checked = _checked_response(qr, patient_id)
    with repo.writing(replace(context, door="assessment", deltas=[])) as writer:
        conn = writer.conn
        lock_person(conn, patient_id)
        require_patient(writer, patient_id)
        _guard_response_id(conn, checked, patient_id)
        before = current_assessment(conn, patient_id)
        bundle = extraction(conn, patient_id, checked, author, before)
        results = put_all(writer, [entry["resource"] for entry in bundle["entry"]])
        deltas = diff_assessment(before, current_assessment(writer.conn, patient_id))  # flushed first
        writer.note_deltas(patient_id, deltas)
    return Submission(patient_id, results, deltas)


def extract_only(repo: SqlRepository, qr: Any, author: str) -> FhirJson:
    """SDC `$extract`: the Bundle a response would write, without writing it. The person comes
    from `QuestionnaireResponse.subject`."""
    subject = str(((qr or {}).get("subject") or {}).get("reference") or "") if isinstance(qr, dict) else ""
    if not subject.startswith("Patient/"):
        raise _unprocessable("The response needs a subject Patient to extract for", "QuestionnaireResponse.subject")
    patient_id = subject.removeprefix("Patient/")
    checked = _checked_response(qr, patient_id)
    with repo.reading() as conn:
        if read_json(conn, "Patient", patient_id) is None:
            raise not_found(f"Patient/{patient_id} is not known")
        return extraction(conn, patient_id, checked, author)


def assessment_snapshot(repo: SqlRepository, patient_id: str) -> list[FhirJson]:
    """The person's Omaha resources as they stand (for pages and the trend)."""
    with repo.reading() as conn:
        return current_assessment(conn, patient_id)
