"""Builders for assessment QuestionnaireResponses, so tests read like the form a nurse fills in."""

from __future__ import annotations

from typing import Any

from adapters.omaha.questionnaire import QUESTIONNAIRE_URL
from adapters.omaha.vocabulary import CATEGORY, MODIFIER, PROBLEM, SIGN_SYMPTOM, TARGET

FhirJson = dict[str, Any]


def coded(link_id: str, system: str, *codes: str) -> FhirJson:
    return {"linkId": link_id, "answer": [{"valueCoding": {"system": system, "code": c}} for c in codes]}


def value(link_id: str, key: str, val: Any) -> FhirJson:
    return {"linkId": link_id, "answer": [{key: val}]}


def intervention(category: str | None, target: str | None, description: str = "", performer: str | None = None,
                 frequency: str | None = None) -> FhirJson:
    items = []
    if category:
        items.append(coded("problem.intervention.category", CATEGORY, category))
    if target:
        items.append(coded("problem.intervention.target", TARGET, target))
    if description:
        items.append(value("problem.intervention.description", "valueString", description))
    if performer:
        items.append(value("problem.intervention.performer", "valueString", performer))
    if frequency:
        items.append(value("problem.intervention.frequency", "valueString", frequency))
    return {"linkId": "problem.intervention", "item": items}


def rating(date: str, k: Any, b: Any, s: Any) -> FhirJson:
    return {"linkId": "problem.rating", "item": [
        value("problem.rating.date", "valueDate", date),
        value("problem.rating.knowledge", "valueInteger", k),
        value("problem.rating.behavior", "valueInteger", b),
        value("problem.rating.status", "valueInteger", s),
    ]}


def problem(code: str, severity: str = "actual", scope: str = "individual", signs: tuple[str, ...] = (),
            status: str | None = None, interventions: tuple[FhirJson, ...] = (),
            ratings: tuple[FhirJson, ...] = ()) -> FhirJson:
    items = [coded("problem.code", PROBLEM, code), coded("problem.scope", MODIFIER, scope),
             coded("problem.severity", MODIFIER, severity)]
    if status:
        items.append(coded("problem.status", "http://terminology.hl7.org/CodeSystem/condition-clinical", status))
    if signs:
        items.append(coded("problem.signs-symptoms", SIGN_SYMPTOM, *signs))
    return {"linkId": "problem", "item": items + list(ratings) + list(interventions)}


def response(date: str, *problems: FhirJson) -> FhirJson:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "authored": f"{date}T10:00:00+00:00",
        "item": [value("assessment-date", "valueDate", date), *problems],
    }


def three_problems(date: str, skin: tuple[int, int, int], nutrition: tuple[int, int, int],
                   circulation: tuple[int, int, int]) -> FhirJson:
    """The assessment the tests use: skin (pressure ulcer), nutrition, circulation."""
    return response(
        date,
        problem("24", signs=("24.01",), ratings=(rating(date, *skin),), interventions=(
            intervention("02", "17", "Dress sacral ulcer, hydrocolloid", "Practitioner/nurse-1", "every 3 days"),
            intervention("01", "52", "Repositioning advice to daughter", "daughter (informal carer)", "weekly"),
        )),
        problem("35", severity="potential", ratings=(rating(date, *nutrition),), interventions=(
            intervention("04", "15", "Weigh and MUST score", "Practitioner/nurse-1", "fortnightly"),
        )),
        problem("27", signs=("27.01",), ratings=(rating(date, *circulation),), interventions=(
            intervention("04", "62", "Check ankle oedema", "Practitioner/nurse-2", "weekly"),
        )),
    )
