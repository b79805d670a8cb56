"""Services as activities of the person's social care support plan (one CarePlan per person).

Each service row owns one `activity` element (id derived from its Event_Reference) and upserts it
with an `ElementMerge`; the CarePlan itself is a fixed shell any service row or SupportPlan form
can create, with `preserve` keeping the activities, goals and budget other records put there.
"""

from __future__ import annotations

from adapters.base import ElementMerge, FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.parse import CldEvent, CldRow
from adapters.liquidlogic.to_fhir.datatypes import Coder, ext, money, patient_ref, period

UKCORE_CAREPLAN = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-CarePlan"
PRESERVE = {"CarePlan": ("activity", "goal", "extension")}


def support_plan_id(la_person_id: str) -> str:
    return ids.resource_id("person", la_person_id, "support-plan")


def support_plan_shell(la_person_id: str) -> FhirJson:
    """The support plan without its parts: identical whoever makes it, so rows and forms agree."""
    return {
        "resourceType": "CarePlan",
        "id": support_plan_id(la_person_id),
        "meta": {"profile": [UKCORE_CAREPLAN]},
        "identifier": [ids.identifier("person", la_person_id)],
        "status": "active",
        "intent": "plan",
        "category": [codesystems.concept("social-care-record", "support-plan")],
        "title": "Adult social care support plan",
        "subject": patient_ref(la_person_id),
    }


def element_id(key: str) -> str:
    """A FHIR element id (64 characters at most) for a part owned by `key`."""
    return ids.resource_id("event", key)


def service_activity(row: CldRow, event: CldEvent, coder: Coder) -> ElementMerge:
    """One service: what (component and type), who provides it, how it is arranged and paid
    (delivery mechanism, unit cost, cost unit, planned units per week), when, and its outcome."""
    extensions = [
        ext("social-care-event-reference", valueIdentifier=ids.identifier("event", event.reference)),
        ext(
            "social-care-service-type",
            valueCodeableConcept=coder.concept("liquidlogic-service-type", "Service_Type", event.service_type),
        ),
    ]
    if event.delivery_mechanism:
        extensions.append(
            ext(
                "social-care-delivery-mechanism",
                valueCodeableConcept=coder.concept(
                    "liquidlogic-delivery-mechanism", "Delivery_Mechanism", event.delivery_mechanism
                ),
            )
        )
    if event.unit_cost is not None:
        extensions.append(ext("social-care-unit-cost", valueMoney=money(event.unit_cost)))
    if event.cost_frequency:
        extensions.append(ext("social-care-cost-unit", valueString=event.cost_frequency))
    if event.planned_units_per_week is not None:
        extensions.append(ext("social-care-planned-units-per-week", valueDecimal=float(event.planned_units_per_week)))
    if event.outcome:
        extensions.append(
            ext(
                "social-care-event-outcome",
                valueCodeableConcept=coder.concept("liquidlogic-event-outcome", "Event_Outcome", event.outcome),
            )
        )
    detail: FhirJson = {
        "extension": extensions,
        "code": coder.concept("liquidlogic-service-component", "Service_Component", event.service_component),
        "status": "in-progress" if event.end is None else "completed",
        "scheduledPeriod": period(event.start, event.end),
        "description": event.description
        or coder.maps["liquidlogic-service-component"].lookup(event.service_component).display
        or event.service_component,
    }
    if event.cqc_location_id or event.cqc_location_name:
        provider: FhirJson = {"type": "Organization"}
        if event.cqc_location_id:
            provider["identifier"] = {"system": ids.external_system("cqc-location"), "value": event.cqc_location_id}
        if event.cqc_location_name:
            provider["display"] = event.cqc_location_name
        detail["performer"] = [provider]
    return ElementMerge(
        resource_type="CarePlan",
        resource_id=support_plan_id(row.person.la_person_id),
        path="activity",
        element_id=element_id(event.reference),
        element={"id": element_id(event.reference), "detail": detail},
    )
