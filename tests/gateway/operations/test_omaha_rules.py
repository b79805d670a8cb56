"""Every assessment rule rejects a bad form over HTTP with 422 and an OperationOutcome whose issue
names the offending item; nothing from a rejected form is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.omaha.forms import intervention, problem, rating, response, value
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.operations.omaha_api import problems

FhirJson = dict[str, Any]
DAY = "2026-01-05"


def _with_item(form: FhirJson, index: int, item: FhirJson) -> FhirJson:
    form["item"][index]["item"].append(item)
    return form


BAD_FORMS: dict[str, tuple[FhirJson, str, str]] = {
    # rule name: (form, linkId the issue must name, words the message must contain)
    "problem number": (response(DAY, problem("43", severity="potential")), "problem.code", "not an Omaha problem"),
    "scope": (response(DAY, problem("24", severity="potential", scope="street")), "problem.scope", "Scope"),
    "severity": (response(DAY, problem("24", severity="dreadful")), "problem.severity", "Severity"),
    "status": (response(DAY, problem("24", severity="potential", status="inactive")), "problem.status",
               "active or resolved"),
    "signs only when actual": (response(DAY, problem("24", severity="potential", signs=("24.01",))),
                               "problem.signs-symptoms", "only when severity is actual"),
    "sign of another problem": (response(DAY, problem("24", signs=("27.01",))), "problem.signs-symptoms",
                                "belongs to problem 27"),
    "rating range": (response(DAY, problem("24", severity="potential", ratings=(rating(DAY, 6, 2, 2),))),
                     "problem.rating.knowledge", "from 1 to 5"),
    "target without category": (response(DAY, problem("24", severity="potential",
                                                      interventions=(intervention(None, "17", "Dressing"),))),
                                "problem.intervention.category", "needs a category"),
    "unknown target": (response(DAY, problem("24", severity="potential",
                                             interventions=(intervention("02", "99", "Dressing"),))),
                       "problem.intervention.target", "not an intervention target"),
    "same problem twice": (response(DAY, problem("24", severity="potential"), problem("24", severity="actual")),
                           "problem.code", "entered twice"),
}


@pytest.mark.parametrize("rule", sorted(BAD_FORMS))
def test_each_rule_rejects_with_422_naming_the_item(fhir: FhirApi, person: FhirJson, rule: str) -> None:
    form, link_id, words = BAD_FORMS[rule]
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = next(i for i in body["issue"] if f"linkId='{link_id}'" in i["expression"][0])
    assert issue["severity"] == "error"
    assert words in issue["diagnostics"]
    assert issue["expression"][0].startswith("QuestionnaireResponse.item[")
    assert problems(fhir, person["id"]) == []


def test_a_rating_without_any_score_is_refused(fhir: FhirApi, person: FhirJson) -> None:
    empty_rating = {"linkId": "problem.rating", "item": [value("problem.rating.date", "valueDate", DAY)]}
    form = _with_item(response(DAY, problem("24", severity="potential")), 1, empty_rating)
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422, answer.text
    assert "at least one of Knowledge" in answer.json()["issue"][0]["diagnostics"]


def test_an_unknown_link_id_is_refused_rather_than_dropped(fhir: FhirApi, person: FhirJson) -> None:
    form = _with_item(response(DAY, problem("24", severity="potential")), 1,
                      value("problem.colour", "valueString", "red"))
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422, answer.text
    assert any("problem.colour" in (i.get("diagnostics", "") + str(i.get("expression")))
               for i in answer.json()["issue"])


def test_every_broken_item_is_reported_at_once(fhir: FhirApi, person: FhirJson) -> None:
    form = response(DAY, problem("43", severity="potential"),
                    problem("24", severity="potential", signs=("24.01",)))
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422
    named = [i["expression"][0] for i in answer.json()["issue"]]
    assert any("item[1]" in e and "problem.code" in e for e in named)
    assert any("item[2]" in e and "problem.signs-symptoms" in e for e in named)


def test_a_response_to_another_questionnaire_is_refused(fhir: FhirApi, person: FhirJson) -> None:
    form = response(DAY, problem("24", severity="potential")) | {
        "questionnaire": "https://care-gateway.example/fhir/Questionnaire/something-else"}
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["QuestionnaireResponse.questionnaire"]


def test_a_structurally_invalid_response_is_refused_before_the_rules(fhir: FhirApi, person: FhirJson) -> None:
    form = response(DAY, problem("24", severity="potential")) | {"status": "half-done"}
    answer = fhir.post(f"Patient/{person['id']}/$omaha-assessment", form)
    assert answer.status_code in (400, 422), answer.text
    assert any("status" in str(i.get("expression")) for i in answer.json()["issue"])

