"""The person of a CLD row: Patient, the social care person-details Observation, the Primary
Support Reason finding, and the tracing Flag for people without a valid NHS number.

Every row of a person repeats these fields, so every row rebuilds the same resources with the same
ids; the pipeline stores a new version only when the content differs.
"""

from __future__ import annotations

from adapters import nhs_number
from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.parse import CldPerson, CldRow
from adapters.liquidlogic.to_fhir.datatypes import Coder, observation, patient_ref, ref
from adapters.uris import ODS_ORGANISATION

ETHNIC_CATEGORY_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
UKCORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def needs_tracing(person: CldPerson) -> bool:
    """True when social care holds no valid NHS number for the person (empty or failing Modulus 11)."""
    return not nhs_number.is_valid(person.nhs_number)


def patient(person: CldPerson, coder: Coder) -> FhirJson:
    """The Liquidlogic-side Patient: LA person id always, NHS number only when it is valid."""
    identifiers: list[FhirJson] = [ids.identifier("person", person.la_person_id)]
    if not needs_tracing(person):
        identifiers.append({"system": nhs_number.NHS_NUMBER_SYSTEM, "value": nhs_number.normalise(person.nhs_number)})
    resource: FhirJson = {
        "resourceType": "Patient",
        "id": ids.resource_id("person", person.la_person_id),
        "meta": {"profile": [UKCORE_PATIENT]},
        "identifier": identifiers,
        "gender": coder.code("liquidlogic-gender", "Gender", person.gender),
        "birthDate": person.birth_date.isoformat(),
    }
    if needs_tracing(person):
        resource["meta"]["tag"] = [codesystems.coding("social-care-record", "nhs-number-trace-required")]
    if person.family_name or person.given_name:
        name: FhirJson = {"use": "official"}
        if person.family_name:
            name["family"] = person.family_name
        if person.given_name:
            name["given"] = person.given_name.split()
        resource["name"] = [name]
    address: FhirJson = {"use": "home", "postalCode": person.postcode}
    if person.address_lines:
        address["line"] = list(person.address_lines)
    if person.town:
        address["city"] = person.town
    resource["address"] = [address]
    if person.death_date is not None:
        resource["deceasedDateTime"] = person.death_date.isoformat()
    if person.gp_code:
        gp: FhirJson = {"identifier": {"system": ODS_ORGANISATION, "value": person.gp_code}}
        if person.gp_name:
            gp["display"] = person.gp_name
        resource["generalPractitioner"] = [gp]
    resource["extension"] = [
        {
            "url": ETHNIC_CATEGORY_EXTENSION,
            "valueCodeableConcept": coder.concept("liquidlogic-ethnicity", "Ethnicity", person.ethnicity),
        }
    ]
    return resource


# (record field code, code map, column, attribute of CldPerson)
_DETAIL_FIELDS = (
    ("client-type", "liquidlogic-client-type", "Client_Type", "client_type_text"),
    ("accommodation-status", "liquidlogic-accommodation-status", "Accommodation_Status", "accommodation_status"),
    ("employment-status", "liquidlogic-employment-status", "Employment_Status", "employment_status"),
    ("funding-status", "liquidlogic-funding-status", "Client_Funding_Status", "funding_status"),
    ("has-unpaid-carer", "liquidlogic-flag", "Has_Unpaid_Carer", "has_unpaid_carer"),
    ("autism-spectrum-disorder", "liquidlogic-flag", "Autism_Spectrum_Disorder_ASD", "autism"),
    ("visual-impairment", "liquidlogic-flag", "Visual_Impairment", "visual_impairment"),
    ("hearing-impairment", "liquidlogic-hearing-impairment", "Hearing_Impairment", "hearing_impairment"),
    ("dementia", "liquidlogic-flag", "Dementia", "dementia"),
)


def person_details(row: CldRow, coder: Coder) -> FhirJson:
    """The CLD person characteristics as one Observation with a component per field, so
    'everyone with dementia flagged' or 'tenants of a private landlord' are searches."""
    person = row.person
    components: list[FhirJson] = [
        {
            "code": codesystems.concept("social-care-record", "client-type"),
            "valueCodeableConcept": coder.concept("liquidlogic-client-type", "Client_Type", person.client_type_text),
        }
    ]
    for field_code, map_name, column, attribute in _DETAIL_FIELDS[1:]:
        value = coder.optional(map_name, column, getattr(person, attribute))
        if value is not None:
            components.append(
                {"code": codesystems.concept("social-care-record", field_code), "valueCodeableConcept": value}
            )
    kind = codesystems.concept("social-care-record", "person-details")
    return observation(ids.resource_id("person", person.la_person_id, "details"), kind, kind, person.la_person_id,
                       row.period_end.isoformat(), component=components)


def primary_support_reason(person: CldPerson, coder: Coder) -> FhirJson | None:
    """The Primary Support Reason as a Condition-like finding (Interweave models it on
    UKCore-Condition too); None on rows that leave it empty (requests)."""
    if not person.primary_support_reason:
        return None
    return {
        "resourceType": "Condition",
        "id": ids.resource_id("person", person.la_person_id, "primary-support-reason"),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [codesystems.concept("social-care-record", "primary-support-reason")],
        "code": coder.concept(
            "liquidlogic-primary-support-reason", "Primary_Support_Reason", person.primary_support_reason
        ),
        "subject": patient_ref(person.la_person_id),
    }


def tracing_flag(person: CldPerson) -> FhirJson | None:
    """An active Flag asking for the person to be traced (PDS) and linked, because social care holds
    no valid NHS number and so nothing links them automatically; None when the number is valid."""
    if not needs_tracing(person):
        return None
    written = person.nhs_number.strip()
    text = (
        f"NHS number {written!r} recorded in social care fails the Modulus 11 check: trace and link"
        if written
        else "No NHS number recorded in social care: trace and link"
    )
    return {
        "resourceType": "Flag",
        "id": ids.resource_id("person", person.la_person_id, "trace-nhs-number"),
        "status": "active",
        "category": [codesystems.concept("social-care-record", "person-details")],
        "code": codesystems.concept("social-care-record", "nhs-number-trace-required", text),
        "subject": ref("Patient", ids.resource_id("person", person.la_person_id)),
    }
