"""Builders for answers to the gateway's Omaha assessment Questionnaire (a QuestionnaireResponse's
items), so code that fills the form (the synthetic sample, tests) writes it the way a person would."""

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
    """A completed assessment on `date` (no subject: the caller says whose it is)."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "authored": f"{date}T10:00:00+00:00",
        "item": [value("assessment-date", "valueDate", date), *problems],
    }
