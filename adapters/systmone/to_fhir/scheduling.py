"""SRAppointment, SRVisit and SRReferralOut -> Appointment (surgery slots and home visits) and
ServiceRequest.

Statuses are SRMapping texts ("Finished", "No Access Visit"...) looked up in
`mappings/systmone/appointment-status.map.json`. An Appointment cannot exist without a status, but
a status that does not resolve (an ID SRMapping lacks, no SRMapping yet, a text the map lacks) must
not cost the appointment: the status is then read from the row's own dates (cancelled, seen,
arrived, else booked), the raw value is kept and the run says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.base import Converted, RowRef, RowWarning
from adapters.systmone import ids
from adapters.systmone.errors import MISSING_VALUE, STATUS_FROM_DATES, MappingError
from adapters.systmone.lookups import Lookups
from adapters.systmone.to_fhir.datatypes import (
    FhirJson,
    clinical_codes,
    coding,
    compact,
    concept,
    event_ref,
    ods_identifier,
    patient_ref,
    role_ref,
)
from adapters.systmone.values import (
    Row,
    date_time,
    flag,
    instant,
    integer,
    required_date_time,
    required_int,
    text,
)

_TIMELESS = ("proposed", "cancelled", "waitlist")
# What a row's own dates say about an appointment whose status did not resolve, strongest first.
_STATUS_EVIDENCE = (("DateAppointmentCancelled", "cancelled"), ("DatePatientSeen", "fulfilled"),
                    ("DatePatientArrival", "arrived"))
HOME_VISIT = ("http://snomed.info/sct", "439708006", "Home visit")


def _participants(row: Row, *columns: str) -> list[FhirJson]:
    out: list[FhirJson] = [{"actor": patient_ref(row), "status": "accepted"}]
    for column in columns:
        actor = role_ref(row, column)
        if actor is not None and all(p["actor"] != actor for p in out):
            out.append({"actor": actor, "status": "accepted"})
    return out


def _status(row: Row, lookups: Lookups, column: str) -> tuple[str, str | None]:
    """(FHIR status, SRMapping text); the status from the row's dates when the text cannot be had."""
    if text(row, column) is None:
        raise MappingError(f"{column} is empty; an appointment needs a status", MISSING_VALUE)
    raw = lookups.coded(row, column)
    target = lookups.translate("systmone-appointment-status", raw, column) if raw is not None else None
    if target is not None:
        return target.code, raw
    status = next((s for evidence, s in _STATUS_EVIDENCE if text(row, evidence)), "booked")
    lookups.notes.warnings.append(RowWarning(
        f"{column} did not resolve: status {status!r} taken from the row's dates", STATUS_FROM_DATES, column,
        text(row, column)))
    return status, raw


def _need_times(status: str, start: str | None, end: str | None) -> None:
    if status not in _TIMELESS and not (start and end):
        missing = "DateStart" if not start else "DateEnd"
        raise MappingError(f"{missing} is empty; a {status} appointment needs a start and an end", MISSING_VALUE)


def appointment(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    status, raw = _status(row, lookups, "AppointmentStatus")
    start, end = instant(row, "DateStart"), instant(row, "DateEnd")
    _need_times(status, start, end)
    telephone = flag(row, "TelephoneAppointment")
    resource = compact({
        "resourceType": "Appointment",
        "id": ids.resource_id("SRAppointment", key),
        "identifier": [ids.identifier("SRAppointment", key)],
        "status": status,
        "serviceType": [concept([], rota)] if (rota := text(row, "RotaName")) else None,
        "appointmentType": concept([], "Telephone appointment") if telephone else None,
        "description": f"SystmOne status: {raw}" if raw else None,
        "start": start,
        "end": end,
        "created": date_time(row, "DateAppointmentBooked"),
        "participant": _participants(row, "IDProfileClinician"),
    })
    return Converted(ref, resources=[resource])


def visit(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    status, raw = _status(row, lookups, "CurrentStatus")
    start = instant(row, "DateBooked")
    minutes = integer(row, "Duration")
    end = (datetime.fromisoformat(start) + timedelta(minutes=minutes)).isoformat() if start and minutes else None
    if status not in _TIMELESS and not (start and end):
        raise MappingError("Duration is empty; a booked home visit needs a length to have an end", MISSING_VALUE)
    resource = compact({
        "resourceType": "Appointment",
        "id": ids.resource_id("SRVisit", key),
        "identifier": [ids.identifier("SRVisit", key)],
        "status": status,
        "serviceType": [concept([coding(*HOME_VISIT)], "Home visit")],
        "description": f"SystmOne visit status: {raw}" if raw else None,
        "start": start,
        "end": end,
        "minutesDuration": minutes if minutes and minutes > 0 else None,
        "created": date_time(row, "DateRequested"),
        "comment": text(row, "FollowUpDetails"),
        "participant": _participants(row, "IDProfileAssigned", "IDProfileRequested"),
    })
    return Converted(ref, resources=[resource])


def referral_out(row: Row, lookups: Lookups, ref: RowRef) -> Converted:
    key = required_int(row, "RowIdentifier")
    urgency = lookups.coded(row, "Urgency")
    priority = lookups.translate("systmone-referral-urgency", urgency, "Urgency") if urgency else None
    kind = lookups.coded(row, "TypeOfReferral")
    diagnosis = text(row, "PrimaryDiagnosis")
    reason_codes = [clinical_codes(lookups, diagnosis, None, text(row, "SNOMEDPrimaryDiagnosis"))] if diagnosis else []
    if reason := lookups.coded(row, "Reason"):
        reason_codes.append(concept([], reason))
    recipient = text(row, "RecipientID")
    requester = role_ref(row, "IDProfileReferrer") or role_ref(row, "IDDoneBy")
    resource = compact({
        "resourceType": "ServiceRequest",
        "id": ids.resource_id("SRReferralOut", key),
        "identifier": [ids.identifier("SRReferralOut", key)],
        "status": "active",
        "intent": "order",
        "category": [concept([], kind)] if kind else None,
        "priority": priority.code if priority else None,
        "code": concept([], offered) if (offered := lookups.coded(row, "ServiceOffered")) else None,
        "subject": patient_ref(row),
        "encounter": event_ref(row),
        "authoredOn": required_date_time(row, "DateEvent"),
        "requester": requester,
        "performer": [{"identifier": ods_identifier(recipient)}] if recipient else None,
        "reasonCode": reason_codes,
        "note": [{"text": "Re-referral"}] if flag(row, "ReReferral") else None,
    })
    return Converted(ref, resources=[resource])
