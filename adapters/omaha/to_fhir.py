"""The assessment model as FHIR resources in the fixed shape (see README.md): a Condition per
problem, an Observation per problem per rating date, and the person's one integrated CarePlan
whose activities are the interventions, merged with the activities it already has."""

from __future__ import annotations

import re
from typing import Any

from adapters.omaha import ids
from adapters.omaha.model import Assessment, Intervention, Problem, Rating
from adapters.omaha.vocabulary import (
    CATEGORY,
    CATEGORY_EXT,
    CONDITION_CLINICAL,
    MODIFIER,
    PROBLEM,
    RATING_SCALE,
    RECORD,
    SCALES,
    SCOPE_EXT,
    SEVERITY_EXT,
    SIGN_SYMPTOM,
    TARGET,
    Vocabulary,
    coding,
    vocabulary,
)

FhirJson = dict[str, Any]
_REFERENCE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_CLOSED = ("completed", "cancelled", "stopped")


def reference(value: str) -> FhirJson:
    """A Reference from `Type/id`, or a display-only Reference for free text ("daughter")."""
    return {"reference": value} if _REFERENCE.match(value) else {"display": value}


def record_coding(code: str, v: Vocabulary) -> FhirJson:
    return coding(RECORD, code, v.records.get(code))


def condition(problem: Problem, patient: str, recorder: str | None = None, recorded: str | None = None,
              vocab: Vocabulary | None = None) -> FhirJson:
    """The Condition for one problem; `recorder`/`recorded` default to who identified it, when."""
    v = vocab or vocabulary()
    out: FhirJson = {
        "resourceType": "Condition",
        "id": ids.condition_id(patient, problem.code, problem.scope),
        "extension": [
            {"url": SCOPE_EXT, "valueCoding": coding(MODIFIER, problem.scope, v.scopes.get(problem.scope))},
            {"url": SEVERITY_EXT,
             "valueCoding": coding(MODIFIER, problem.severity, v.severities.get(problem.severity))},
        ],
        "clinicalStatus": {"coding": [coding(CONDITION_CLINICAL, problem.status, problem.status.title())]},
        "category": [{"coding": [record_coding("problem", v)]}],
        "code": {"coding": [coding(PROBLEM, problem.code, v.problems.get(problem.code))],
                 "text": v.problem_name(problem.code)},
        "subject": {"reference": patient},
    }
    when = problem.identified_on or recorded
    who = problem.identified_by or recorder
    if when:
        out["recordedDate"] = when
    if who:
        out["recorder"] = reference(who)
    if problem.signs_symptoms:
        out["evidence"] = [{"code": [{"coding": [coding(SIGN_SYMPTOM, code, v.signs_symptoms.get(code))]}]}
                           for code in problem.signs_symptoms]
    if problem.note:
        out["note"] = [{"text": problem.note}]
    return out


def observation(rating: Rating, condition_id: str, patient: str, derived_from: str | None = None,
                vocab: Vocabulary | None = None) -> FhirJson:
    """One Observation holding the K/B/S scores of one problem on one date."""
    v = vocab or vocabulary()
    components = []
    for scale in SCALES:
        score = rating.score(scale)
        if score is not None:
            components.append({"code": {"coding": [coding(RATING_SCALE, scale, scale.title())],
                                        "text": v.anchor(scale, score)}, "valueInteger": score})
    out: FhirJson = {
        "resourceType": "Observation",
        "id": ids.observation_id(condition_id, rating.date),
        "status": "final",
        "category": [{"coding": [record_coding("outcome-rating", v)]}],
        "code": {"coding": [record_coding("kbs-rating", v)]},
        "subject": {"reference": patient},
        "focus": [{"reference": f"Condition/{condition_id}"}],
        "effectiveDateTime": rating.date,
        "component": components,
    }
    if rating.rated_by:
        out["performer"] = [reference(rating.rated_by)]
    if rating.note:
        out["note"] = [{"text": rating.note}]
    if derived_from:
        out["derivedFrom"] = [{"reference": derived_from}]
    return out


def activity(intervention: Intervention, condition_id: str, occurrence: int = 0,
             vocab: Vocabulary | None = None) -> FhirJson:
    """One CarePlan activity; its element id is stable for the problem, category, target (and
    which occurrence of that pair), so a later assessment updates the same activity."""
    v = vocab or vocabulary()
    detail: FhirJson = {}
    if intervention.category:
        detail["extension"] = [{"url": CATEGORY_EXT, "valueCoding": coding(
            CATEGORY, intervention.category, v.categories.get(intervention.category))}]
    if intervention.target:
        detail["code"] = {"coding": [coding(TARGET, intervention.target, v.targets.get(intervention.target))]}
    detail["reasonReference"] = [{"reference": f"Condition/{condition_id}"}]
    detail["status"] = intervention.status
    if intervention.frequency:
        detail["scheduledString"] = intervention.frequency
    if intervention.performer:
        detail["performer"] = [reference(intervention.performer)]
    if intervention.description:
        detail["description"] = intervention.description
    key = f"{intervention.category or '-'}.{intervention.target or '-'}.{occurrence}"
    return {"id": ids.activity_id(condition_id, key), "detail": detail}


def care_plan(patient: str, problems: list[Problem], current: FhirJson | None = None, author: str | None = None,
              vocab: Vocabulary | None = None) -> FhirJson:
    """The integrated CarePlan after this assessment: activities of the assessed problems are
    replaced (ones no longer listed are kept as `stopped`), everything else in `current` stays."""
    v = vocab or vocabulary()
    assessed: dict[str, Problem] = {ids.condition_id(patient, p.code, p.scope): p for p in problems}
    fresh: list[FhirJson] = []
    for cond_id, problem in assessed.items():
        seen: dict[tuple[str | None, str | None], int] = {}
        for intervention in problem.interventions:
            pair = (intervention.category, intervention.target)
            fresh.append(activity(intervention, cond_id, seen.get(pair, 0), v))
            seen[pair] = seen.get(pair, 0) + 1
    fresh_ids = {a["id"] for a in fresh}

    activities: list[FhirJson] = []
    for old in (current or {}).get("activity", []):
        if old.get("id") in fresh_ids:
            continue
        reason = _condition_of(old)
        if reason in assessed and old.get("detail", {}).get("status") not in _CLOSED:
            old = {**old, "detail": {**old["detail"], "status": "stopped"}}
        activities.append(old)
    activities.extend(fresh)

    resolved = {f"Condition/{cid}" for cid, p in assessed.items() if p.status != "active"}
    addresses = [a["reference"] for a in (current or {}).get("addresses", []) if a.get("reference")]
    addresses += [f"Condition/{cid}" for cid, p in assessed.items() if p.status == "active"]
    out: FhirJson = {
        "resourceType": "CarePlan",
        "id": ids.care_plan_id(patient),
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [record_coding("integrated-care-plan", v)]}],
        "title": "Integrated care plan",
        "subject": {"reference": patient},
    }
    author_ref = reference(author) if author else (current or {}).get("author")
    if author_ref:
        out["author"] = author_ref
    unique = [r for i, r in enumerate(addresses) if r not in resolved and r not in addresses[:i]]
    if unique:
        out["addresses"] = [{"reference": r} for r in unique]
    if activities:
        out["activity"] = activities
    return out


def _condition_of(act: FhirJson) -> str | None:
    refs = act.get("detail", {}).get("reasonReference") or []
    ref = refs[0].get("reference", "") if refs else ""
    return ref.removeprefix("Condition/") or None


def assessment_resources(assessment: Assessment, current_care_plan: FhirJson | None = None,
                         derived_from: str | None = None, vocab: Vocabulary | None = None) -> list[FhirJson]:
    """Conditions, rating Observations and the merged CarePlan for one assessment."""
    v = vocab or vocabulary()
    out: list[FhirJson] = []
    for problem in assessment.problems:
        cond = condition(problem, assessment.patient, assessment.author, assessment.date, v)
        out.append(cond)
        for rating in problem.ratings:
            out.append(observation(rating, cond["id"], assessment.patient, derived_from, v))
    out.append(care_plan(assessment.patient, assessment.problems, current_care_plan, assessment.author, v))
    return out
