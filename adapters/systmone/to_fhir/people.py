"""SRPatient and its satellite tables -> Patient (with folded addresses and telecoms) and RelatedPerson.

Address history and contact details live in their own SR tables but belong inside the Patient;
they arrive as `ElementMerge`s keyed by element ids (`SRPatientAddressHistory-<row>`), so a delta
that only changes one address still updates the Patient. The patient row tells the pipeline to
keep those merged elements (`preserve`). The email address on SRPatient itself carries the element
id `SRPatient-email`.
"""

from __future__ import annotations

from adapters import nhs_number
from adapters.base import Converted, ElementMerge, RowRef, RowWarning
from adapters.systmone import ids
from adapters.systmone.errors import BAD_GENDER, NHS_NUMBER_INVALID, NHS_NUMBER_MISSING, TEST_PATIENT, MappingError
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir.datatypes import (
    FhirJson,
    address,
    compact,
    concept,
    patient_ref,
    period,
    phone,
)
from adapters.systmone.values import Row, date_only, date_time, flag, required, required_int, text
from adapters.uris import identifier_system

UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
INVALID_NHS_NUMBER_SYSTEM = identifier_system("systmone", "SRPatient/NHSNumber-failed-check")


def _nhs_identifier(raw: str | None, spine_matched: bool | None,
                    lookups: Lookups) -> tuple[list[FhirJson], list[str]]:
    """The NHS number identifier with its verification status ON the identifier (UK Core).
    A missing or failing number still imports: the identifier keeps no value, status 03."""
    def status(state: str) -> list[FhirJson]:
        target = lookups.maps["systmone-nhs-number-verification"].lookup(state)
        return [{"url": VERIFICATION_EXTENSION, "valueCodeableConcept": concept([target.coding()])}]

    number = nhs_number.normalise(raw)
    if number and nhs_number.is_valid(number):
        state = "spine-matched" if spine_matched else "not-spine-matched"
        return [{"extension": status(state), "system": nhs_number.NHS_NUMBER_SYSTEM, "value": number}], []
    flagged = {"extension": status("missing-or-invalid"), "system": nhs_number.NHS_NUMBER_SYSTEM}
    if not number:
        return [flagged], [RowWarning("NHSNumber is empty: imported without one, flagged 03 Trace required",
                                      NHS_NUMBER_MISSING, "NHSNumber")]
    kept = {"use": "old", "system": INVALID_NHS_NUMBER_SYSTEM, "value": raw.strip() if raw else number}
    return [flagged, kept], [RowWarning(
        f"NHSNumber {number!r} fails the Modulus 11 check: kept as received under {INVALID_NHS_NUMBER_SYSTEM}, "
        "flagged 03 Trace required", NHS_NUMBER_INVALID, "NHSNumber", raw)]


def patient(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    gender_code = (text(row, "Gender") or "").upper()
    gender = lookups.extra("systmone-gender", gender_code) if gender_code else None
    if gender_code and gender is None:  # descriptive: the adapter keeps the patient without it
        raise MappingError(f"Gender {gender_code!r} is not one of M, F, I, U", BAD_GENDER, "Gender")
    nhs, warnings = _nhs_identifier(text(row, "NHSNumber"), flag(row, "SpineMatched"), lookups)
    given = [n for n in (text(row, "FirstName"), *(text(row, "MiddleNames") or "").split()) if n]
    names: list[FhirJson] = [compact({"use": "official", "family": required(row, "Surname"), "given": given,
                                      "prefix": [t] if (t := text(row, "Title")) else None})]
    if previous := text(row, "PreviousSurname"):
        names.append({"use": "old", "family": previous})
    email = text(row, "EmailAddress")
    valid = "value" in nhs[0]
    resource = compact({
        "resourceType": "Patient",
        "id": ids.resource_id("SRPatient", key),
        "meta": {"profile": [UK_CORE_PATIENT]} if valid else None,
        "identifier": [ids.identifier("SRPatient", key), *nhs],
        "name": names,
        "telecom": [{"id": "SRPatient-email", "system": "email", "value": email}] if email else None,
        "gender": gender.code if gender else None,
        "birthDate": date_only(row, "DateBirth"),
        "deceasedDateTime": date_time(row, "DateDeath"),
        "managingOrganization": _org(row, "IDOrganisationVisibleTo"),
    })
    if flag(row, "TestPatient"):
        warnings.append(RowWarning("TestPatient is TRUE: a test record in the live extract", TEST_PATIENT,
                                   "TestPatient", "TRUE"))
    return Converted(ref, resources=[resource], preserve={"Patient": ("address", "telecom")}, warnings=warnings)


def _org(row: Row, column: str) -> FhirJson | None:
    code = text(row, column)
    return ids.organisation_reference(code) if code else None


def address_history(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    kind = lookups.coded(row, "AddressType")
    street = " ".join(p for p in (text(row, "NumberOfBuilding"), text(row, "NameOfRoad")) if p)
    element = address(
        [text(row, "NameOfBuilding"), street, text(row, "NameOfLocality")],
        text(row, "NameOfTown"), text(row, "NameOfCounty"), text(row, "FullPostCode"))
    element["id"] = f"SRPatientAddressHistory-{key}"
    if kind is not None and (use := lookups.translate("systmone-address-type", kind, "AddressType")) is not None:
        element["use"] = use.code
    if span := period(date_time(row, "DateEvent"), date_time(row, "DateTo")):
        element["period"] = span
    element = compact(element)
    patient_id = patient_ref(row)["reference"].split("/")[1]
    return Converted(ref, merges=[ElementMerge("Patient", patient_id, "address", element["id"], element)])


def contact_details(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    kind = lookups.coded(row, "ContactType")
    target = lookups.translate("systmone-contact-type-system", kind, "ContactType") if kind else None
    system = target.code if target else "other"  # a number FHIR cannot type is still a way to reach them
    use = lookups.extra("systmone-contact-type-use", kind) if kind else None
    element = compact({"id": f"SRPatientContactDetails-{key}", "system": system,
                       "value": required(row, "ContactNumber"), "use": use.code if use else None,
                       "period": period(date_time(row, "DateEvent"), None)})
    patient_id = patient_ref(row)["reference"].split("/")[1]
    return Converted(ref, merges=[ElementMerge("Patient", patient_id, "telecom", element["id"], element)])


def relationship(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    kind = lookups.coded(row, "RelationshipType")
    role = lookups.translate("systmone-relationship-type", kind, "RelationshipType") if kind else None
    codes = [concept([role.coding()] if role else [], kind)] if kind else []
    flags = [target.coding() for column, target in lookups.maps["systmone-relationship-flag-column"].entries.items()
             if flag(row, column)]
    if flags:
        codes.append(concept(flags))
    sex = (text(row, "RelationshipWithSex") or "").upper()
    email = text(row, "RelationshipWithEmailAddress")
    telecom = [t for t in (
        phone(text(row, "RelationshipWithTelephone"), "home"),
        phone(text(row, "RelationshipWithWorkTelephone"), "work"),
        phone(text(row, "RelationshipWithMobileTelephone"), "mobile"),
        {"system": "email", "value": email} if email else None,
    ) if t]
    ended = date_time(row, "DateEnded")
    home = address([text(row, "RelationshipWithHouseName"),
                    " ".join(p for p in (text(row, "RelationshipWithHouseNumber"), text(row, "RelationshipWithRoad"))
                             if p), text(row, "RelationshipWithLocality")],
                   text(row, "RelationshipWithPostTown"), text(row, "RelationshipWithCounty"),
                   text(row, "RelationshipWithPostCode"))
    name = text(row, "RelationshipWithName")
    resource = compact({
        "resourceType": "RelatedPerson",
        "id": ids.resource_id("SRPatientRelationship", key),
        "identifier": [ids.identifier("SRPatientRelationship", key)],
        "active": ended is None,
        "patient": patient_ref(row),
        "relationship": codes,
        "name": [{"text": name}] if name else None,
        "telecom": telecom,
        "gender": gender.code if (gender := lookups.extra("systmone-gender", sex)) else None,
        "birthDate": date_only(row, "RelationshipWithDateOfBirth"),
        "address": [home] if home else None,
        "period": period(date_time(row, "DateEvent"), ended),
    })
    return Converted(ref, resources=[resource])
