"""Each assessment rule rejects a bad form with an OperationOutcome naming the item at fault."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from adapters.omaha.model import Assessment, Intervention, Problem, Rating
from adapters.omaha.questionnaire import extract
from adapters.omaha.rules import AssessmentInvalid, check, validate
from tests.adapters.omaha.forms import intervention, problem, rating, response, value

PATIENT = "Patient/omaha-test-2"


def _rejected(form: dict[str, Any]) -> AssessmentInvalid:
    with pytest.raises(AssessmentInvalid) as err:
        extract(form, PATIENT, "Practitioner/nurse-1")
    get_fhir_model_class("OperationOutcome").model_validate(err.value.operation_outcome())
    return err.value


def test_signs_symptoms_only_with_severity_actual() -> None:
    err = _rejected(response("2026-01-10", problem("24", severity="potential", signs=("24.01",))))
    (v,) = err.violations
    assert v.link_id == "problem.signs-symptoms"
    assert v.expression == "QuestionnaireResponse.item[1].item.where(linkId='problem.signs-symptoms')"
    assert "only when severity is actual" in v.message
    assert err.operation_outcome()["issue"][0]["expression"] == [v.expression]


def test_sign_symptom_of_another_problem_is_rejected() -> None:
    err = _rejected(response("2026-01-10", problem("24", signs=("27.01",))))
    assert "belongs to problem 27 Circulation" in err.violations[0].message


@pytest.mark.parametrize("score", [0, 6, 7])
def test_ratings_must_be_1_to_5(score: int) -> None:
    bad = rating("2026-01-10", 3, score, 3)
    err = _rejected(response("2026-01-10", problem("24", signs=("24.01",), ratings=(bad,))))
    (v,) = err.violations
    assert v.link_id == "problem.rating.behavior"
    assert v.expression == ("QuestionnaireResponse.item[1].item[4].item.where(linkId='problem.rating.behavior')")
    assert "from 1 to 5" in v.message


def test_fractional_rating_is_rejected_while_reading() -> None:
    form = response("2026-01-10", problem("24", signs=("24.01",), ratings=(rating("2026-01-10", 3, 3, 3),)))
    form["item"][1]["item"][4]["item"][1] = value("problem.rating.knowledge", "valueDecimal", 2.5)
    (v,) = _rejected(form).violations
    assert v.link_id == "problem.rating.knowledge"
    assert v.expression == "QuestionnaireResponse.item[1].item[4].item[1]"


def test_target_only_with_a_category() -> None:
    err = _rejected(response("2026-01-10", problem("24", signs=("24.01",), interventions=(
        intervention(None, "17", "Dressing"),))))
    (v,) = err.violations
    assert v.link_id == "problem.intervention.category"
    assert "needs a category" in v.message


def test_no_two_active_entries_for_the_same_problem_and_scope() -> None:
    err = _rejected(response("2026-01-10", problem("24", signs=("24.01",)), problem("24", severity="potential")))
    (v,) = err.violations
    assert v.expression == "QuestionnaireResponse.item[2].item.where(linkId='problem.code')"
    assert "entered twice" in v.message


def test_same_problem_in_another_scope_or_resolved_is_fine() -> None:
    form = response("2026-01-10", problem("24", signs=("24.01",)), problem("24", severity="potential", scope="family"),
                    problem("24", severity="potential", status="resolved"))
    assert extract(form, PATIENT, "Practitioner/nurse-1")["type"] == "transaction"


def test_unknown_codes_and_items_are_named() -> None:
    form = response("2026-01-10", problem("43"))
    form["item"].append({"linkId": "probelm", "item": []})
    messages = {v.link_id: v.message for v in _rejected(form).violations}
    assert "not an Omaha problem number" in messages["problem.code"]
    assert "not an item" in messages["probelm"]


def test_model_built_in_code_gets_model_paths() -> None:
    assessment = Assessment(PATIENT, "2026-01-10", problems=[
        Problem("27", severity="health-promotion", signs_symptoms=["27.01"],
                interventions=[Intervention(category="09", target="62")],
                ratings=[Rating("2026-01-10", knowledge=5, behavior=5, status=9)]),
    ])
    found = {v.expression for v in check(assessment)}
    assert found == {"problems[0].signs_symptoms", "problems[0].interventions[0].category",
                     "problems[0].ratings[0].status"}


def test_valid_model_passes() -> None:
    ok = Assessment(PATIENT, "2026-01-10", problems=[Problem("38", severity="actual", signs_symptoms=["38.02"])])
    assert validate(ok) is ok


def test_a_coding_from_another_system_is_not_an_omaha_problem() -> None:
    """A SNOMED code "24" must not be read as Omaha problem 24 (Skin)."""
    qr = {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": "https://care-gateway.example/fhir/Questionnaire/omaha-assessment",
        "subject": {"reference": "Patient/p1"},
        "item": [{"linkId": "problem", "item": [
            {"linkId": "problem.code", "answer": [{"valueCoding": {"system": "http://snomed.info/sct", "code": "24"}}]},
        ]}],
    }
    with pytest.raises(AssessmentInvalid) as raised:
        extract(qr, "Patient/p1")
    assert any("problem" in v.expression for v in raised.value.violations)
