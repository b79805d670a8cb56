"""FHIR resources in the fixed shape back to the assessment model: what the gateway holds for a
person, read as one Assessment (the form pre-fill, the pages and the change lists start here)."""

from __future__ import annotations

from typing import Any

from adapters.omaha.model import Assessment, Intervention, Problem, Rating
from adapters.omaha.vocabulary import (
    CATEGORY_EXT,
    PROBLEM,
    RATING_SCALE,
    RECORD,
    SCALES,
    SCOPE_EXT,
    SEVERITY_EXT,
    SIGN_SYMPTOM,
    TARGET,
)

FhirJson = dict[str, Any]


def _codes(concept: FhirJson | None, system: str) -> list[str]:
    return [c["code"] for c in (concept or {}).get("coding", []) if c.get("system") == system and "code" in c]


def _has_record(resource: FhirJson, element: str, code: str) -> bool:
    value = resource.get(element)
    concepts = value if isinstance(value, list) else [value] if value else []
    return any(code in _codes(c, RECORD) for c in concepts)


def is_problem(resource: FhirJson) -> bool:
    return resource.get("resourceType") == "Condition" and _has_record(resource, "category", "problem")


def is_rating(resource: FhirJson) -> bool:
    return resource.get("resourceType") == "Observation" and _has_record(resource, "code", "kbs-rating")


def is_care_plan(resource: FhirJson) -> bool:
    return resource.get("resourceType") == "CarePlan" and _has_record(resource, "category", "integrated-care-plan")


def _ext(resource: FhirJson, url: str) -> str | None:
    for ext in resource.get("extension", []):
        if ext.get("url") == url:
            code = ext.get("valueCoding", {}).get("code")
            return str(code) if code else None
    return None


def _ref(value: FhirJson | None) -> str | None:
    if not value:
        return None
    return value.get("reference") or value.get("display")


def problem(cond: FhirJson) -> Problem:
    """One Condition as a Problem (without its ratings and interventions)."""
    codes = _codes(cond.get("code"), PROBLEM)
    status = _codes(cond.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical")
    return Problem(
        code=codes[0] if codes else "",
        scope=_ext(cond, SCOPE_EXT) or "individual",
        severity=_ext(cond, SEVERITY_EXT) or "",
        status=status[0] if status else "active",
        signs_symptoms=[code for ev in cond.get("evidence", []) for cc in ev.get("code", [])
                        for code in _codes(cc, SIGN_SYMPTOM)],
        identified_by=_ref(cond.get("recorder")),
        identified_on=cond.get("recordedDate"),
        note="\n".join(n["text"] for n in cond.get("note", []) if n.get("text")) or None,
        path=f"Condition/{cond.get('id')}",
    )


def rating(obs: FhirJson) -> Rating:
    scores: dict[str, int] = {}
    for comp in obs.get("component", []):
        for scale in _codes(comp.get("code"), RATING_SCALE):
            if scale in SCALES and isinstance(comp.get("valueInteger"), int):
                scores[scale] = comp["valueInteger"]
    performers = obs.get("performer") or []
    return Rating(
        date=obs.get("effectiveDateTime", ""),
        knowledge=scores.get("knowledge"),
        behavior=scores.get("behavior"),
        status=scores.get("status"),
        rated_by=_ref(performers[0]) if performers else None,
        note="\n".join(n["text"] for n in obs.get("note", []) if n.get("text")) or None,
        path=f"Observation/{obs.get('id')}",
    )


def intervention(act: FhirJson) -> Intervention:
    detail = act.get("detail", {})
    performers = detail.get("performer") or []
    targets = _codes(detail.get("code"), TARGET)
    return Intervention(
        category=_ext(detail, CATEGORY_EXT),
        target=targets[0] if targets else None,
        description=detail.get("description", ""),
        performer=_ref(performers[0]) if performers else None,
        frequency=detail.get("scheduledString"),
        status=detail.get("status", "unknown"),
        path=f"CarePlan.activity.where(id='{act.get('id')}')",
    )


def focus_condition(obs: FhirJson) -> str | None:
    """The Condition id a rating Observation is about."""
    for focus in obs.get("focus", []):
        ref = focus.get("reference", "")
        if ref.startswith("Condition/"):
            return str(ref.removeprefix("Condition/"))
    return None


def reason_condition(act: FhirJson) -> str | None:
    """The Condition id a care plan activity is for."""
    for reason in act.get("detail", {}).get("reasonReference", []):
        ref = reason.get("reference", "")
        if ref.startswith("Condition/"):
            return str(ref.removeprefix("Condition/"))
    return None


def assessment(resources: list[FhirJson], patient: str | None = None) -> Assessment:
    """The person's whole current assessment: every Omaha Condition with its ratings (oldest
    first) and its care plan activities. Resources of other kinds are ignored."""
    by_id: dict[str, Problem] = {}
    subject = patient
    for res in resources:
        if is_problem(res):
            by_id[res["id"]] = problem(res)
            subject = subject or res.get("subject", {}).get("reference")
    for res in resources:
        if is_rating(res) and (cid := focus_condition(res)) in by_id:
            by_id[cid].ratings.append(rating(res))
        if is_care_plan(res):
            for act in res.get("activity", []):
                if (cid := reason_condition(act)) in by_id:
                    by_id[cid].interventions.append(intervention(act))
    for prob in by_id.values():
        prob.ratings.sort(key=lambda r: r.date)
    dates = [r.date for p in by_id.values() for r in p.ratings] + [p.identified_on or "" for p in by_id.values()]
    return Assessment(patient=subject or "", date=max(dates, default=""), problems=list(by_id.values()))
