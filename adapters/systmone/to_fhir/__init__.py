"""SR rows -> FHIR: one converter per SR table, and what a delete marker in each table removes.

Converters take the row (column -> text), the extract's lookups and the row's reference, and
return a `Converted`; they raise `AdapterError`s that the adapter turns into `Rejected` records.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.base import Converted, ElementMerge, RowRef
from adapters.systmone import ids
from adapters.systmone.errors import UNUSABLE_DELETE, MappingError
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir import clinical, medication, organisations, people, scheduling
from adapters.systmone.values import Row, integer, required_int, text

Converter = Callable[[Row, Lookups, RowRef], Converted]

CONVERTERS: dict[str, Converter] = {
    "SROrganisation": organisations.organisation,
    "SRStaffMember": organisations.staff_member,
    "SRStaffMemberProfile": organisations.staff_profile,
    "SRPatient": people.patient,
    "SRPatientAddressHistory": people.address_history,
    "SRPatientContactDetails": people.contact_details,
    "SRPatientRelationship": people.relationship,
    "SREvent": clinical.event,
    "SRProblem": clinical.problem,
    "SRCode": clinical.code,
    "SRPrimaryCareMedication": medication.issue,
    "SRRepeatTemplate": medication.repeat_template,
    "SRDrugSensitivity": clinical.drug_sensitivity,
    "SRImmunisation": clinical.immunisation,
    "SRAppointment": scheduling.appointment,
    "SRVisit": scheduling.visit,
    "SRReferralOut": scheduling.referral_out,
}

# Resource types a row of each table may have become (SRCode: Observation or Condition).
RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "SRStaffMember": ("Practitioner",),
    "SRStaffMemberProfile": ("PractitionerRole",),
    "SRPatient": ("Patient",),
    "SRPatientRelationship": ("RelatedPerson",),
    "SREvent": ("Encounter",),
    "SRProblem": ("Condition",),
    "SRCode": ("Observation", "Condition"),
    "SRPrimaryCareMedication": ("MedicationRequest",),
    "SRRepeatTemplate": ("MedicationRequest",),
    "SRDrugSensitivity": ("AllergyIntolerance",),
    "SRImmunisation": ("Immunization",),
    "SRAppointment": ("Appointment",),
    "SRVisit": ("Appointment",),
    "SRReferralOut": ("ServiceRequest",),
}
_FOLDED = {"SRPatientAddressHistory": "address", "SRPatientContactDetails": "telecom"}


def delete(table: str, row: Row, ref: RowRef) -> Converted:
    """What a `RemovedData` row removes. TPP may blank every column but the keys in a delete row,
    so nothing else is read."""
    key = required_int(row, "RowIdentifier")
    if table == "SROrganisation":
        ods = text(row, "ID")
        if ods is None:
            raise MappingError("delete marker without ID (ODS code): cannot tell which Organization", UNUSABLE_DELETE)
        return Converted(ref, deletes=[("Organization", ids.organisation_id(ods))])
    if table in _FOLDED:
        patient = integer(row, "IDPatient")
        if patient is None:
            raise MappingError(f"delete marker without IDPatient: cannot find the Patient its "
                               f"{_FOLDED[table]} belongs to", UNUSABLE_DELETE)
        return Converted(ref, merges=[ElementMerge("Patient", ids.resource_id("SRPatient", patient), _FOLDED[table],
                                                   f"{table}-{key}", remove=True)])
    return Converted(ref, deletes=[(kind, ids.resource_id(table, key)) for kind in RESOURCE_TYPES[table]])
