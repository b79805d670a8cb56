"""SREvent, SRCode, SRProblem, SRDrugSensitivity, SRImmunisation -> Encounter, Observation or
Condition, AllergyIntolerance, Immunization.

An SRCode row is an Observation unless an SRProblem row links to it (`IDCode`): then it is the
Condition as recorded at the consultation (`encounter-diagnosis`), and the SRProblem row is the
problem-list Condition that cites it as evidence. SRProblem is read first so the link is known.
"""

from __future__ import annotations

from adapters.base import Converted, RowRef, RowWarning
from adapters.systmone import ids
from adapters.systmone.errors import CLASS_ASSUMED, COMPARATOR_DROPPED
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir.datatypes import (
    FhirJson,
    clinical_codes,
    coding,
    compact,
    concept,
    event_ref,
    organisation_ref,
    patient_ref,
    quantity,
    role_ref,
)
from adapters.systmone.values import (
    Row,
    date_only,
    date_time,
    flag,
    integer,
    number,
    required,
    required_date_time,
    required_int,
    text,
)

CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
MULTILEX = "https://fhir.hl7.org.uk/Id/multilex-drug-codes"
_COMPARATORS = {"<": "<", "<=": "<=", ">=": ">=", ">": ">"}


def event(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    warnings: list[str] = []
    location = lookups.coded(row, "ContactEventLocation")
    method = lookups.coded(row, "ContactMethod")
    klass = lookups.extra("systmone-contact-method-class", method) if method else None
    if klass is None and location:
        klass = lookups.extra("systmone-event-location-class", location)
    if klass is None:
        warnings.append(RowWarning("no ContactMethod or ContactEventLocation that maps to an encounter class: "
                                   "AMB assumed", CLASS_ASSUMED))
    done_by = role_ref(row, "IDDoneBy")
    resource = compact({
        "resourceType": "Encounter",
        "id": ids.resource_id("SREvent", key),
        "identifier": [ids.identifier("SREvent", key)],
        "status": "in-progress" if flag(row, "EventIncomplete") else "finished",
        "class": klass.coding() if klass else coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [concept([], method)] if method else None,
        "subject": patient_ref(row),
        "participant": [{"individual": done_by}] if done_by else None,
        "period": {"start": required_date_time(row, "DateEvent")},
        "location": [{"location": {"display": location}}] if location else None,
        "serviceProvider": organisation_ref(row, "IDOrganisationDoneAt") or organisation_ref(row, "IDOrganisation"),
    })
    return Converted(ref, resources=[resource], warnings=warnings)


def _common(row: Row) -> dict[str, FhirJson | None]:
    return {"subject": patient_ref(row), "encounter": event_ref(row)}


def code(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    codes = clinical_codes(lookups, required(row, "CTV3Code"), text(row, "CTV3Text"), text(row, "SNOMEDCode"),
                           text(row, "SNOMEDText"))
    if key in lookups.problem_codes:
        resource = compact({
            "resourceType": "Condition",
            "id": ids.resource_id("SRCode", key),
            "identifier": [ids.identifier("SRCode", key)],
            "category": [concept([coding(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")])],
            "code": codes,
            **_common(row),
            "onsetDateTime": date_time(row, "DateEvent"),
            "recordedDate": date_time(row, "DateEventRecorded"),
            "recorder": role_ref(row, "IDProfileEnteredBy"),
            "asserter": role_ref(row, "IDDoneBy"),
        })
        return Converted(ref, resources=[resource])
    warnings: list[str] = []
    value = number(row, "NumericValue")
    measured = None
    if value is not None and flag(row, "IsNumeric") is not False:
        raw = text(row, "NumericComparator")
        comparator = _COMPARATORS.get(raw or "")
        if raw and comparator is None and raw != "=":
            warnings.append(RowWarning(f"NumericComparator {raw!r} has no FHIR equivalent: value kept without it",
                                       COMPARATOR_DROPPED, "NumericComparator", raw))
            lookups.keep_raw("NumericComparator", raw)
        measured = quantity(value, text(row, "NumericUnit"), comparator)
    done_by = role_ref(row, "IDDoneBy")
    resource = compact({
        "resourceType": "Observation",
        "id": ids.resource_id("SRCode", key),
        "identifier": [ids.identifier("SRCode", key)],
        "status": "final",
        "code": codes,
        **_common(row),
        "effectiveDateTime": date_time(row, "DateEvent"),
        "performer": [done_by] if done_by else None,
        "valueQuantity": measured,
    })
    return Converted(ref, resources=[resource], warnings=warnings)


def problem(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    linked = integer(row, "IDCode")
    ended = date_time(row, "DateEnd")
    severity_text = lookups.coded(row, "Severity")
    severity = lookups.translate("systmone-problem-severity", severity_text, "Severity") if severity_text else None
    resource = compact({
        "resourceType": "Condition",
        "id": ids.resource_id("SRProblem", key),
        "identifier": [ids.identifier("SRProblem", key)],
        "clinicalStatus": concept([coding(CONDITION_CLINICAL, "resolved" if ended else "active")]),
        "verificationStatus": concept([coding(CONDITION_VERIFICATION, "confirmed")]),
        "category": [concept([coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")])],
        "severity": concept([severity.coding()] if severity else [], severity_text) if severity_text else None,
        "code": clinical_codes(lookups, required(row, "CTV3Code"), None),
        **_common(row),
        "onsetDateTime": date_time(row, "DateEvent"),
        "abatementDateTime": ended,
        "recordedDate": date_time(row, "DateEventRecorded"),
        "recorder": role_ref(row, "IDProfileEnteredBy"),
        "asserter": role_ref(row, "IDDoneBy"),
        "evidence": [{"detail": [ids.reference("Condition", "SRCode", linked)]}] if linked is not None else None,
    })
    return Converted(ref, resources=[resource])


def drug_sensitivity(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    drug = str(required_int(row, "IDDrugCode"))
    codings = [coding(MULTILEX, drug)]
    substance = lookups.extra("systmone-drug-sensitivity", drug)
    if substance is not None:
        codings.append(substance.coding())
    action = integer(row, "IDMultiLexAction")
    reaction = lookups.extra("systmone-drug-reaction", str(action)) if action is not None else None
    ended = date_time(row, "DateEnded")
    resource = compact({
        "resourceType": "AllergyIntolerance",
        "id": ids.resource_id("SRDrugSensitivity", key),
        "identifier": [ids.identifier("SRDrugSensitivity", key)],
        "clinicalStatus": concept([coding(ALLERGY_CLINICAL, "resolved" if ended else "active")]),
        "verificationStatus": concept([coding(ALLERGY_VERIFICATION, "confirmed")]),
        "category": ["medication"],
        "code": concept(codings, substance.display if substance else None),
        "patient": patient_ref(row),
        "encounter": event_ref(row),
        "onsetDateTime": date_time(row, "DateStarted") or date_time(row, "DateEvent"),
        "recordedDate": date_time(row, "DateEventRecorded"),
        "recorder": role_ref(row, "IDProfileEnteredBy"),
        "reaction": [{"manifestation": [concept([reaction.coding()], reaction.display)]}] if reaction else None,
    })
    return Converted(ref, resources=[resource])


def immunisation(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    done_by = role_ref(row, "IDDoneBy")
    part = text(row, "VaccPart")
    resource = compact({
        "resourceType": "Immunization",
        "id": ids.resource_id("SRImmunisation", key),
        "identifier": [ids.identifier("SRImmunisation", key)],
        "status": "completed",
        "vaccineCode": clinical_codes(lookups, required(row, "ImmsReadCode"), None),
        "patient": patient_ref(row),
        "encounter": event_ref(row),
        "occurrenceDateTime": required_date_time(row, "DateEvent"),
        "recorded": date_time(row, "DateEventRecorded"),
        "lotNumber": text(row, "VaccBatchNumber"),
        "expirationDate": date_only(row, "DateExpiry"),
        "site": concept([], s) if (s := text(row, "Location")) else None,
        "route": concept([], m) if (m := text(row, "Method")) else None,
        "performer": [{"actor": done_by}] if done_by else None,
        "protocolApplied": [{"doseNumberString": part}] if part else None,
    })
    return Converted(ref, resources=[resource])
