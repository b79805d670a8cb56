"""Outbound: a change to a person's integrated (Omaha) assessment as a Liquidlogic-shaped
`HealthAndWellbeingUpdate` form submission, so the social worker is told without re-keying.

Inputs are FHIR (the person's Liquidlogic-side Patient and their latest social care assessment:
Encounter, QuestionnaireResponse and/or Care Act outcome Observations) and the Omaha side's
`AssessmentDelta` list. Every document is validated against `update.schema.json` before it is
returned. The shape is documented in adapters/liquidlogic/README.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from adapters import nhs_number
from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.errors import UpdateDocumentError
from adapters.liquidlogic.review_due import AssessmentFacts, outcome_display, outcomes_for_problem, review_reasons
from adapters.liquidlogic.update_text import summary, what_changed
from adapters.omaha.changes import AssessmentDelta
from adapters.uris import code_system, extension

SCHEMA_PATH = Path(__file__).with_name("update.schema.json")
FORM_TYPE = "HealthAndWellbeingUpdate"
SOURCE_TEXT = "Neighbourhood team integrated assessment (Omaha System)"


@dataclass(frozen=True, slots=True)
class Author:
    """Who changed the integrated assessment."""

    name: str
    id: str
    role: str | None = None


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_update(document: dict[str, Any]) -> None:
    """Raise `UpdateDocumentError` naming the first place `document` breaks the schema."""
    error = best_match(validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        raise UpdateDocumentError(f"HealthAndWellbeingUpdate breaks update.schema.json at {where}: {error.message}")


def build_update(
    patient: FhirJson,
    deltas: Sequence[AssessmentDelta],
    author: Author,
    when: datetime,
    assessment: FhirJson | Sequence[FhirJson] | None = None,
) -> dict[str, Any]:
    """The update document for `deltas` (at least one), validated against its schema.

    `patient` is the Liquidlogic-side Patient (it must carry the LA person id); `assessment` is
    the person's latest social care assessment as this adapter produces it (its Encounter, its
    QuestionnaireResponse, its Care Act outcome Observations, or a list of them), or None.
    `when` must be timezone-aware."""
    if not deltas:
        raise UpdateDocumentError("no changes to report")
    if when.tzinfo is None:
        raise UpdateDocumentError("the time of the change must carry a timezone")
    la_person_id = _identifier(patient, ids.system("person"))
    if la_person_id is None:
        raise UpdateDocumentError("the Patient carries no Liquidlogic person id: is it the social care Patient?")
    facts = assessment_facts(assessment)
    person = _name(patient) or f"person {la_person_id}"
    reasons = review_reasons(deltas, facts, when.date(), person)
    document: dict[str, Any] = {
        "form_type": FORM_TYPE,
        "schema_version": "1.0",
        "Event_Reference": _event_reference(la_person_id, when, deltas),
        "LA_Person_Unique_Identifier": la_person_id,
        "NHS_Number": _nhs_number(patient),
        "person_name": _name(patient),
        "related_assessment": _assessment_json(facts),
        "changed_by": {"name": author.name, "id": author.id, **({"role": author.role} if author.role else {})},
        "changed_at": when.isoformat(timespec="seconds"),
        "source": SOURCE_TEXT,
        "changes": [_change(d, facts) for d in deltas],
        "summary": summary(person, author.name + (f" ({author.role})" if author.role else ""), when, deltas, reasons),
        "review": {"suggested": bool(reasons), "reasons": reasons},
    }
    validate_update(document)
    return document


def _event_reference(la_person_id: str, when: datetime, deltas: Sequence[AssessmentDelta]) -> str:
    """A new event reference, the same for the same change (so a retried delivery is recognisable)."""
    material = json.dumps([la_person_id, when.isoformat(), [list(_delta_tuple(d)) for d in deltas]])
    return "HWU-" + hashlib.sha256(material.encode()).hexdigest()[:12].upper()


def _delta_tuple(d: AssessmentDelta) -> tuple[str | None, ...]:
    return (d.problem_code, d.aspect, d.old, d.new, d.direction, d.note, d.condition_id)


def _change(delta: AssessmentDelta, facts: AssessmentFacts | None) -> dict[str, Any]:
    linked = []
    for code in outcomes_for_problem(delta.problem_code):
        if facts is None or facts.unmet_outcomes is None:
            assessed = "not-assessed"
        else:
            assessed = "cannot-achieve" if code in facts.unmet_outcomes else "can-achieve"
        linked.append({"code": code, "display": outcome_display(code), "assessed_as": assessed})
    return {
        "problem": {"code": delta.problem_code, "name": delta.problem_name},
        "aspect": delta.aspect,
        "what_changed": what_changed(delta),
        "old_value": delta.old,
        "new_value": delta.new,
        "direction": delta.direction,
        "note": delta.note,
        "care_act_outcomes": linked,
    }


# --- reading the FHIR inputs ---


def _identifier(resource: FhirJson, system: str) -> str | None:
    return next((i.get("value") for i in resource.get("identifier", []) if i.get("system") == system), None)


def _nhs_number(patient: FhirJson) -> str | None:
    value = _identifier(patient, nhs_number.NHS_NUMBER_SYSTEM)
    return nhs_number.normalise(value) if value and nhs_number.is_valid(value) else None


def _name(patient: FhirJson) -> str | None:
    for name in patient.get("name", []):
        parts = [*name.get("given", []), name.get("family", "")]
        text = name.get("text") or " ".join(p for p in parts if p)
        if text.strip():
            return text.strip()
    return None


def assessment_facts(assessment: FhirJson | Sequence[FhirJson] | None) -> AssessmentFacts | None:
    """What the update needs from the last social care assessment's resources."""
    if assessment is None:
        return None
    resources = [assessment] if isinstance(assessment, dict) else list(assessment)
    if not resources:
        return None
    reference: str | None = None
    completed: date | None = None
    kind: str | None = None
    unmet: set[str] | None = None
    for resource in resources:
        rtype = resource.get("resourceType")
        if rtype == "Encounter":
            reference = reference or _identifier(resource, ids.system("event"))
            end = (resource.get("period") or {}).get("end") or (resource.get("period") or {}).get("start")
            completed = completed or (date.fromisoformat(end[:10]) if end else None)
            codings = [c for t in resource.get("type", []) for c in t.get("coding", [])]
            kind = kind or next((c.get("display") for c in codings if c.get("display")), None)
        elif rtype == "QuestionnaireResponse":
            reference = reference or _event_extension(resource)
            authored = resource.get("authored")
            completed = completed or (date.fromisoformat(authored[:10]) if authored else None)
            from_form = _unmet_from_items(resource.get("item", []))
            if from_form is not None:
                unmet = (unmet or set()) | from_form
        elif rtype == "Observation" and _is_outcome(resource):
            unmet = unmet or set()
            if _cannot_achieve(resource):
                unmet.add(resource["code"]["coding"][0]["code"])
    if reference is None:
        raise UpdateDocumentError("the assessment resources carry no Liquidlogic Event_Reference")
    order = list(codesystems.get("care-act-outcome").displays)
    return AssessmentFacts(
        reference, completed, kind, tuple(sorted(unmet, key=order.index)) if unmet is not None else None
    )


def _event_extension(resource: FhirJson) -> str | None:
    for ext in resource.get("extension", []):
        if ext.get("url") == extension("social-care-event-reference"):
            return (ext.get("valueIdentifier") or {}).get("value")
    return None


def _unmet_from_items(items: list[FhirJson]) -> set[str] | None:
    """Outcome codes answered 'cannot achieve' in a CareActAssessment QuestionnaireResponse."""
    group = next((i for i in items if i.get("linkId") == "outcomes"), None)
    if group is None:
        return None
    unmet = set()
    for outcome in group.get("item", []):
        answer = next((c for c in outcome.get("item", []) if c.get("linkId", "").endswith(".can-achieve")), None)
        if answer and answer.get("answer", [{}])[0].get("valueBoolean") is False:
            unmet.add(outcome["linkId"])
    return unmet


def _is_outcome(observation: FhirJson) -> bool:
    return any(
        c.get("system") == code_system("care-act-outcome") for c in observation.get("code", {}).get("coding", [])
    )


def _cannot_achieve(observation: FhirJson) -> bool:
    codings = (observation.get("valueCodeableConcept") or {}).get("coding", [])
    return any(c.get("code") == "cannot-achieve" for c in codings)


def _assessment_json(facts: AssessmentFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {
        "Event_Reference": facts.event_reference,
        "completed": facts.completed.isoformat() if facts.completed else None,
        "assessment_type": facts.assessment_type,
        "unmet_outcomes": None
        if facts.unmet_outcomes is None
        else [{"code": c, "display": outcome_display(c)} for c in facts.unmet_outcomes],
    }
