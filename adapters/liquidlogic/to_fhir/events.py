"""CLD request, assessment and review events: ServiceRequest, Encounter and the findings a row
itself carries (the eligibility decision when no form gives one; review outcomes achieved)."""

from __future__ import annotations

from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.parse import CldEvent, CldRow
from adapters.liquidlogic.to_fhir.datatypes import Coder, ext, observation, patient_ref, period, ref
from adapters.liquidlogic.to_fhir.episode import episode_ref

UKCORE_ENCOUNTER = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _outcome_extension(event: CldEvent, coder: Coder) -> list[FhirJson]:
    if not event.outcome:
        return []
    return [
        ext(
            "social-care-event-outcome",
            valueCodeableConcept=coder.concept("liquidlogic-event-outcome", "Event_Outcome", event.outcome),
        )
    ]


def encounter_id(event_reference: str) -> str:
    return ids.resource_id("event", event_reference)


def service_request(row: CldRow, event: CldEvent, coder: Coder) -> FhirJson:
    """A completed request for support: how it arrived and what happened next."""
    extensions = [
        ext(
            "social-care-route-of-access",
            valueCodeableConcept=coder.concept(
                "liquidlogic-route-of-access", "Request_Route_of_Access", event.route_of_access
            ),
        )
    ]
    extensions += _outcome_extension(event, coder)
    return {
        "resourceType": "ServiceRequest",
        "id": ids.resource_id("event", event.reference),
        "identifier": [ids.identifier("event", event.reference)],
        "extension": extensions,
        "status": "completed",
        "intent": "order",
        "category": [codesystems.concept("social-care-record", "request-for-support")],
        "code": {
            "coding": [coder.maps["liquidlogic-event-type"].lookup(event.event_type_text).coding()],
            "text": event.description or "Request for adult social care support",
        },
        "subject": patient_ref(row.person.la_person_id),
        "occurrencePeriod": period(event.start, event.end),
        "authoredOn": event.start.isoformat(),
    }


def encounter(row: CldRow, event: CldEvent, coder: Coder) -> FhirJson:
    """An assessment or review as an Encounter: type (assessment type or 'review'), how it was done,
    why (review reason), its outcome, inside the person's episode."""
    method = coder.optional("liquidlogic-method", "Method_of_Assessment/Method_of_Review", event.method)
    class_code = coder.maps["liquidlogic-method-encounter-class"].get(method["coding"][0]["code"]) if method else None
    klass = (
        class_code.coding()
        if class_code
        else {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH", "display": "home health"}
    )
    if event.event_type == "assessment":
        kind = coder.concept("liquidlogic-assessment-type", "Assessment_Type", event.assessment_type)
    else:
        kind = coder.concept("liquidlogic-event-type", "Event_Type", event.event_type_text)
    extensions = _outcome_extension(event, coder)
    if method is not None:
        extensions.append(ext("social-care-method", valueCodeableConcept=method))
    resource: FhirJson = {
        "resourceType": "Encounter",
        "id": encounter_id(event.reference),
        "meta": {"profile": [UKCORE_ENCOUNTER]},
        "identifier": [ids.identifier("event", event.reference)],
        "status": "finished",
        "class": klass,
        "type": [kind],
        "serviceType": coder.concept("liquidlogic-event-type", "Event_Type", event.event_type_text),
        "subject": patient_ref(row.person.la_person_id),
        "episodeOfCare": [episode_ref(row.person.la_person_id)],
        "period": period(event.start, event.end),
    }
    if extensions:
        resource["extension"] = extensions
    if event.event_type == "review":
        resource["reasonCode"] = [coder.concept("liquidlogic-review-reason", "Review_Reason", event.review_reason)]
    if event.description:
        resource["type"][0] = {**kind, "text": f"{kind['text']}: {event.description}"}
    return resource


def eligibility_from_row(row: CldRow, event: CldEvent, coder: Coder) -> FhirJson | None:
    """The Care Act eligibility decision as the CLD row states it (Eligible_Needs_Identified), used
    only when no CareActAssessment form for the event gives the fuller decision."""
    if event.event_type != "assessment" or not event.eligible_needs:
        return None
    flag = coder.concept("liquidlogic-flag", "Eligible_Needs_Identified", event.eligible_needs)
    decision = coder.maps["liquidlogic-eligibility-by-flag"].lookup(flag["coding"][0]["code"]).code
    return eligibility_condition(
        event.reference,
        row.person.la_person_id,
        codesystems.concept("care-act-eligibility", decision, f"Eligible_Needs_Identified: {event.eligible_needs}"),
        (event.end or event.start).isoformat(),
    )


def eligibility_condition(
    event_reference: str,
    la_person_id: str,
    code: FhirJson,
    recorded: str,
    evidence: list[FhirJson] | None = None,
    note: str | None = None,
    recorder: FhirJson | None = None,
) -> FhirJson:
    """The eligibility decision finding of one assessment (the row or its form fill it)."""
    resource: FhirJson = {
        "resourceType": "Condition",
        "id": ids.resource_id("event", event_reference, "eligibility"),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [codesystems.concept("social-care-record", "care-act-eligibility-decision")],
        "code": code,
        "subject": patient_ref(la_person_id),
        "encounter": ref("Encounter", encounter_id(event_reference)),
        "recordedDate": recorded,
    }
    if recorder is not None:
        resource["recorder"] = recorder
    if evidence:
        resource["evidence"] = [{"detail": evidence}]
    if note:
        resource["note"] = [{"text": note}]
    return resource


def review_outcomes(row: CldRow, event: CldEvent, coder: Coder) -> FhirJson | None:
    """Whether the support plan's outcomes were met, as a searchable Observation of the review."""
    if event.event_type != "review" or not event.review_outcomes:
        return None
    kind = codesystems.concept("social-care-record", "review-outcomes-achieved")
    return observation(
        ids.resource_id("event", event.reference, "review-outcomes-achieved"), kind, kind, row.person.la_person_id,
        (event.end or event.start).isoformat(), encounter_id(event.reference),
        valueCodeableConcept=coder.concept("liquidlogic-review-outcome", "Review_Outcomes_Achieved",
                                           event.review_outcomes),
    )
