"""Suggested problems from SystmOne and Liquidlogic records, each citing its source record, and
what confirming or dismissing one writes."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from adapters.codemaps import default_maps
from adapters.omaha.suggestions import confirm, dismissal, dismissed_keys, suggest, unmet_outcome
from adapters.uris import CTV3, SNOMED, code_system, concept_map

PATIENT = "Patient/omaha-test-3"
FhirJson = dict[str, Any]


def pressure_ulcer() -> FhirJson:
    return {"resourceType": "Condition", "id": "s1-problem-1",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": CTV3, "code": "XE1BP", "display": "Decubitus ulcer"},
                                {"system": SNOMED, "code": "399912005", "display": "Pressure ulcer"}]},
            "subject": {"reference": "Patient/s1-1"}}


def nutrition_outcome(value: FhirJson) -> FhirJson:
    return {"resourceType": "Observation", "id": "ll-outcome-1", "status": "final",
            "code": {"coding": [{"system": code_system("care-act-outcome"), "code": "managing-nutrition",
                                 "display": "Managing and maintaining nutrition"}]},
            "subject": {"reference": "Patient/ll-1"}, **value}


def test_pressure_ulcer_and_nutrition_outcome_suggest_skin_and_nutrition() -> None:
    found = suggest([pressure_ulcer(), nutrition_outcome({"valueBoolean": False})], default_maps(), set(), set())
    assert [(s.problem_code, s.problem_name, s.source_reference) for s in found] == [
        ("24", "Skin", "Condition/s1-problem-1"), ("35", "Nutrition", "Observation/ll-outcome-1")]
    skin, nutrition = found
    assert skin.concept_map in {concept_map("ctv3-to-omaha"), concept_map("snomed-to-omaha")}
    assert skin.source_coding["code"] in {"XE1BP", "399912005"}
    assert nutrition.concept_map == concept_map("care-act-outcome-to-omaha")
    assert "not achieved" in nutrition.reason and "Observation/ll-outcome-1" in nutrition.reason


def test_only_outcomes_the_person_cannot_achieve_are_needs() -> None:
    cannot = {"valueCodeableConcept": {"coding": [{"system": code_system("care-act-achievement"),
                                                   "code": "cannot-achieve"}]}}
    assert unmet_outcome(nutrition_outcome(cannot))
    assert unmet_outcome(nutrition_outcome({"valueCodeableConcept": {"text": "Unable to achieve"}}))
    assert not unmet_outcome(nutrition_outcome({"valueBoolean": True}))
    can = {"valueCodeableConcept": {"coding": [{"code": "can-achieve", "display": "Can achieve"}]}}
    assert suggest([nutrition_outcome(can)], default_maps(), set(), set()) == []


def test_existing_dismissed_and_resolved_are_left_out() -> None:
    resolved = pressure_ulcer() | {"clinicalStatus": {"coding": [{"code": "resolved"}]}}
    assert suggest([resolved], default_maps(), set(), set()) == []
    assert suggest([pressure_ulcer()], default_maps(), set(), {"24"}) == []
    (only,) = suggest([pressure_ulcer()], default_maps(), set(), set())
    assert suggest([pressure_ulcer()], default_maps(), {only.key}, set()) == []


def test_primary_support_reason_suggests() -> None:
    psr = {"resourceType": "Condition", "id": "ll-psr-1",
           "code": {"coding": [{"system": code_system("primary-support-reason"), "code": "memory-cognition"}]}}
    (s,) = suggest([psr], default_maps(), set(), set())
    assert (s.problem_code, s.problem_name) == ("21", "Cognition")


def test_confirm_makes_a_problem_with_provenance_to_the_source() -> None:
    (s,) = suggest([pressure_ulcer()], default_maps(), set(), set())
    cond, prov = confirm(s, PATIENT, "Practitioner/nurse-1", "2026-01-12", severity="actual")
    get_fhir_model_class("Condition").model_validate(cond)
    get_fhir_model_class("Provenance").model_validate(prov)
    assert cond["code"]["coding"][0]["code"] == "24"
    assert prov["target"] == [{"reference": f"Condition/{cond['id']}"}]
    assert prov["entity"] == [{"role": "source", "what": {"reference": "Condition/s1-problem-1"}}]
    assert prov["policy"] == [s.concept_map]


def test_dismissal_round_trips_and_stops_the_suggestion() -> None:
    (s,) = suggest([pressure_ulcer()], default_maps(), set(), set())
    stored = dismissal(s, PATIENT, "Practitioner/nurse-1", "2026-01-12")
    get_fhir_model_class("Basic").model_validate(stored)
    keys = dismissed_keys([stored])
    assert keys == {("Condition/s1-problem-1", "24")}
    assert suggest([pressure_ulcer()], default_maps(), keys, set()) == []
