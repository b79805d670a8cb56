"""`Patient/{id}/$omaha-assessment` end to end: one form writes the problems, ratings and care plan
in one go; a month later the same problems are updated and the trend shows both ratings."""

from __future__ import annotations

from typing import Any

from adapters.omaha import ids
from tests.adapters.omaha.forms import problem, rating, response, three_problems
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.operations.omaha_api import (
    care_plans,
    changes,
    named,
    parts,
    problem_code,
    problems,
    ratings,
    returned_bundle,
)

FhirJson = dict[str, Any]


def submit(fhir: FhirApi, patient_id: str, form: FhirJson) -> FhirJson:
    answer = fhir.post(f"Patient/{patient_id}/$omaha-assessment", form)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_three_problems_create_conditions_ratings_and_care_plan(fhir: FhirApi, person: FhirJson) -> None:
    # Submit the first assessment: skin, nutrition, circulation, with ratings and interventions.
    result = submit(fhir, person["id"], three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)))

    # The answer: the transaction-response Bundle, response first, every entry created.
    bundle = returned_bundle(result)
    assert bundle["type"] == "transaction-response"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "QuestionnaireResponse"
    assert sorted(kinds[1:]) == ["CarePlan", "Condition", "Condition", "Condition",
                                 "Observation", "Observation", "Observation"]
    assert {e["response"]["status"] for e in bundle["entry"]} == {"201 Created"}

    # Stored and searchable by patient: one Condition per problem, with its deterministic id.
    conditions = problems(fhir, person["id"])
    assert sorted(problem_code(c) for c in conditions) == ["24", "27", "35"]
    skin = next(c for c in conditions if problem_code(c) == "24")
    assert skin["id"] == ids.condition_id(f"Patient/{person['id']}", "24", "individual")
    assert skin["evidence"][0]["code"][0]["coding"][0]["code"] == "24.01"

    # One rating Observation per problem, tied to its problem, with K/B/S components.
    observations = ratings(fhir, person["id"])
    assert sorted(o["focus"][0]["reference"] for o in observations) == sorted(f"Condition/{c['id']}"
                                                                             for c in conditions)
    skin_rating = next(o for o in observations if o["focus"][0]["reference"] == f"Condition/{skin['id']}")
    assert sorted((c["code"]["coding"][0]["code"], c["valueInteger"]) for c in skin_rating["component"]) == [
        ("behavior", 2), ("knowledge", 2), ("status", 2)]

    # The integrated care plan: four activities, each for its problem.
    (plan,) = care_plans(fhir, person["id"])
    reasons = sorted(a["detail"]["reasonReference"][0]["reference"] for a in plan["activity"])
    assert reasons == sorted([f"Condition/{skin['id']}"] * 2 + [f"Condition/{c['id']}" for c in conditions
                                                                if c["id"] != skin["id"]])
    # The response itself is stored, about this person.
    qr = fhir.get(f"QuestionnaireResponse/{bundle['entry'][0]['resource']['id']}").json()
    assert qr["subject"] == {"reference": f"Patient/{person['id']}"}

    # The changes name each new problem and its first ratings.
    found = changes(result)
    assert {(code, aspect) for code, aspect, *_ in found} >= {
        ("24", "problem"), ("35", "problem"), ("27", "problem"), ("24", "knowledge"), ("27", "status")}


def test_a_month_later_updates_the_same_problems_and_the_trend_shows_both(fhir: FhirApi,
                                                                         person: FhirJson) -> None:
    # Admission, then a review a month later with better skin ratings.
    submit(fhir, person["id"], three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)))
    first_ids = sorted(c["id"] for c in problems(fhir, person["id"]))
    second = submit(fhir, person["id"], three_problems("2026-02-05", (3, 4, 3), (3, 3, 3), (3, 2, 1)))

    # Still three problems (same Conditions), now two rating Observations each, one care plan.
    assert sorted(c["id"] for c in problems(fhir, person["id"])) == first_ids
    assert len(ratings(fhir, person["id"])) == 6
    assert len(care_plans(fhir, person["id"])) == 1

    # The changes: skin improved on every scale, circulation status worsened, nutrition unchanged.
    found = {(code, aspect): direction for code, aspect, _old, _new, direction in changes(second)}
    assert found[("24", "knowledge")] == "improved"
    assert found[("24", "behavior")] == "improved"
    assert found[("27", "status")] == "worsened"
    assert not any(code == "35" for code, _aspect in found)

    # The trend: per problem, both dates oldest first, and the change from first to latest.
    trend = fhir.get(f"Patient/{person['id']}/$omaha-trend")
    assert trend.status_code == 200, trend.text
    by_problem = {parts(p)["problem"]["code"]: parts(p) for p in named(trend.json(), "problem")}
    assert sorted(by_problem) == ["24", "27", "35"]
    skin = by_problem["24"]
    assert [(r[0]["valueDate"], [x["valueInteger"] for x in r[1:]])
            for r in (point["part"] for point in _ratings(trend.json(), "24"))] == [
        ("2026-01-05", [2, 2, 2]), ("2026-02-05", [3, 4, 3])]
    assert {p["name"]: p["valueInteger"] for p in skin["change"]["part"]} == {
        "knowledge": 1, "behavior": 2, "status": 1}
    assert {p["name"]: p["valueInteger"] for p in by_problem["27"]["change"]["part"]}["status"] == -1


def _ratings(trend: FhirJson, code: str) -> list[FhirJson]:
    for p in named(trend, "problem"):
        if parts(p)["problem"]["code"] == code:
            return [part for part in p["part"] if part["name"] == "rating"]
    raise AssertionError(f"no problem {code} in the trend")


def test_submitting_the_same_form_again_changes_nothing(fhir: FhirApi, person: FhirJson) -> None:
    form = three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2))
    submit(fhir, person["id"], form)
    again = submit(fhir, person["id"], form)
    assert {e["response"]["status"] for e in returned_bundle(again)["entry"]} == {"200 OK"}
    assert {e["resource"]["meta"]["versionId"] for e in returned_bundle(again)["entry"]} == {"1"}
    assert changes(again) == []


def test_resolving_a_problem_in_a_later_form_keeps_other_problems(fhir: FhirApi, person: FhirJson) -> None:
    submit(fhir, person["id"], three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)))
    later = submit(fhir, person["id"], response("2026-03-01", problem("24", severity="potential",
                                                                      status="resolved",
                                                                      ratings=(rating("2026-03-01", 4, 4, 5),))))
    statuses = {problem_code(c): c["clinicalStatus"]["coding"][0]["code"] for c in problems(fhir, person["id"])}
    assert statuses == {"24": "resolved", "27": "active", "35": "active"}
    assert ("24", "problem", "active", "resolved", None) in changes(later)


def test_the_form_can_come_inside_parameters(fhir: FhirApi, person: FhirJson) -> None:
    form = three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2))
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment",
                       {"resourceType": "Parameters", "parameter": [{"name": "response", "resource": form}]})
    assert answer.status_code == 200, answer.text
    assert len(problems(fhir, person["id"])) == 3


def test_unknown_person_is_404_and_nothing_is_written(fhir: FhirApi) -> None:
    answer = fhir.post("Patient/nobody-here/$omaha-assessment",
                       three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)))
    assert answer.status_code == 404, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert fhir.search("Condition?subject=Patient/nobody-here")["total"] == 0


def test_a_response_about_someone_else_is_refused(fhir: FhirApi, person: FhirJson) -> None:
    form = three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)) | {"subject": {"reference": "Patient/x"}}
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422, answer.text
    assert answer.json()["issue"][0]["expression"] == ["QuestionnaireResponse.subject"]


def test_get_is_not_allowed(fhir: FhirApi, person: FhirJson) -> None:
    answer = fhir.get(f"Patient/{person['id']}/$omaha-assessment")
    assert answer.status_code == 405
    assert answer.json()["resourceType"] == "OperationOutcome"
