"""The outbound HealthAndWellbeingUpdate: validated against its schema, review suggested only
when the change bears on a Care Act outcome, typed errors on bad input."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from adapters.liquidlogic.errors import UpdateDocumentError
from adapters.liquidlogic.from_fhir import Author, build_update, validate_update
from adapters.omaha.changes import AssessmentDelta
from tests.adapters.liquidlogic.helpers import FIXTURES, read, store

WHEN = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)
NURSE = Author("Claire Pettit", "555000001004", "Community Nurse")


@pytest.fixture(scope="module")
def margaret() -> tuple[dict, list[dict]]:
    resources = store(read(FIXTURES / "export-small"))
    patient = next(r for (t, _), r in resources.items() if t == "Patient" and r["identifier"][0]["value"] == "400101")
    qr = next(
        r for (t, _), r in resources.items() if t == "QuestionnaireResponse" and r["identifier"]["value"] == "CAA-5002"
    )
    encounter = next(
        r for (t, _), r in resources.items() if t == "Encounter" and r["identifier"][0]["value"] == "ASM-5002"
    )
    return patient, [encounter, qr]


def _rating(code: str, name: str, direction: str, old: str, new: str) -> AssessmentDelta:
    return AssessmentDelta(code, name, "status", old, new, direction)


def test_worse_status_on_an_unmet_outcome_suggests_review(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    doc = build_update(
        patient,
        [_rating("35", "Nutrition", "worsened", "3 - Moderate signs/symptoms", "2 - Severe signs/symptoms")],
        NURSE,
        WHEN,
        assessment,
    )
    assert doc["review"]["suggested"] is True
    assert "managing and maintaining nutrition" in doc["review"]["reasons"][0]
    assert doc["changes"][0]["care_act_outcomes"][0] == {
        "code": "managing-nutrition",
        "display": "Managing and maintaining nutrition",
        "assessed_as": "cannot-achieve",
    }
    assert doc["related_assessment"]["Event_Reference"] == "ASM-5002"
    assert "Margaret Holloway" in doc["summary"] and "A review looks due" in doc["summary"]


def test_improvement_or_unlinked_problem_suggests_no_review(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    deltas = [
        _rating("35", "Nutrition", "improved", "2 - Severe signs/symptoms", "3 - Moderate signs/symptoms"),
        _rating("27", "Circulation", "worsened", "4 - Minimal signs/symptoms", "3 - Moderate signs/symptoms"),
    ]
    doc = build_update(patient, deltas, NURSE, WHEN, assessment)
    assert doc["review"] == {"suggested": False, "reasons": []}
    assert "No review looks due" in doc["summary"]


def test_marked_worsening_on_an_achievable_outcome_flags_a_possible_new_need(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    doc = build_update(
        patient, [AssessmentDelta("30", "Urinary function", "problem", None, "active")], NURSE, WHEN, assessment
    )
    assert doc["review"]["suggested"] and "new eligible need" in doc["review"]["reasons"][0]


def test_without_an_assessment_a_linked_worsening_suggests_one(margaret: tuple[dict, list[dict]]) -> None:
    patient, _ = margaret
    doc = build_update(
        patient,
        [_rating("38", "Personal care", "worsened", "3 - Moderate signs/symptoms", "2 - Severe signs/symptoms")],
        NURSE,
        WHEN,
        None,
    )
    assert doc["related_assessment"] is None
    assert "consider an assessment" in doc["review"]["reasons"][0]


def test_an_old_assessment_is_due_a_review(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    later = datetime(2026, 9, 1, tzinfo=UTC)
    doc = build_update(patient, [_rating("35", "Nutrition", "improved", "2 - x", "3 - y")], NURSE, later, assessment)
    assert doc["review"]["reasons"] == ["The last assessment (21 Jul 2025) is over a year old."]


def test_event_reference_is_new_per_change_and_stable_per_retry(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    delta = [_rating("35", "Nutrition", "worsened", "3 - a", "2 - b")]
    one = build_update(patient, delta, NURSE, WHEN, assessment)
    assert one == build_update(patient, delta, NURSE, WHEN, assessment)
    other = build_update(patient, delta, NURSE, datetime(2025, 11, 4, tzinfo=UTC), assessment)
    assert one["Event_Reference"] != other["Event_Reference"]


def test_bad_inputs_raise_typed_errors(margaret: tuple[dict, list[dict]]) -> None:
    patient, assessment = margaret
    delta = [_rating("35", "Nutrition", "worsened", "3 - a", "2 - b")]
    with pytest.raises(UpdateDocumentError):
        build_update(patient, [], NURSE, WHEN, assessment)
    with pytest.raises(UpdateDocumentError):
        build_update(patient, delta, NURSE, datetime(2025, 11, 3), assessment)
    with pytest.raises(UpdateDocumentError):
        build_update({"resourceType": "Patient", "identifier": []}, delta, NURSE, WHEN, assessment)
    doc = build_update(patient, delta, NURSE, WHEN, assessment)
    broken = copy.deepcopy(doc)
    broken["review"] = {"suggested": True, "reasons": []}
    with pytest.raises(UpdateDocumentError, match="review"):
        validate_update(broken)
    broken = copy.deepcopy(doc)
    broken["changes"][0]["problem"]["code"] = "7"
    with pytest.raises(UpdateDocumentError):
        validate_update(broken)


def test_observations_alone_give_the_unmet_outcomes(margaret: tuple[dict, list[dict]]) -> None:
    patient, _ = margaret
    resources = store(read(FIXTURES / "export-small"))
    outcomes = [
        r
        for (t, _), r in resources.items()
        if t == "Observation" and r["category"][0]["coding"][0]["code"] == "care-act-outcome"
    ]
    encounter = next(
        r for (t, _), r in resources.items() if t == "Encounter" and r["identifier"][0]["value"] == "ASM-5002"
    )
    doc = build_update(
        patient, [_rating("38", "Personal care", "worsened", "3 - a", "2 - b")], NURSE, WHEN, [encounter, *outcomes]
    )
    assert [o["code"] for o in doc["related_assessment"]["unmet_outcomes"]] == [
        "managing-nutrition",
        "maintaining-personal-hygiene",
        "being-appropriately-clothed",
        "using-community-facilities",
    ]
