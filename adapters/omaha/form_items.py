"""The one builder of answers to the gateway's Omaha assessment Questionnaire (a QuestionnaireResponse
and its items): the assessment page, the synthetic sample and the tests all fill the form through it,
so every door writes it the way a person would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.omaha.questionnaire import QUESTIONNAIRE_URL
from adapters.omaha.vocabulary import CATEGORY, CONDITION_CLINICAL, MODIFIER, PROBLEM, SIGN_SYMPTOM, TARGET

FhirJson = dict[str, Any]


def coded(link_id: str, system: str, *codes: str, display: str | None = None) -> FhirJson:
    """An item answered with codes of `system`; `display` names the (single) code for a reader."""
    return {"linkId": link_id, "answer": [
        {"valueCoding": {"system": system, "code": c, **({"display": display} if display else {})}} for c in codes]}


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
    """All three scales rated on `date`."""
    return scores(date, {"knowledge": {"valueInteger": k}, "behavior": {"valueInteger": b},
                         "status": {"valueInteger": s}})


def scores(date: str, answers: dict[str, FhirJson]) -> FhirJson:
    """A rating on `date` of the scales in `answers` (scale -> its answer), in that order: a form
    may rate fewer than three, and what a person typed stays as typed for the rules to judge."""
    return {"linkId": "problem.rating", "item": [
        value("problem.rating.date", "valueDate", date),
        *({"linkId": f"problem.rating.{scale}", "answer": [answer]} for scale, answer in answers.items()),
    ]}


def problem(code: str, severity: str = "actual", scope: str = "individual", signs: Sequence[str] = (),
            status: str | None = None, interventions: tuple[FhirJson, ...] = (),
            ratings: tuple[FhirJson, ...] = (), display: str | None = None, note: str = "") -> FhirJson:
    """One problem block; `display` is the problem's name (the page shows it), `note` free text."""
    items = [coded("problem.code", PROBLEM, code, display=display), coded("problem.scope", MODIFIER, scope),
             coded("problem.severity", MODIFIER, severity)]
    if status:
        items.append(coded("problem.status", CONDITION_CLINICAL, status))
    if signs:
        items.append(coded("problem.signs-symptoms", SIGN_SYMPTOM, *signs))
    if note:
        items.append(value("problem.note", "valueString", note))
    return {"linkId": "problem", "item": items + list(ratings) + list(interventions)}


def response(date: str, *problems: FhirJson, subject: str | None = None, authored: str | None = None) -> FhirJson:
    """A completed assessment on `date`, about `subject` (a reference; without one the caller says
    whose it is), authored at `authored` (default: 10:00 UTC that day)."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        **({"subject": {"reference": subject}} if subject else {}),
        "authored": authored or f"{date}T10:00:00+00:00",
        "item": [value("assessment-date", "valueDate", date), *problems],
    }
