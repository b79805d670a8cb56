"""A person's integrated assessment read for display: current problems with their ratings and
interventions, the K/B/S trend per problem, and the open suggestions. What the pages call, and
what `$omaha-trend` serves."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.omaha.from_fhir import assessment
from adapters.omaha.model import Assessment
from adapters.omaha.suggestions import Suggestion
from adapters.omaha.trend import ProblemTrend, trend
from gateway.assessments.records import current_assessment, problem_conditions, read_json
from gateway.assessments.suggestions import suggestions_in
from gateway.outcomes import not_found
from gateway.repository.sql import SqlRepository


@dataclass(frozen=True, slots=True)
class PersonAssessment:
    """Everything the person's assessment page shows."""

    patient_id: str
    assessment: Assessment  # problems (with ratings oldest first, and interventions)
    trends: list[ProblemTrend]  # per problem, in problem-number order
    suggestions: list[Suggestion]  # open ones: not active, not dismissed


def person_trend(repo: SqlRepository, patient_id: str) -> list[ProblemTrend]:
    """Per problem, the Knowledge/Behavior/Status ratings over time (404 for an unknown person)."""
    with repo.reading() as conn:
        if read_json(conn, "Patient", patient_id) is None:
            raise not_found(f"Patient/{patient_id} is not known")
        snapshot = current_assessment(conn, patient_id)
    return trend(snapshot, problem_conditions(snapshot))


def person_assessment(repo: SqlRepository, patient_id: str) -> PersonAssessment:
    """The person's assessment, trend and suggestions, read in one go (404 for an unknown person)."""
    with repo.reading() as conn:
        if read_json(conn, "Patient", patient_id) is None:
            raise not_found(f"Patient/{patient_id} is not known")
        snapshot = current_assessment(conn, patient_id)
        open_suggestions = suggestions_in(conn, patient_id)
    return PersonAssessment(
        patient_id=patient_id,
        assessment=assessment(snapshot, f"Patient/{patient_id}"),
        trends=trend(snapshot, problem_conditions(snapshot)),
        suggestions=open_suggestions,
    )
