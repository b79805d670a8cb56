"""Unpaid carers: a carer's row links them (by LA person id) to up to three adults they care for,
and each link becomes a RelatedPerson on the cared-for person's record."""

from __future__ import annotations

from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.parse import CldRow
from adapters.liquidlogic.to_fhir.datatypes import Coder, ext, patient_ref

UKCORE_RELATED_PERSON = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-RelatedPerson"


def related_person_id(carer_id: str, cared_for_id: str) -> str:
    """The RelatedPerson of one carer for one cared-for adult (both LA person ids)."""
    return ids.resource_id("carer-link", f"{carer_id}/{cared_for_id}")


def related_persons(row: CldRow, coder: Coder) -> list[FhirJson]:
    """One RelatedPerson per adult the carer is linked to; none for service users."""
    person = row.person
    if person.client_type == "service-user":
        return []
    out = []
    for cared_for in person.linked_person_ids:
        key = f"{person.la_person_id}/{cared_for}"
        resource: FhirJson = {
            "resourceType": "RelatedPerson",
            "id": related_person_id(person.la_person_id, cared_for),
            "meta": {"profile": [UKCORE_RELATED_PERSON]},
            "identifier": [ids.identifier("carer-link", key), ids.identifier("person", person.la_person_id)],
            "active": person.death_date is None,
            "patient": patient_ref(cared_for),
            "relationship": [codesystems.concept("social-care-record", "unpaid-carer", person.client_type_text)],
            "gender": coder.code("liquidlogic-gender", "Gender", person.gender),
            "birthDate": person.birth_date.isoformat(),
            "address": [{"use": "home", "postalCode": person.postcode}],
        }
        if person.family_name or person.given_name:
            name: FhirJson = {}
            if person.family_name:
                name["family"] = person.family_name
            if person.given_name:
                name["given"] = person.given_name.split()
            resource["name"] = [name]
        extensions = []
        if person.hours_caring_per_week is not None:
            extensions.append(ext("unpaid-care-hours-per-week", valueDecimal=float(person.hours_caring_per_week)))
        if person.adults_cared_for is not None:
            extensions.append(ext("unpaid-carer-adults-cared-for", valueInteger=person.adults_cared_for))
        if extensions:
            resource["extension"] = extensions
        out.append(resource)
    return out
