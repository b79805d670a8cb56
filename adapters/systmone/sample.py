"""Write a synthetic SystmOne SR extract (bulk or delta) for a list of synthetic people.

Files are Windows-1252 with CRLF line endings and minimal quoting, like TPP's. A bulk extract
carries a few deliberate faults so an import report has something to say: a patient with no NHS
number, one whose number fails the check digit, an exact duplicate SRCode row and an SRCode row
with an impossible date (rejected: the date is essential), and coded values as real extracts
sometimes carry them (`CODED_FAULTS`: kept with warnings). A delta carries no reference tables:
its codes resolve through those an earlier extract delivered. Rows are streamed to their files,
so 10,000 people need little memory.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.sample.people import REFERENCE_DATE, Person
from adapters.systmone.sample_rows import (
    SampleRow,
    code,
    person_rows,
    reference_rows,
    sr_date,
)

# Column order per file: the v93 layout from the format notes.
HEADERS: dict[str, tuple[str, ...]] = {name: tuple(cols.split()) for name, cols in {
    "SRManifest": "FileName IsDelta IsReference DateExtractFrom DateExtractTo",
    "SRMappingGroup": "RowIdentifier Description",
    "SRMapping": "RowIdentifier IdMappingGroup Mapping",
    "SRConfiguredListOption": "RowIdentifier ConfiguredList ConfiguredListOption CDSCode CAMHSCode MHSDSCode "
                              "RemovedData",
    "SROrganisation": "RowIdentifier Name ID HouseName HouseNumber NameOfRoad NameOfLocality NameOfTown NameOfCounty "
                      "FullPostCode Telephone SecondaryTelephone Fax MadeObsolete IDTrust IDCcg RemovedData",
    "SRStaffMember": "RowIdentifier StaffName StaffUserName NationalIdType IDNational IDSmartCard Obsolete RemovedData",
    "SRStaffMemberProfile": "RowIdentifier DateProfileCreated IdProfileCreatedBy IDStaffMemberProfileRole StaffRole "
                            "DateEmploymentStart DateEmploymentEnd PPAID GPLocalCode IDStaffMember IDOrganisation "
                            "GmpID RemovedData",
    "SRPatient": "RowIdentifier IDOrganisationVisibleTo Title FirstName MiddleNames Surname PreviousSurname NHSNumber "
                 "DateBirth DateDeath BirthPlace Gender SpeaksEnglish EmailAddress TestPatient SSRef SpineMatched "
                 "RemovedData",
    "SRPatientAddressHistory": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy "
                               "IDDoneBy TextualEventDoneBy IDOrganisationDoneAt NameOfBuilding NumberOfBuilding "
                               "NameOfRoad NameOfLocality NameOfTown NameOfCounty FullPostCode DateTo AddressType "
                               "IDEvent IDPatient IDOrganisation CcgOfResidence IDOrganisationRegisteredAt RemovedData",
    "SRPatientContactDetails": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy "
                               "IDDoneBy TextualEventDoneBy IDOrganisationDoneAt ContactType ContactNumber IDEvent "
                               "IDPatient IDOrganisation IDOrganisationRegisteredAt RemovedData",
    "SRPatientRelationship": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy "
                             "IDDoneBy TextualEventDoneBy IDOrganisationDoneAt DateEnded RelationshipType "
                             "PersonalGuardianOrProxy NextOfKin CaresForPatient PrincipalCarerForPatient KeyHolder "
                             "MainVisitor RelationshipWithName RelationshipWithDateOfBirth RelationshipWithHouseName "
                             "RelationshipWithHouseNumber RelationshipWithRoad RelationshipWithPostTown "
                             "RelationshipWithPostCode RelationshipWithTelephone RelationshipWithMobileTelephone "
                             "RelationshipWithEmailAddress RelationshipWithSex IDEvent IDPatient IDOrganisation "
                             "IDOrganisationRegisteredAt RemovedData",
    "SREvent": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
               "IDStaffMemberProfileRole TextualEventDoneBy IDOrganisationDoneAt IDAuthorisedBy IDProfileAuthorisedBy "
               "ContactEventLocation ContactMethod EventIncomplete ClinicalEvent IDReferralIn IDPatient IDOrganisation "
               "IDTeam IDBranch RemovedData",
    "SRProblem": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
                 "TextualEventDoneBy IDOrganisationDoneAt CTV3Code DateEnd Severity IDCode IDEvent IDPatient "
                 "IDReferralIn IDOrganisation IDOrganisationRegisteredAt",
    "SRCode": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
              "TextualEventDoneBy IDOrganisationDoneAt CTV3Code CTV3Text SNOMEDCode SNOMEDText NumericComparator "
              "IsNumeric NumericValue NumericUnit EpisodeType IDTemplate IDQuestionnaire IDEvent IDPatient "
              "IDReferralIn IDAppointment IDVisit IDOrganisation IDOrganisationRegisteredAt RemovedData",
    "SRPrimaryCareMedication": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy "
                               "IDDoneBy TextualEventDoneBy IDOrganisationDoneAt IDMultiLexProduct IDMultiLexPack "
                               "IDMultiLexDMD NameOfMedication DateMedicationStart DateMedicationEnd MedicationDosage "
                               "MedicationQuantity IsSupervised SupervisedDose UnsupervisedDose IsRepeatMedication "
                               "IsOtherMedication IsDentalMedication IsHospitalMedication IDRepeatTemplate "
                               "IDReferralIn IDEvent IDPatient IDOrganisation IDOrganisationRegisteredAt RemovedData",
    "SRRepeatTemplate": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
                        "TextualEventDoneBy IDOrganisationDoneAt IDMultiLexProduct IDMultiLexPack IDMultiLexDMD "
                        "NameOfMedication DateMedicationTemplateStart DateMedicationTemplateEnd "
                        "DateMedicationTemplateReview MedicationDosage MedicationQuantity MaxIssues "
                        "CourseLengthPerIssue DrugStatus IDReferralIn IDEvent IDPatient IDOrganisation "
                        "IDOrganisationRegisteredAt",
    "SRDrugSensitivity": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy "
                         "IDDoneBy TextualEventDoneBy IDOrganisationDoneAt DateStarted DateEnded FormulationSpecific "
                         "IDDrugCode IDMultiLexAction IDReferralIn IDEvent IDPatient IDOrganisation "
                         "IDOrganisationRegisteredAt RemovedData",
    "SRImmunisation": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
                      "TextualEventDoneBy IDOrganisationDoneAt IDVaccination IDImmunisationContent Dose Location "
                      "Method DateExpiry ImmsReadCode VaccPart VaccBatchNumber VaccAreaCode VaccinationStatus IDEvent "
                      "IDPatient IDOrganisation IDOrganisationRegisteredAt RemovedData",
    "SRAppointment": "RowIdentifier IDOrganisationVisibleTo DateStart DateEnd AppointmentStatus DateAppointmentBooked "
                     "DatePatientArrival DatePatientSeen FollowUpAppointment TelephoneAppointment IDClinician "
                     "IDProfileClinician RotaName RotaType RotaLocation RotaCode IDRotaOwner IDProfileRotaOwner "
                     "AllowsOverbooking BookingContactNumber DateAppointmentCancelled IDRota IDReferralIn IDPatient "
                     "IDOrganisation IDOrganisationRegisteredAt RemovedData",
    "SRVisit": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded IDProfileEnteredBy DateBooked DateRequested "
               "CurrentStatus IDProfileRequested IDProfileAssigned FollowUpDetails IDReferralIn IDPatient "
               "IDOrganisation Duration IDOrganisationRegisteredAt",
    "SRReferralOut": "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy "
                     "TextualEventDoneBy IDOrganisationDoneAt TypeOfReferral Reason IDProfileReferrer ServiceOffered "
                     "ReReferral Urgency PrimaryDiagnosis SNOMEDPrimaryDiagnosis RecipientID RecipientIDType IDEvent "
                     "IDPatient IDOrganisation IDOrganisationRegisteredAt RemovedData",
}.items()}
REFERENCE_TABLES = ("SRMapping", "SRMappingGroup", "SRConfiguredListOption")
BAD_DATE = "31 Feb 2025 10:00:00"
# (table, nth row of it) -> (column, value): coded values that do not resolve, each kept with a warning.
CODED_FAULTS: dict[tuple[str, int], tuple[str, str]] = {
    ("SRPatientAddressHistory", 2): ("AddressType", "719"),  # an ID SRMapping does not define
    ("SRPatientAddressHistory", 3): ("AddressType", "Home"),  # a text where an ID belongs, which no code map has
    ("SREvent", 2): ("ContactEventLocation", "88899"),  # an ID SRConfiguredListOption does not define
    ("SRRepeatTemplate", 1): ("DrugStatus", "0"),  # an ID SRMapping does not define
}


class _Writers:
    """One open CSV writer per table file, created on first use, in SR's byte format."""

    def __init__(self, out_dir: Path, stack: ExitStack, tables: Iterable[str]) -> None:
        self._writers: dict[str, Any] = {}
        for table in tables:
            handle = stack.enter_context(
                (out_dir / f"{table}.csv").open("w", encoding="cp1252", errors="replace", newline=""))
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(HEADERS[table])
            self._writers[table] = writer

    def write(self, table: str, row: dict[str, str]) -> None:
        self._writers[table].writerow([row.get(column, "") for column in HEADERS[table]])


def _manifest(writers: _Writers, tables: Iterable[str], delta: bool, when: datetime) -> None:
    for table in tables:
        writers.write("SRManifest", {
            "FileName": f"{table}.csv", "IsDelta": "TRUE" if delta and table not in REFERENCE_TABLES else "FALSE",
            "IsReference": "TRUE" if table in REFERENCE_TABLES else "FALSE",
            "DateExtractFrom": sr_date(when - timedelta(days=1)) if delta else "", "DateExtractTo": sr_date(when)})


def _faults(people: list[Person], seed: int) -> tuple[list[Person], int, int]:
    """Blank one NHS number, spoil the check digit of another; pick the SRCode rows to duplicate
    and to give a bad date."""
    rng = random.Random(f"systmone-sample-faults:{seed}")
    people = list(people)
    numbered = [i for i, p in enumerate(people) if p.nhs_number]
    if len(numbered) >= 2:
        blank, spoil = rng.sample(numbered, 2)
        people[blank] = replace(people[blank], nhs_number=None)
        number = people[spoil].nhs_number or ""
        people[spoil] = replace(people[spoil], nhs_number=number[:9] + str((int(number[9]) + 1) % 10))
    total_codes = sum(len(p.diagnoses) + len(p.measurements) + int(p.on_caseload) for p in people)
    duplicate = rng.randint(1, max(1, total_codes // 2))
    bad_date = rng.randint(max(1, total_codes // 2) + 1, max(2, total_codes)) if total_codes > 1 else -1
    return people, duplicate, bad_date


def write_extract(people: list[Person], out_dir: Path, seed: int) -> Path:
    """Write a full bulk SR extract for `people` into `out_dir` (created if needed); returns it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    people, duplicate, bad_date = _faults(people, seed)
    tables = list(HEADERS)
    with ExitStack() as stack:
        writers = _Writers(out_dir, stack, tables)
        _manifest(writers, [t for t in tables if t != "SRManifest"], False,
                  datetime.combine(REFERENCE_DATE, datetime.min.time()).replace(hour=2))
        seen_codes = 0
        nth: dict[str, int] = {}
        for table, row in _all_rows(people):
            nth[table] = nth.get(table, 0) + 1
            if (fault := CODED_FAULTS.get((table, nth[table]))) is not None:
                row = {**row, fault[0]: fault[1]}
            if table == "SRCode":
                seen_codes += 1
                if seen_codes == bad_date:
                    row = {**row, "DateEvent": BAD_DATE}
            writers.write(table, row)
            if table == "SRCode" and seen_codes == duplicate:
                writers.write(table, row)
    return out_dir


def _all_rows(people: list[Person]) -> Iterator[SampleRow]:
    yield from reference_rows()
    yield from person_rows(people)


def write_delta(people: list[Person], out_dir: Path, seed: int) -> Path:
    """Write a small delta extract for a bulk extract made from the same people and seed: one
    patient's changed row, a new address, a new observation, a visit whose status moved on, and
    a `RemovedData` delete of an existing SRCode row. The manifest marks the files IsDelta. There is
    no SRMapping: the coded values resolve through the one the bulk extract delivered.
    Two streaming passes over the bulk rows (choose, then fetch) keep memory flat."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"systmone-sample-delta:{seed}")
    people, _, _ = _faults(people, seed)

    # Pass 1: what there is to choose from, and the last RowIdentifier of each table.
    patients: list[str] = []
    allocated: list[str] = []
    numeric = 0
    last_ids: dict[str, int] = {}
    for table, row in person_rows(people):
        last_ids[table] = max(last_ids.get(table, 0), int(row["RowIdentifier"]))
        if table == "SRPatient" and row["NHSNumber"]:
            patients.append(row["RowIdentifier"])
        elif table == "SRCode" and row["IsNumeric"] == "TRUE":
            numeric += 1
        elif table == "SRVisit" and row["CurrentStatus"] == code("VisitStatus", "Allocated"):
            allocated.append(row["RowIdentifier"])
    chosen_patient = rng.choice(patients)
    new_code, gone_code = rng.sample(range(numeric), 2) if numeric >= 2 else (-1, -1)
    chosen_visit = rng.choice(allocated) if allocated else None

    # Pass 2: fetch the chosen rows.
    patient: dict[str, str] = {}
    address: dict[str, str] = {}
    picked: dict[int, dict[str, str]] = {}
    visit: dict[str, str] = {}
    seen_numeric = -1
    for table, row in person_rows(people):
        if table == "SRPatient" and row["RowIdentifier"] == chosen_patient:
            patient = dict(row)
        elif table == "SRPatientAddressHistory" and row["IDPatient"] == chosen_patient:
            address = dict(row)
        elif table == "SRCode" and row["IsNumeric"] == "TRUE":
            seen_numeric += 1
            if seen_numeric in (new_code, gone_code):
                picked[seen_numeric] = row
        elif table == "SRVisit" and row["RowIdentifier"] == chosen_visit:
            visit = dict(row)

    changes: list[SampleRow] = []
    previous = patient["Surname"]
    changes.append(("SRPatient", {**patient, "Surname": f"{previous}-Hale", "PreviousSurname": previous}))
    if address:
        changes.append(("SRPatientAddressHistory", {
            **address, "RowIdentifier": str(last_ids["SRPatientAddressHistory"] + 1), "NameOfBuilding": "",
            "NameOfRoad": "Tithe Barn Close", "NumberOfBuilding": "7", "DateTo": "",
            "DateEvent": sr_date(REFERENCE_DATE), "DateEventRecorded": sr_date(REFERENCE_DATE)}))
    if picked:
        changes.append(("SRCode", {**picked[new_code], "RowIdentifier": str(last_ids["SRCode"] + 1),
                                   "DateEvent": sr_date(REFERENCE_DATE), "DateEventRecorded": sr_date(REFERENCE_DATE)}))
        gone = picked[gone_code]
        changes.append(("SRCode", {"RowIdentifier": gone["RowIdentifier"], "IDPatient": gone["IDPatient"],
                                   "RemovedData": "1"}))
    if visit:
        changes.append(("SRVisit", {**visit, "CurrentStatus": code("VisitStatus", "Completed")}))
    tables = sorted({t for t, _ in changes})
    with ExitStack() as stack:
        writers = _Writers(out_dir, stack, ["SRManifest", *tables])
        _manifest(writers, tables, True, datetime.combine(REFERENCE_DATE, datetime.min.time()).replace(hour=23))
        for table, row in changes:
            writers.write(table, row)
    return out_dir
