"""SRRepeatTemplate and SRPrimaryCareMedication -> MedicationRequest.

A repeat template is the standing plan (`intent=plan`, course `continuous`); each issue is an
order (`intent=order`) that points at its template through `basedOn`. Medicines are dm+d coded
from `IDMultiLexDMD`, with the Multilex product kept beside it and the printed name as text.
"""

from __future__ import annotations

from adapters.base import Converted, RowRef
from adapters.systmone import ids
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir.clinical import MULTILEX
from adapters.systmone.to_fhir.datatypes import (
    FhirJson,
    coding,
    compact,
    concept,
    event_ref,
    pack_quantity,
    patient_ref,
    period,
    role_ref,
)
from adapters.systmone.values import Row, date_time, flag, integer, required, required_int, text
from adapters.uris import DMD

COURSE = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"


def _medicine(row: Row) -> FhirJson:
    name = required(row, "NameOfMedication")
    codings = []
    if (dmd := integer(row, "IDMultiLexDMD")) is not None:
        codings.append(coding(DMD, str(dmd), name))
    if (product := integer(row, "IDMultiLexProduct")) is not None:
        codings.append(coding(MULTILEX, str(product), name))
    return concept(codings, name)


def _dosage(row: Row) -> list[FhirJson] | None:
    dose = text(row, "MedicationDosage")
    return [{"text": dose}] if dose else None


def repeat_template(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    ended = date_time(row, "DateMedicationTemplateEnd")
    status_text = lookups.coded(row, "DrugStatus")
    max_issues = integer(row, "MaxIssues")
    course_days = integer(row, "CourseLengthPerIssue")
    dispense = compact({
        "validityPeriod": period(date_time(row, "DateMedicationTemplateStart"), ended),
        "numberOfRepeatsAllowed": max_issues if max_issues is not None and max_issues >= 0 else None,
        "quantity": pack_quantity(text(row, "MedicationQuantity")),
        "expectedSupplyDuration": {"value": course_days, "unit": "days", "system": "http://unitsofmeasure.org",
                                   "code": "d"} if course_days else None,
    })
    requester = role_ref(row, "IDDoneBy")
    resource = compact({
        "resourceType": "MedicationRequest",
        "id": ids.resource_id("SRRepeatTemplate", key),
        "identifier": [ids.identifier("SRRepeatTemplate", key)],
        "status": "completed" if ended else "active",
        "intent": "plan",
        "courseOfTherapyType": concept([coding(COURSE, "continuous", "Continuous long term therapy")]),
        "medicationCodeableConcept": _medicine(row),
        "subject": patient_ref(row),
        "encounter": event_ref(row),
        "authoredOn": date_time(row, "DateEvent"),
        "requester": requester,
        "recorder": role_ref(row, "IDProfileEnteredBy"),
        "dosageInstruction": _dosage(row),
        "dispenseRequest": dispense,
        "note": [{"text": f"SystmOne drug status: {status_text}"}] if status_text else None,
    })
    return Converted(ref, resources=[resource])


def issue(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    template = integer(row, "IDRepeatTemplate")
    repeat = flag(row, "IsRepeatMedication")
    course = "continuous" if repeat else "acute"
    dispense = compact({
        "validityPeriod": period(date_time(row, "DateMedicationStart"), date_time(row, "DateMedicationEnd")),
        "quantity": pack_quantity(text(row, "MedicationQuantity")),
    })
    resource = compact({
        "resourceType": "MedicationRequest",
        "id": ids.resource_id("SRPrimaryCareMedication", key),
        "identifier": [ids.identifier("SRPrimaryCareMedication", key)],
        "status": "completed",
        "intent": "order",
        "courseOfTherapyType": concept([coding(COURSE, course, "Short course (acute) therapy" if course == "acute"
                                               else "Continuous long term therapy")]),
        "medicationCodeableConcept": _medicine(row),
        "subject": patient_ref(row),
        "encounter": event_ref(row),
        "authoredOn": date_time(row, "DateEvent"),
        "requester": role_ref(row, "IDDoneBy"),
        "recorder": role_ref(row, "IDProfileEnteredBy"),
        "basedOn": [ids.reference("MedicationRequest", "SRRepeatTemplate", template)] if template is not None else None,
        "dosageInstruction": _dosage(row),
        "dispenseRequest": dispense,
    })
    return Converted(ref, resources=[resource])
