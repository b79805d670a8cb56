"""The Questionnaire for the whole integrated assessment, and extraction of a completed
QuestionnaireResponse into one transaction Bundle that creates or updates every Condition,
rating Observation and the integrated CarePlan, so one submitted form writes it all at once.

Extraction follows the SDC idea of definition-less extraction done by the server: see
https://hl7.org/fhir/uv/sdc/extraction.html . Resource ids are deterministic, so the Bundle uses
plain PUTs (no conditional references) and re-submitting the same form changes nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from adapters.omaha import ids
from adapters.omaha.model import Assessment
from adapters.omaha.response import parse_response
from adapters.omaha.rules import AssessmentInvalid, check
from adapters.omaha.to_fhir import assessment_resources
from adapters.omaha.vocabulary import CONDITION_CLINICAL, MODIFIER, RECORD, Vocabulary, vocabulary
from adapters.uris import CANONICAL_BASE, value_set

FhirJson = dict[str, Any]
QUESTIONNAIRE_ID = "omaha-integrated-assessment"
QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _item(link_id: str, text: str, kind: str, **extra: Any) -> FhirJson:
    return {"linkId": link_id, "text": text, "type": kind, **extra}


def _score(scale: str, v: Vocabulary) -> FhirJson:
    anchors = "; ".join(f"{n} {v.anchor(scale, n)}" for n in range(1, 6))
    return _item(f"problem.rating.{scale}", f"{scale.title()} (1-5: {anchors})", "integer",
                 extension=[{"url": _MIN, "valueInteger": 1}, {"url": _MAX, "valueInteger": 5}])


@lru_cache(maxsize=1)
def questionnaire() -> FhirJson:
    """The assessment Questionnaire; choice items draw their answers from the published value sets."""
    v = vocabulary()
    statuses = [{"valueCoding": {"system": CONDITION_CLINICAL, "code": c, "display": c.title()}}
                for c in ("active", "resolved")]
    activity_statuses = [{"valueCoding": {"system": "http://hl7.org/fhir/care-plan-activity-status", "code": c}}
                         for c in ("in-progress", "scheduled", "on-hold", "completed", "stopped")]
    problem_items = [
        _item("problem.code", "Problem", "choice", required=True, answerValueSet=value_set("omaha-problem")),
        _item("problem.scope", "Scope", "choice", required=True, answerValueSet=value_set("omaha-scope"),
              initial=[{"valueCoding": {"system": MODIFIER, "code": "individual", "display": "Individual"}}]),
        _item("problem.severity", "Severity", "choice", required=True, answerValueSet=value_set("omaha-severity")),
        _item("problem.status", "Status", "choice", answerOption=statuses, initial=[statuses[0]]),
        _item("problem.signs-symptoms", "Signs/symptoms (only when severity is actual)", "choice", repeats=True,
              answerValueSet=value_set("omaha-sign-symptom"),
              enableWhen=[{"question": "problem.severity", "operator": "=",
                           "answerCoding": {"system": MODIFIER, "code": "actual"}}]),
        _item("problem.identified-by", "Identified by", "reference"),
        _item("problem.identified-on", "Identified on", "date"),
        _item("problem.note", "Note", "text"),
        _item("problem.rating", "Rating (Problem Rating Scale for Outcomes)", "group", item=[
            _item("problem.rating.date", "Date rated", "date"),
            _score("knowledge", v), _score("behavior", v), _score("status", v),
            _item("problem.rating.note", "Note on the rating", "text"),
        ]),
        _item("problem.intervention", "Intervention", "group", repeats=True, item=[
            _item("problem.intervention.category", "Category", "choice",
                  answerValueSet=value_set("omaha-intervention-category")),
            _item("problem.intervention.target", "Target", "choice", answerValueSet=value_set("omaha-target")),
            _item("problem.intervention.description", "Care description", "string"),
            _item("problem.intervention.performer", "Who does it (team member, informal carer, other service)",
                  "string"),
            _item("problem.intervention.frequency", "How often", "string"),
            _item("problem.intervention.status", "Status", "choice", answerOption=activity_statuses),
        ]),
    ]
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": QUESTIONNAIRE_URL,
        "version": "1",
        "name": "OmahaIntegratedAssessment",
        "title": "Integrated assessment (Omaha System)",
        "status": "active",
        "subjectType": ["Patient"],
        "code": [{"system": RECORD, "code": "integrated-assessment", "display": v.records["integrated-assessment"]}],
        "description": "The whole integrated health and social care assessment: problems with scope, severity and "
        "signs/symptoms, interventions and Knowledge/Behavior/Status ratings. Submitting a response creates or "
        "updates the person's Omaha Conditions, rating Observations and integrated CarePlan.",
        "item": [
            _item("assessment-date", "Date of assessment", "date"),
            _item("problem", "Problem", "group", repeats=True, item=problem_items),
        ],
    }


def link_ids() -> set[str]:
    """Every linkId of the Questionnaire (the response parser rejects any other)."""
    out: set[str] = set()

    def walk(items: list[FhirJson]) -> None:
        for item in items:
            out.add(item["linkId"])
            walk(item.get("item", []))

    walk(questionnaire()["item"])
    return out


def _keep_identification(assessment: Assessment, current_conditions: list[FhirJson]) -> None:
    """A form that does not repeat who identified a problem and when keeps what is on record."""
    existing = {c.get("id"): c for c in current_conditions}
    for problem in assessment.problems:
        cond = existing.get(ids.condition_id(assessment.patient, problem.code, problem.scope))
        if not cond:
            continue
        problem.identified_on = problem.identified_on or cond.get("recordedDate")
        recorder = cond.get("recorder") or {}
        problem.identified_by = problem.identified_by or recorder.get("reference") or recorder.get("display")


def _entry(resource: FhirJson) -> FhirJson:
    entry: FhirJson = {}
    if _UUID.match(resource["id"]):
        entry["fullUrl"] = f"urn:uuid:{resource['id']}"
    entry["resource"] = resource
    entry["request"] = {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    return entry


def extract(questionnaire_response: FhirJson, patient_ref: str, author: str | None = None,
            current_care_plan: FhirJson | None = None,
            current_conditions: list[FhirJson] | None = None) -> FhirJson:
    """A transaction Bundle writing the response itself plus every resource it implies.

    `current_care_plan` is the person's integrated CarePlan as stored (or None): its other
    activities are kept. `current_conditions` (optional) keeps who identified a problem and when.
    Raises AssessmentInvalid, naming each item at fault, when the response breaks a rule.
    """
    assessment, violations = parse_response(questionnaire_response, patient_ref, author, link_ids())
    violations += check(assessment)
    if violations:
        raise AssessmentInvalid(violations)
    _keep_identification(assessment, current_conditions or [])

    qr = dict(questionnaire_response)
    qr["id"] = qr.get("id") or ids.response_id(patient_ref, assessment.date)
    qr["questionnaire"] = qr.get("questionnaire") or QUESTIONNAIRE_URL
    qr["status"] = qr.get("status") or "completed"
    qr["subject"] = {"reference": patient_ref}
    if assessment.author and not qr.get("author"):
        qr["author"] = {"reference": assessment.author}
    resources = assessment_resources(assessment, current_care_plan, derived_from=f"QuestionnaireResponse/{qr['id']}")
    return {"resourceType": "Bundle", "type": "transaction", "entry": [_entry(r) for r in [qr, *resources]]}
