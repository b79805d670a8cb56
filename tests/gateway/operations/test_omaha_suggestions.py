"""`Patient/{id}/$omaha-suggestions`: a person with a SystmOne pressure ulcer and a Liquidlogic Care
Act nutrition outcome they cannot achieve is suggested Skin and Nutrition, each citing its source
record; confirming makes the problem with Provenance, dismissing hides it for that record."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.uris import SNOMED, code_system, concept_map
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.operations.omaha_api import changes, named, parts, problem_code, problems, returned_bundle

FhirJson = dict[str, Any]
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def pressure_ulcer(patient_id: str) -> FhirJson:
    """As the SystmOne adapter records a coded problem."""
    return {"resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
            "code": {"coding": [{"system": SNOMED, "code": "399912005", "display": "Pressure ulcer"}]},
            "subject": {"reference": f"Patient/{patient_id}"}, "recordedDate": "2025-12-01"}


def nutrition_outcome(patient_id: str, achieved: bool = False) -> FhirJson:
    """As the Liquidlogic adapter records a Care Act eligibility outcome."""
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": code_system("care-act-outcome"), "code": "managing-nutrition",
                                 "display": "Managing and maintaining nutrition"}]},
            "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": "2025-11-20",
            "valueBoolean": achieved}


def suggestions(fhir: FhirApi, patient_id: str) -> dict[str, dict[str, Any]]:
    """Problem code -> the suggestion's parts."""
    answer = fhir.get(f"Patient/{patient_id}/$omaha-suggestions")
    assert answer.status_code == 200, answer.text
    return {parts(p)["problem"]["code"]: parts(p) for p in named(answer.json(), "suggestion")}


def decide(fhir: FhirApi, patient_id: str, action: str, problem: str, source: str,
           **extra: str) -> Any:
    params = [{"name": "action", "valueCode": action}, {"name": "problem", "valueCode": problem},
              {"name": "source", "valueReference": {"reference": source}}]
    params += [{"name": k, "valueCode": v} for k, v in extra.items()]
    return fhir.post(f"Patient/{patient_id}/$omaha-suggestions", {"resourceType": "Parameters", "parameter": params})


@pytest.fixture
def records(fhir: FhirApi, person: FhirJson) -> tuple[FhirJson, FhirJson]:
    """The person's pressure ulcer and unmet nutrition outcome, stored."""
    return fhir.create(pressure_ulcer(person["id"])), fhir.create(nutrition_outcome(person["id"]))


def test_pressure_ulcer_and_nutrition_outcome_suggest_skin_and_nutrition(
        fhir: FhirApi, person: FhirJson, records: tuple[FhirJson, FhirJson]) -> None:
    ulcer, outcome = records
    found = suggestions(fhir, person["id"])
    assert sorted(found) == ["24", "35"]
    skin, nutrition = found["24"], found["35"]
    assert skin["problem"]["display"] == "Skin"
    assert skin["source"] == {"reference": f"Condition/{ulcer['id']}"}
    assert skin["source-code"]["code"] == "399912005"
    assert skin["concept-map"] == concept_map("snomed-to-omaha")
    assert nutrition["source"] == {"reference": f"Observation/{outcome['id']}"}
    assert nutrition["concept-map"] == concept_map("care-act-outcome-to-omaha")
    assert "not achieved" in nutrition["reason"]


def test_an_outcome_the_person_achieves_suggests_nothing(fhir: FhirApi, person: FhirJson) -> None:
    fhir.create(nutrition_outcome(person["id"], achieved=True))
    assert suggestions(fhir, person["id"]) == {}


def test_records_of_linked_source_patients_are_included(fhir: FhirApi) -> None:
    # A golden Patient linked (seealso) to a SystmOne and a Liquidlogic Patient.
    systmone = fhir.patient("Ashby")
    liquidlogic = fhir.patient("Ashby")
    golden = fhir.patient("Ashby", link=[{"other": {"reference": f"Patient/{systmone['id']}"}, "type": "seealso"},
                                         {"other": {"reference": f"Patient/{liquidlogic['id']}"}, "type": "seealso"}])
    ulcer = fhir.create(pressure_ulcer(systmone["id"]))
    outcome = fhir.create(nutrition_outcome(liquidlogic["id"]))
    found = suggestions(fhir, golden["id"])
    assert {code: s["source"]["reference"] for code, s in found.items()} == {
        "24": f"Condition/{ulcer['id']}", "35": f"Observation/{outcome['id']}"}
    # The source Patient itself only sees its own records.
    assert sorted(suggestions(fhir, systmone["id"])) == ["24"]


def test_confirm_creates_the_problem_with_provenance_to_the_source(
        fhir: FhirApi, person: FhirJson, records: tuple[FhirJson, FhirJson]) -> None:
    ulcer, _ = records
    answer = decide(fhir, person["id"], "confirm", "24", f"Condition/{ulcer['id']}", severity="actual")
    assert answer.status_code == 200, answer.text

    # The Condition: an active Omaha problem 24 for this person, severity as confirmed.
    (condition,) = problems(fhir, person["id"])
    assert problem_code(condition) == "24"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert any(e.get("valueCoding", {}).get("code") == "actual" for e in condition["extension"])

    # The Provenance: targets the Condition, cites the source record and the ConceptMap.
    (provenance,) = [e["resource"] for e in returned_bundle(answer.json())["entry"]
                     if e["resource"]["resourceType"] == "Provenance"]
    stored = fhir.get(f"Provenance/{provenance['id']}").json()
    assert stored["target"] == [{"reference": f"Condition/{condition['id']}"}]
    assert stored["entity"] == [{"role": "source", "what": {"reference": f"Condition/{ulcer['id']}"}}]
    assert stored["policy"] == [concept_map("snomed-to-omaha")]
    assert ("24", "problem", None, "active", None) in changes(answer.json())

    # No longer suggested (it is a problem now); confirming again is refused.
    assert sorted(suggestions(fhir, person["id"])) == ["35"]
    again = decide(fhir, person["id"], "confirm", "24", f"Condition/{ulcer['id']}")
    assert again.status_code == 422
    assert again.json()["issue"][0]["expression"] == ["problem"]


def test_dismiss_hides_the_suggestion_for_that_source_record(
        fhir: FhirApi, person: FhirJson, records: tuple[FhirJson, FhirJson]) -> None:
    _, outcome = records
    answer = decide(fhir, person["id"], "dismiss", "35", f"Observation/{outcome['id']}")
    assert answer.status_code == 200, answer.text
    (basic,) = [e["resource"] for e in returned_bundle(answer.json())["entry"]]
    assert basic["resourceType"] == "Basic"
    assert sorted(suggestions(fhir, person["id"])) == ["24"]
    assert problems(fhir, person["id"]) == []

    # A new record with the same need suggests it again: dismissal is per source record.
    second = fhir.create(nutrition_outcome(person["id"]))
    assert suggestions(fhir, person["id"])["35"]["source"] == {"reference": f"Observation/{second['id']}"}

    # Dismissing twice is harmless (the same Basic, unchanged).
    twice = decide(fhir, person["id"], "dismiss", "35", f"Observation/{outcome['id']}")
    assert twice.status_code == 200
    assert returned_bundle(twice.json())["entry"][0]["response"]["status"] == "200 OK"


@pytest.mark.parametrize(("action", "problem", "source", "status", "expression"), [
    ("confirm", "27", "SOURCE", 422, "source"),  # the record does not suggest Circulation
    ("confirm", "24", "Condition/not-a-record", 422, "source"),
    ("approve", "24", "SOURCE", 422, "action"),
])
def test_bad_decisions_are_refused(fhir: FhirApi, person: FhirJson, records: tuple[FhirJson, FhirJson],
                                   action: str, problem: str, source: str, status: int, expression: str) -> None:
    source = source.replace("SOURCE", f"Condition/{records[0]['id']}")
    answer = decide(fhir, person["id"], action, problem, source)
    assert answer.status_code == status, answer.text
    assert answer.json()["issue"][0]["expression"] == [expression]
    assert problems(fhir, person["id"]) == []


def test_a_decision_needs_its_parameters(fhir: FhirApi, person: FhirJson) -> None:
    answer = fhir.post(f"Patient/{person['id']}/$omaha-suggestions",
                       {"resourceType": "Parameters", "parameter": [{"name": "action", "valueCode": "confirm"}]})
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == ["problem"]


def test_unknown_person_is_404(fhir: FhirApi) -> None:
    assert fhir.get("Patient/nobody-here/$omaha-suggestions").status_code == 404
