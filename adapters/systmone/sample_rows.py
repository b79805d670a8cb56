"""The SR rows a SystmOne extract holds for a list of synthetic people, as one ordered stream.

`sample.py` writes them to CSV; the delta writer walks the same stream to pick rows to change,
so RowIdentifiers agree between a bulk extract and its delta. Coded-list columns carry integer IDs,
never text: SRMapping IDs from `MAPPING`, and SRConfiguredListOption IDs from `LIST_OPTIONS` for the
columns real extracts resolve through that table (SREvent locations and methods, referral reasons
and services offered).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from adapters.sample import clinical, places
from adapters.sample.people import Person

SampleRow = tuple[str, dict[str, str]]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PROFILE_OFFSET = 500  # SRStaffMemberProfile RowIdentifier = staff number + offset
ALLERGEN_CODES = {"penicillin": "1001", "codeine": "1002", "trimethoprim": "1003", "aspirin": "1004"}

# SRMapping: group -> (first id, texts). IDs are unique across groups, as in TPP's table.
_GROUPS: dict[str, tuple[int, tuple[str, ...]]] = {
    "AppointmentStatus": (1000, ("Booked", "Arrived", "Did Not Attend", "In Progress", "Finished", "Requested",
                                 "Blocked", "Visit", "Waiting", "Cancelled by Patient", "Cancelled by Unit",
                                 "No Access Visit", "Cancelled Due To Death", "Patient Walked Out")),
    "VisitStatus": (1100, ("Requested", "Allocated", "Completed", "No Access Visit", "Cancelled by Patient")),
    "ContactType": (2000, ("Home telephone", "Mobile telephone", "Work telephone", "Email")),
    "RelationshipType": (3000, ("Spouse", "Daughter", "Son", "Neighbour", "Friend", "Niece")),
    "AddressType": (4000, ("Permanent", "Temporary", "Correspondence only")),
    "Severity": (6000, ("Minor", "Major")),
    "Urgency": (7000, ("Routine", "Urgent", "Two Week Wait")),
    "TypeOfReferral": (7100, ("Community service", "Social care", "Secondary care")),
    "DrugStatus": (8000, ("Normal", "Historical", "Regular", "As required")),
}
MAPPING: dict[tuple[str, str], int] = {
    (group, label): first + i for group, (first, labels) in _GROUPS.items() for i, label in enumerate(labels)}
GROUP_IDS = {group: n for n, group in enumerate(_GROUPS, start=1)}

# SRConfiguredListOption: configured list -> (first id, options). Large IDs, as organisations' own
# configured lists have; they never collide with SRMapping's in this sample (they may in real data).
_CONFIGURED: dict[str, tuple[int, tuple[str, ...]]] = {
    "ContactEventLocation": (88810, ("Patient's home", "GP surgery", "Clinic")),
    "ContactMethod": (88820, ("Face to face", "Telephone", "Home visit")),
    "ServiceOffered": (88830, tuple(clinical.REFERRAL_SERVICES)),
    "Reason": (88860, tuple(f"Referred to {service.lower()}" for service in clinical.REFERRAL_SERVICES)),
}
LIST_OPTIONS: dict[tuple[str, str], int] = {
    (group, label): first + i for group, (first, labels) in _CONFIGURED.items() for i, label in enumerate(labels)}
_VISIT_STATUS = {"Finished": "Completed", "Booked": "Allocated", "No Access Visit": "No Access Visit",
                 "Cancelled by Patient": "Cancelled by Patient", "Did Not Attend": "No Access Visit"}


def sr_date(value: date | datetime | None, *, seconds: bool = True) -> str:
    """`29 Sep 2011 14:53:28` (midnight for a plain date), as SR files write dates."""
    if value is None:
        return ""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    clock = f"{moment.hour:02d}:{moment.minute:02d}" + (f":{moment.second:02d}" if seconds else "")
    return f"{moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year} {clock}"


def code(group: str, label: str) -> str:
    return str(MAPPING[(group, label)])


def option(configured_list: str, label: str) -> str:
    return str(LIST_OPTIONS[(configured_list, label)])


def tf(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def reference_rows() -> Iterator[SampleRow]:
    """SRMappingGroup, SRMapping, SRConfiguredListOption, SROrganisation, SRStaffMember, SRStaffMemberProfile."""
    for group, number in GROUP_IDS.items():
        yield "SRMappingGroup", {"RowIdentifier": str(number), "Description": group}
    for (group, label), number in MAPPING.items():
        yield "SRMapping", {"RowIdentifier": str(number), "IdMappingGroup": str(GROUP_IDS[group]), "Mapping": label}
    for (configured, label), number in LIST_OPTIONS.items():
        yield "SRConfiguredListOption", {"RowIdentifier": str(number), "ConfiguredList": configured,
                                         "ConfiguredListOption": label, "RemovedData": "0"}
    orgs = [(p.ods_code, p.name, p.road, p.village.name, p.village.town, p.postcode, p.telephone)
            for p in places.PRACTICES]
    orgs.append((places.COMMUNITY_TRUST[0], places.COMMUNITY_TRUST[1], "Hospital Road", "", "Haddingford",
                 "IP94 1HT", "01632 960400"))
    for row_id, (ods, name, road, locality, town, postcode, phone) in enumerate(orgs, start=1):
        yield "SROrganisation", {
            "RowIdentifier": str(row_id), "Name": name, "ID": ods, "HouseName": "", "HouseNumber": "",
            "NameOfRoad": road, "NameOfLocality": locality, "NameOfTown": town, "NameOfCounty": places.COUNTY,
            "FullPostCode": postcode, "Telephone": phone, "MadeObsolete": "FALSE", "RemovedData": "0"}
    for staff in places.STAFF:
        yield "SRStaffMember", {
            "RowIdentifier": str(staff.number), "StaffName": f"{staff.title} {staff.given} {staff.family}",
            "StaffUserName": f"{staff.given[0]}{staff.family}".lower(), "NationalIdType": "SDS",
            "IDNational": staff.sds_user_id, "IDSmartCard": "", "Obsolete": "FALSE", "RemovedData": "0"}
        yield "SRStaffMemberProfile", {
            "RowIdentifier": str(staff.number + PROFILE_OFFSET), "DateProfileCreated": sr_date(date(2015, 4, 1)),
            "StaffRole": staff.role, "DateEmploymentStart": sr_date(date(2015, 4, 1)),
            "IDStaffMember": str(staff.number), "IDOrganisation": staff.practice_code, "RemovedData": "0"}


class _Counter:
    """Per-table RowIdentifiers, deterministic in the order rows are produced."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> str:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return str(value)


def person_rows(people: list[Person]) -> Iterator[SampleRow]:
    """Every patient-level row for every person, in a fixed order."""
    ids = _Counter()
    for person in people:
        yield from _person(person, ids)


def _profile(staff: int) -> str:
    return str(staff + PROFILE_OFFSET)


def _base(person: Person, ids: _Counter, table: str, when: date | datetime | None, staff: int,
          row_id: str | None = None) -> dict[str, str]:
    org = person.practice.ods_code
    return {"RowIdentifier": row_id or ids(table), "IDOrganisationVisibleTo": org, "DateEventRecorded": sr_date(when),
            "DateEvent": sr_date(when), "IDProfileEnteredBy": _profile(staff), "IDDoneBy": _profile(staff),
            "TextualEventDoneBy": "", "IDOrganisationDoneAt": org, "IDPatient": str(person.number),
            "IDOrganisation": org, "IDOrganisationRegisteredAt": org, "RemovedData": "0"}


def _person(person: Person, ids: _Counter) -> Iterator[SampleRow]:
    yield "SRPatient", {
        "RowIdentifier": str(person.number), "IDOrganisationVisibleTo": person.practice.ods_code,
        "Title": person.title, "FirstName": person.given_names[0], "MiddleNames": " ".join(person.given_names[1:]),
        "Surname": person.family_name, "PreviousSurname": person.previous_surname or "",
        "NHSNumber": person.nhs_number or "", "DateBirth": sr_date(person.birth_date, seconds=False),
        "DateDeath": sr_date(person.death_date, seconds=False), "BirthPlace": "", "Gender": person.sex,
        "SpeaksEnglish": "TRUE", "EmailAddress": person.email or "", "TestPatient": "FALSE", "SSRef": "",
        "SpineMatched": tf(person.nhs_number is not None and person.number % 10 != 3), "RemovedData": "0"}
    gp = next(s.number for s in places.GPS if s.practice_code == person.practice.ods_code)
    for address in person.addresses:
        row = _base(person, ids, "SRPatientAddressHistory", address.start, gp)
        row.update({"NameOfBuilding": address.house_name or "", "NumberOfBuilding": address.house_number or "",
                    "NameOfRoad": address.road, "NameOfLocality": address.locality, "NameOfTown": address.town,
                    "NameOfCounty": address.county, "FullPostCode": address.postcode, "DateTo": sr_date(address.end),
                    "AddressType": code("AddressType", address.kind.capitalize()), "IDEvent": "-1"})
        yield "SRPatientAddressHistory", row
    for kind, number in (("Home telephone", person.phone), ("Mobile telephone", person.mobile)):
        if number:
            row = _base(person, ids, "SRPatientContactDetails", person.registered_since, gp)
            row.update({"ContactType": code("ContactType", kind), "ContactNumber": number, "IDEvent": "-1"})
            yield "SRPatientContactDetails", row
    yield from _network(person, ids, gp)
    events: dict[int, str] = {}
    yield from _contacts(person, ids, events)
    code_ids = [ids("SRCode") for _ in person.diagnoses]
    yield from _problems(person, ids, code_ids)
    yield from _codes(person, ids, events, code_ids)
    yield from _medicines(person, ids)
    yield from _sensitivities_and_vaccines(person, ids)
    yield from _referrals(person, ids)


def _network(person: Person, ids: _Counter, gp: int) -> Iterator[SampleRow]:
    home = person.current_address
    for member in person.network:
        row = _base(person, ids, "SRPatientRelationship", member.since, person.named_nurse or gp)
        row.update({
            "DateEnded": "", "RelationshipType": code("RelationshipType", member.relationship.capitalize()),
            "NextOfKin": tf(member.next_of_kin), "CaresForPatient": tf(member.cares_for_patient),
            "PrincipalCarerForPatient": tf(member.principal_carer), "KeyHolder": tf(member.key_holder),
            "PersonalGuardianOrProxy": "FALSE", "MainVisitor": tf(member.relationship in ("daughter", "son")),
            "RelationshipWithName": f"{member.given} {member.family}",
            "RelationshipWithDateOfBirth": sr_date(member.birth_date),
            "RelationshipWithHouseName": home.house_name or "" if member.lives_with else "",
            "RelationshipWithHouseNumber": home.house_number or "" if member.lives_with else "",
            "RelationshipWithRoad": home.road if member.lives_with else "",
            "RelationshipWithPostTown": home.town if member.lives_with else "",
            "RelationshipWithPostCode": home.postcode if member.lives_with else "",
            "RelationshipWithTelephone": member.phone or "", "RelationshipWithMobileTelephone": member.mobile or "",
            "RelationshipWithEmailAddress": member.email or "", "RelationshipWithSex": member.sex, "IDEvent": "-1"})
        yield "SRPatientRelationship", row


def _contacts(person: Person, ids: _Counter, events: dict[int, str]) -> Iterator[SampleRow]:
    for contact in person.contacts:
        staff = _profile(contact.staff)
        if contact.kind == "home visit":
            yield "SRVisit", {
                "RowIdentifier": ids("SRVisit"), "IDOrganisationVisibleTo": person.practice.ods_code,
                "DateEventRecorded": sr_date(contact.booked), "IDProfileEnteredBy": staff,
                "DateBooked": sr_date(contact.start), "DateRequested": sr_date(contact.booked),
                "CurrentStatus": code("VisitStatus", _VISIT_STATUS[contact.status]), "IDProfileRequested": staff,
                "IDProfileAssigned": staff, "FollowUpDetails": "", "IDPatient": str(person.number),
                "IDOrganisation": places.COMMUNITY_TRUST[0], "Duration": str(contact.minutes),
                "IDOrganisationRegisteredAt": person.practice.ods_code}
        else:
            end = contact.start + timedelta(minutes=contact.minutes)
            yield "SRAppointment", {
                "RowIdentifier": ids("SRAppointment"), "IDOrganisationVisibleTo": person.practice.ods_code,
                "DateStart": sr_date(contact.start), "DateEnd": sr_date(end),
                "AppointmentStatus": code("AppointmentStatus", contact.status),
                "DateAppointmentBooked": sr_date(contact.booked),
                "TelephoneAppointment": tf(contact.kind == "telephone"),
                "IDProfileClinician": staff, "RotaName": "Telephone consultations" if contact.kind == "telephone"
                else "GP surgery", "IDPatient": str(person.number), "IDOrganisation": person.practice.ods_code,
                "IDOrganisationRegisteredAt": person.practice.ods_code, "RemovedData": "0"}
        if contact.status == "Finished":
            row = _base(person, ids, "SREvent", contact.start, contact.staff)
            row.pop("IDOrganisationRegisteredAt")  # SREvent has no such column
            events[contact.number] = row["RowIdentifier"]
            home = contact.kind == "home visit"
            location = "Patient's home" if home else "GP surgery"
            row.update({"ContactEventLocation": option("ContactEventLocation", location),
                        "ContactMethod": option("ContactMethod", "Telephone" if contact.kind == "telephone"
                                                else "Home visit" if home else "Face to face"),
                        "EventIncomplete": "FALSE", "ClinicalEvent": "TRUE",
                        "IDOrganisation": places.COMMUNITY_TRUST[0] if home else person.practice.ods_code})
            yield "SREvent", row


def _problems(person: Person, ids: _Counter, code_ids: list[str]) -> Iterator[SampleRow]:
    for diagnosis, code_id in zip(person.diagnoses, code_ids, strict=True):
        concept = clinical.CONDITIONS[diagnosis.key]
        row = _base(person, ids, "SRProblem", diagnosis.onset, diagnosis.staff)
        row.update({"CTV3Code": concept.ctv3, "DateEnd": sr_date(diagnosis.end),
                    "Severity": code("Severity", diagnosis.severity.capitalize()), "IDCode": code_id,
                    "IDEvent": "-1"})
        row.pop("RemovedData")  # SRProblem has no RemovedData column in the v93 layout
        yield "SRProblem", row


def _code_row(person: Person, ids: _Counter, concept: clinical.Concept, when: date | datetime, staff: int,
              row_id: str | None = None) -> dict[str, str]:
    row = _base(person, ids, "SRCode", when, staff, row_id)
    row.update({"CTV3Code": concept.ctv3, "CTV3Text": concept.display, "SNOMEDCode": concept.snomed,
                "SNOMEDText": concept.display if concept.snomed != "-1" else "", "NumericComparator": "",
                "IsNumeric": "FALSE", "NumericValue": "", "NumericUnit": "", "IDEvent": "-1"})
    return row


def _codes(person: Person, ids: _Counter, events: dict[int, str], code_ids: list[str]) -> Iterator[SampleRow]:
    for diagnosis, code_id in zip(person.diagnoses, code_ids, strict=True):
        yield "SRCode", _code_row(person, ids, clinical.CONDITIONS[diagnosis.key], diagnosis.onset, diagnosis.staff,
                                  code_id)
    if person.on_caseload and person.caseload_start and person.named_nurse:
        yield "SRCode", _code_row(person, ids, clinical.CONDITIONS["caseload_local"], person.caseload_start,
                                  person.named_nurse)
    for measurement in person.measurements:
        measure = clinical.MEASURES[measurement.key]
        row = _code_row(person, ids, measure.concept, measurement.taken, measurement.staff)
        row.update({"IsNumeric": "TRUE", "NumericValue": f"{measurement.value:g}", "NumericUnit": measure.unit,
                    "NumericComparator": measurement.comparator or "",
                    "IDEvent": events.get(measurement.contact or 0, "-1")})
        yield "SRCode", row


def _medicines(person: Person, ids: _Counter) -> Iterator[SampleRow]:
    for prescription in person.prescriptions:
        drug = clinical.DRUGS[prescription.drug]
        template = ""
        common = {"IDMultiLexDMD": drug.dmd, "IDMultiLexProduct": str(10000 + int(drug.dmd) % 89999),
                  "NameOfMedication": drug.name, "MedicationDosage": drug.dosage,
                  "MedicationQuantity": drug.quantity}
        if prescription.repeat:
            row = _base(person, ids, "SRRepeatTemplate", prescription.start, prescription.staff)
            template = row["RowIdentifier"]
            row.pop("RemovedData")
            row.update({**common, "DateMedicationTemplateStart": sr_date(prescription.start),
                        "DateMedicationTemplateEnd": sr_date(prescription.end),
                        "DateMedicationTemplateReview": "", "MaxIssues": str(prescription.max_issues),
                        "CourseLengthPerIssue": "28", "DrugStatus": code("DrugStatus", "Regular"), "IDEvent": "-1"})
            yield "SRRepeatTemplate", row
        for issued in prescription.issues:
            row = _base(person, ids, "SRPrimaryCareMedication", issued, prescription.staff)
            row.update({**common, "DateMedicationStart": sr_date(issued),
                        "DateMedicationEnd": sr_date(issued + timedelta(days=28 if prescription.repeat else 14)),
                        "IsRepeatMedication": tf(prescription.repeat), "IsOtherMedication": "FALSE",
                        "IsDentalMedication": "FALSE", "IsHospitalMedication": "FALSE",
                        "IDRepeatTemplate": template or "-1", "IDEvent": "-1"})
            yield "SRPrimaryCareMedication", row


def _sensitivities_and_vaccines(person: Person, ids: _Counter) -> Iterator[SampleRow]:
    for allergy in person.allergies:
        row = _base(person, ids, "SRDrugSensitivity", allergy.onset, allergy.staff)
        row.update({"DateStarted": sr_date(allergy.onset), "DateEnded": "", "FormulationSpecific": "FALSE",
                    "IDDrugCode": ALLERGEN_CODES[allergy.allergen],
                    "IDMultiLexAction": str(clinical.REACTIONS.index(allergy.reaction) + 1), "IDEvent": "-1"})
        yield "SRDrugSensitivity", row
    for number, jab in enumerate(person.immunisations, start=1):
        vaccine = clinical.VACCINES[jab.vaccine]
        row = _base(person, ids, "SRImmunisation", jab.given, jab.staff)
        row.update({"IDVaccination": str(list(clinical.VACCINES).index(jab.vaccine) + 1), "Dose": "0.5ml",
                    "Location": "Left deltoid", "Method": "Intramuscular", "DateExpiry": sr_date(
                        jab.given + timedelta(days=180)), "ImmsReadCode": vaccine.ctv3, "VaccPart": str(jab.part),
                    "VaccBatchNumber": jab.batch, "VaccinationStatus": "", "IDEvent": "-1"})
        yield "SRImmunisation", row


def _referrals(person: Person, ids: _Counter) -> Iterator[SampleRow]:
    for referral in person.referrals:
        reason = clinical.CONDITIONS.get(referral.reason or "")
        row = _base(person, ids, "SRReferralOut", referral.sent, referral.staff)
        social = referral.service == "Adult social care"
        row.update({"TypeOfReferral": code("TypeOfReferral", "Social care" if social else "Community service"),
                    "Reason": option("Reason", f"Referred to {referral.service.lower()}"),
                    "IDProfileReferrer": _profile(referral.staff),
                    "ServiceOffered": option("ServiceOffered", referral.service), "ReReferral": "FALSE",
                    "Urgency": code("Urgency", referral.urgency.capitalize() if referral.urgency != "two week wait"
                                    else "Two Week Wait"),
                    "PrimaryDiagnosis": reason.ctv3 if reason else "",
                    "SNOMEDPrimaryDiagnosis": reason.snomed if reason else "",
                    "RecipientID": places.COMMUNITY_TRUST[0], "RecipientIDType": "ODS", "IDEvent": "-1"})
        yield "SRReferralOut", row
