"""Suggested Omaha problems for a person, and a person's decision on one: confirm (it becomes a
problem Condition with a Provenance citing the source record) or dismiss (a Basic remembering it,
so the same source record does not suggest it again).

The mapping logic is `adapters/omaha/suggestions.py`; this module gathers the person's records,
dismissals and current problems, and writes the decision in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection

from adapters.codemaps import CodeMaps, default_maps
from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.diff import diff_assessment
from adapters.omaha.suggestions import Suggestion, confirm, dismissal, suggest
from adapters.omaha.vocabulary import vocabulary
from gateway.assessments.records import (
    active_problem_codes,
    current_assessment,
    dismissed_among,
    read_json,
    records_for_person,
)
from gateway.assessments.writing import lock_person, put_all, require_patient, response_bundle
from gateway.outcomes import FhirError, not_found, outcome
from gateway.repository.base import SYSTEM, FhirJson, WriteContext, WriteResult
from gateway.repository.sql import SqlRepository

ACTIONS = ("confirm", "dismiss")


@dataclass(frozen=True, slots=True)
class Decision:
    """What confirming or dismissing a suggestion wrote, and (for a confirmation) what changed."""

    action: str
    suggestion: Suggestion
    results: list[WriteResult]
    deltas: list[AssessmentDelta]

    def bundle(self, base_url: str) -> FhirJson:
        return response_bundle(self.results, base_url)


def _unprocessable(text: str, parameter: str, code: str = "processing") -> FhirError:
    return FhirError(outcome("error", code, text, [parameter]), 422)


def suggestions_in(conn: Connection, patient_id: str, maps: CodeMaps | None = None) -> list[Suggestion]:
    """Open suggestions for the person: not already an active problem, not dismissed."""
    records, maps = records_for_person(conn, patient_id), maps or default_maps()
    existing = active_problem_codes(current_assessment(conn, patient_id))
    dismissed = dismissed_among(conn, patient_id, suggest(records, maps, set(), existing))
    return suggest(records, maps, dismissed, existing)


def person_suggestions(repo: SqlRepository, patient_id: str, maps: CodeMaps | None = None) -> list[Suggestion]:
    """Open suggestions for Patient/`patient_id` (404 for an unknown person)."""
    with repo.reading() as conn:
        if read_json(conn, "Patient", patient_id) is None:
            raise not_found(f"Patient/{patient_id} is not known")
        return suggestions_in(conn, patient_id, maps)


def _candidate(conn: Connection, patient_id: str, problem_code: str, source: str, maps: CodeMaps) -> Suggestion:
    """The suggestion the decision is about, whether or not it was dismissed before (a person may
    change their mind)."""
    for found in suggest(records_for_person(conn, patient_id), maps, set(), set()):
        if found.key == (source, problem_code):
            return found
    raise _unprocessable(f"{source} does not suggest Omaha problem {problem_code} for Patient/{patient_id} "
                         "(not one of the person's records, or no code map relates its code to that problem)",
                         "source")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(repo: SqlRepository, patient_id: str, action: str, problem_code: str, source: str, author: str,
           scope: str = "individual", severity: str = "potential", when: str | None = None,
           maps: CodeMaps | None = None, context: WriteContext = SYSTEM) -> Decision:
    """Confirm or dismiss the suggestion of `problem_code` from the record `source`, in one write
    transaction. Confirming a problem the person already has active is refused (422): it would
    replace the problem's recorded detail."""
    if action not in ACTIONS:
        raise _unprocessable(f"action must be confirm or dismiss, not {action!r}", "action", "value")
    v = vocabulary()
    if scope not in v.scopes:
        raise _unprocessable(f"Scope {scope!r} is not one of {', '.join(v.scopes)}", "scope", "value")
    if severity not in v.severities:
        raise _unprocessable(f"Severity {severity!r} is not one of {', '.join(v.severities)}", "severity", "value")
    at = when or _now()
    patient_ref = f"Patient/{patient_id}"
    with repo.writing(replace(context, door="assessment", deltas=[])) as writer:
        conn = writer.conn
        lock_person(conn, patient_id)
        require_patient(writer, patient_id)
        found = _candidate(conn, patient_id, problem_code, source, maps or default_maps())
        before = current_assessment(conn, patient_id)
        if action == "dismiss":
            return Decision(action, found, put_all(writer, [dismissal(found, patient_ref, author, at)]), [])
        if problem_code in active_problem_codes(before):
            raise _unprocessable(f"Problem {problem_code} {found.problem_name} is already an active problem of "
                                 f"{patient_ref}; update it through the assessment instead", "problem",
                                 "business-rule")
        results = put_all(writer, confirm(found, patient_ref, author, at, scope, severity))
        deltas = diff_assessment(before, current_assessment(writer.conn, patient_id))  # flushed first
        writer.note_deltas(patient_id, deltas)
    return Decision(action, found, results, deltas)
