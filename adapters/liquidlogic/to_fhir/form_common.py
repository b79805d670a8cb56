"""What every workflow form becomes whatever its type: the worker who completed it
(Practitioner) and the QuestionnaireResponse envelope the answers go in."""

from __future__ import annotations

from typing import Any

from adapters.base import FhirJson
from adapters.codemaps import default_maps
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.forms import Form
from adapters.liquidlogic.to_fhir.datatypes import ext, patient_ref, ref
from adapters.uris import CANONICAL_BASE

UKCORE_QR = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-QuestionnaireResponse"
_QUESTIONNAIRE = {
    "CareActAssessment": "liquidlogic-care-act-assessment",
    "SupportPlan": "liquidlogic-support-plan",
    "Review": "liquidlogic-review",
}


def practitioner_id(form: Form) -> str:
    return ids.resource_id("worker", form.worker_id)


def practitioner_ref(form: Form) -> FhirJson:
    return ref("Practitioner", practitioner_id(form), form.worker_name)


def practitioner(form: Form) -> FhirJson:
    """The council worker who completed the form, identified by their LAS worker id."""
    parts = form.worker_name.split()
    name: FhirJson = {"text": form.worker_name}
    if len(parts) > 1:
        name["family"] = parts[-1]
        name["given"] = parts[:-1]
    return {
        "resourceType": "Practitioner",
        "id": practitioner_id(form),
        "identifier": [ids.identifier("worker", form.worker_id)],
        "active": True,
        "name": [name],
    }


def _category(form_type: str) -> FhirJson:
    code = default_maps()["liquidlogic-form-category"].lookup(form_type).code
    return codesystems.coding("social-care-record", code)


def questionnaire_response(form: Form, items: list[FhirJson], encounter_id: str | None) -> FhirJson:
    """The form's answers as a completed QuestionnaireResponse (the form id is its identifier)."""
    resource: FhirJson = {
        "resourceType": "QuestionnaireResponse",
        "id": ids.resource_id("form", form.form_id),
        "meta": {"profile": [UKCORE_QR], "tag": [_category(form.form_type)]},
        "extension": [
            ext("social-care-event-reference", valueIdentifier=ids.identifier("event", form.event_reference))
        ],
        "identifier": ids.identifier("form", form.form_id),
        "questionnaire": f"{CANONICAL_BASE}/Questionnaire/{_QUESTIONNAIRE[form.form_type]}",
        "status": "completed",
        "subject": patient_ref(form.la_person_id),
        "authored": form.completed_at,
        "author": practitioner_ref(form),
        "item": items,
    }
    if encounter_id is not None:
        resource["encounter"] = ref("Encounter", encounter_id)
    return resource


def item(link_id: str, text: str, *answers: FhirJson, children: list[FhirJson] | None = None) -> FhirJson:
    """One QuestionnaireResponse item; answers like `{"valueString": "..."}`."""
    out: FhirJson = {"linkId": link_id, "text": text}
    if answers:
        out["answer"] = list(answers)
    if children:
        out["item"] = children
    return out


def text_item(link_id: str, text: str, value: Any) -> FhirJson | None:
    """An item with one string answer, or None when the form left it empty."""
    if value in (None, ""):
        return None
    return item(link_id, text, {"valueString": str(value)})
