"""SROrganisation, SRStaffMember and SRStaffMemberProfile -> Organization, Practitioner, PractitionerRole.

Other tables name organisations by ODS code (`IDOrganisation*`), so an Organization's id derives
from its ODS code; staff are named by profile (`IDProfileEnteredBy`, `IDDoneBy`), so clinical
resources point at the PractitionerRole, which points at the Practitioner.
"""

from __future__ import annotations

from adapters.base import Converted, RowRef
from adapters.systmone import ids
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir.datatypes import address, compact, concept, ods_identifier, period, phone
from adapters.systmone.values import Row, date_time, flag, required, required_int, text

UK_CORE_ORGANIZATION = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"
GMP_SYSTEM = "https://fhir.hl7.org.uk/Id/gmp-number"


def organisation(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    ods = required(row, "ID")
    home = address([text(row, "HouseName"),
                    " ".join(p for p in (text(row, "HouseNumber"), text(row, "NameOfRoad")) if p),
                    text(row, "NameOfLocality")], text(row, "NameOfTown"), text(row, "NameOfCounty"),
                   text(row, "FullPostCode"))
    fax = text(row, "Fax")
    telecom = [t for t in (phone(text(row, "Telephone"), "work"), phone(text(row, "SecondaryTelephone"), "work"),
                           {"system": "fax", "value": fax} if fax else None) if t]
    resource = compact({
        "resourceType": "Organization",
        "id": ids.organisation_id(ods),
        "meta": {"profile": [UK_CORE_ORGANIZATION]},
        "identifier": [ids.identifier("SROrganisation", key), ods_identifier(ods)],
        "active": not flag(row, "MadeObsolete"),
        "name": required(row, "Name"),
        "telecom": telecom,
        "address": [home] if home else None,
    })
    return Converted(ref, resources=[resource])


def staff_member(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    identifiers = [ids.identifier("SRStaffMember", key)]
    national = text(row, "IDNational")
    if national:
        kind = text(row, "NationalIdType") or ""
        system = lookups.extra("systmone-national-id-type", kind)
        identifiers.append({"system": system.code if system else ids.system("SRStaffMember/IDNational"),
                            "value": national})
    if smartcard := text(row, "IDSmartCard"):
        identifiers.append({"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": smartcard})
    resource = compact({
        "resourceType": "Practitioner",
        "id": ids.resource_id("SRStaffMember", key),
        "identifier": identifiers,
        "active": not flag(row, "Obsolete"),
        "name": [{"text": required(row, "StaffName")}],
    })
    return Converted(ref, resources=[resource])


def staff_profile(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    member = required_int(row, "IDStaffMember")
    identifiers = [ids.identifier("SRStaffMemberProfile", key)]
    if gmp := text(row, "GmpID"):
        identifiers.append({"system": GMP_SYSTEM, "value": gmp})
    ended = date_time(row, "DateEmploymentEnd")
    org = text(row, "IDOrganisation")
    role = text(row, "StaffRole")
    resource = compact({
        "resourceType": "PractitionerRole",
        "id": ids.resource_id("SRStaffMemberProfile", key),
        "identifier": identifiers,
        "active": ended is None,
        "period": period(date_time(row, "DateEmploymentStart"), ended),
        "practitioner": ids.reference("Practitioner", "SRStaffMember", member),
        "organization": ids.organisation_reference(org) if org else None,
        "code": [concept([], role)] if role else None,
    })
    return Converted(ref, resources=[resource])
