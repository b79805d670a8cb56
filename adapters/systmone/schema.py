"""The SR tables this adapter reads: their columns (v93 layout), which are required, which are
essential, which are coded, and the order they are read in.

Order matters: lookups (SRMapping, SRConfiguredListOption) and the problem index (SRProblem) must be
complete before the rows that use them; otherwise each table stands alone. Column lists are from
the format notes in `shared/formats/systmone.md`; a column not listed is reported once per file and
ignored.

Essential columns are those without which the fact cannot exist or cannot be placed: the row and
patient IDs, the clinical code or medicine, the date a clinical fact needs, a delete marker's keys.
A bad essential value rejects the row. Every other column is descriptive: a value there that does
not parse or resolve costs a warning, and the row is kept without the element it would have made
(the raw value rides along, see `unresolved.py`), because a detail must never cost a clinical fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Table:
    """One SR table: its columns, those a file must have, those a row cannot do without, the coded
    columns (column -> the reference table its IDs resolve through), and whether rows are lookups only."""

    name: str
    columns: frozenset[str]
    required: frozenset[str]
    reference: bool = False  # rows feed lookups, not FHIR (SRManifest, SRMapping, SRConfiguredListOption...)
    essential: frozenset[str] = frozenset()
    coded: dict[str, str] = field(default_factory=dict)


_COMMON = "RowIdentifier IDOrganisationVisibleTo DateEventRecorded DateEvent IDProfileEnteredBy IDDoneBy " \
          "TextualEventDoneBy IDOrganisationDoneAt IDEvent IDPatient IDOrganisation IDOrganisationRegisteredAt " \
          "RemovedData IDReferralIn"


MAPPING = "SRMapping"
LIST_OPTION = "SRConfiguredListOption"
# Always essential: the row's own key and the delete marker (a bad one could not tell a delete from data).
_KEYS = "RowIdentifier RemovedData"


def _table(name: str, columns: str, required: str, *, reference: bool = False, common: bool = False,
           essential: str = "", coded: dict[str, str] | None = None) -> Table:
    cols = set(columns.split())
    if common:
        cols |= set(_COMMON.split())
    if not reference:
        cols.add("RemovedData")
    return Table(name, frozenset(cols), frozenset(required.split()), reference,
                 frozenset(f"{_KEYS} {essential}".split()), dict(coded or {}))


TABLES: tuple[Table, ...] = (
    _table("SRManifest", "FileName IsDelta IsReference DateExtractFrom DateExtractTo", "FileName IsDelta",
           reference=True),
    _table("SRMappingGroup", "RowIdentifier Description", "RowIdentifier", reference=True),
    _table("SRMapping", "RowIdentifier IdMappingGroup Mapping", "RowIdentifier Mapping", reference=True,
           essential="Mapping"),
    _table("SRConfiguredListOption", "RowIdentifier ConfiguredList ConfiguredListOption CDSCode CAMHSCode MHSDSCode "
           "RemovedData", "RowIdentifier ConfiguredListOption", reference=True, essential="ConfiguredListOption"),
    _table("SROrganisation", "RowIdentifier Name ID HouseName HouseNumber NameOfRoad NameOfLocality NameOfTown "
           "NameOfCounty FullPostCode Telephone SecondaryTelephone Fax MadeObsolete IDTrust IDCcg",
           "RowIdentifier Name ID", essential="Name ID"),
    _table("SRStaffMember", "RowIdentifier StaffName StaffUserName NationalIdType IDNational IDSmartCard Obsolete",
           "RowIdentifier StaffName", essential="StaffName"),
    _table("SRStaffMemberProfile", "RowIdentifier DateProfileCreated IdProfileCreatedBy IDStaffMemberProfileRole "
           "StaffRole DateEmploymentStart DateEmploymentEnd PPAID GPLocalCode IDStaffMember IDOrganisation GmpID",
           "RowIdentifier IDStaffMember", essential="IDStaffMember"),
    _table("SRPatient", "RowIdentifier IDOrganisationVisibleTo Title FirstName MiddleNames Surname PreviousSurname "
           "NHSNumber DateBirth DateDeath BirthPlace Gender SpeaksEnglish EmailAddress TestPatient SSRef "
           "SpineMatched", "RowIdentifier Surname NHSNumber DateBirth Gender SpineMatched", essential="Surname"),
    _table("SRPatientAddressHistory", "NameOfBuilding NumberOfBuilding NameOfRoad NameOfLocality NameOfTown "
           "NameOfCounty FullPostCode DateTo AddressType CcgOfResidence", "RowIdentifier IDPatient", common=True,
           essential="IDPatient", coded={"AddressType": MAPPING}),
    _table("SRPatientContactDetails", "ContactType ContactNumber", "RowIdentifier IDPatient ContactType ContactNumber",
           common=True, essential="IDPatient ContactNumber", coded={"ContactType": MAPPING}),
    _table("SRPatientRelationship", "DateEnded RelationshipType PersonalGuardianOrProxy NextOfKin CaresForPatient "
           "PrincipalCarerForPatient KeyHolder HasParentalResponsibility FinancialRepresentative Advocate "
           "MainVisitor CallCentreCallBackConsent CopyCorrespondence ContactOrder ContactMethod CommunicationFormat "
           "InterpreterRequired IDRelationshipWithPatient IDPatientRelationshipWith CodeRelationshipWithUser "
           "RelationshipWithName RelationshipWithDateOfBirth RelationshipWithHouseName RelationshipWithHouseNumber "
           "RelationshipWithRoad RelationshipWithLocality RelationshipWithPostTown RelationshipWithCounty "
           "RelationshipWithPostCode RelationshipWithTelephone RelationshipWithWorkTelephone "
           "RelationshipWithMobileTelephone RelationshipWithFax RelationshipWithEmailAddress RelationshipWithSex "
           "RelationshipWithSpokenLanguage RelationshipWithOrganisation",
           "RowIdentifier IDPatient RelationshipType", common=True, essential="IDPatient",
           coded={"RelationshipType": MAPPING}),
    _table("SREvent", "IDStaffMemberProfileRole IDAuthorisedBy IDProfileAuthorisedBy ContactEventLocation "
           "ContactMethod EventIncomplete ClinicalEvent IDTeam IDBranch", "RowIdentifier IDPatient DateEvent",
           common=True, essential="IDPatient DateEvent",
           coded={"ContactEventLocation": LIST_OPTION, "ContactMethod": LIST_OPTION}),
    _table("SRProblem", "CTV3Code DateEnd Severity IDCode", "RowIdentifier IDPatient CTV3Code", common=True,
           essential="IDPatient CTV3Code", coded={"Severity": MAPPING}),
    _table("SRCode", "CTV3Code CTV3Text SNOMEDCode SNOMEDText NumericComparator IsNumeric NumericValue NumericUnit "
           "EpisodeType IDTemplate IDQuestionnaire IDAppointment IDVisit", "RowIdentifier IDPatient CTV3Code",
           common=True, essential="IDPatient CTV3Code DateEvent NumericValue"),
    _table("SRPrimaryCareMedication", "IDMultiLexProduct IDMultiLexPack IDMultiLexDMD NameOfMedication "
           "DateMedicationStart DateMedicationEnd MedicationDosage MedicationQuantity IsSupervised SupervisedDose "
           "UnsupervisedDose IsRepeatMedication IsOtherMedication IsDentalMedication IsHospitalMedication "
           "IDRepeatTemplate", "RowIdentifier IDPatient NameOfMedication", common=True,
           essential="IDPatient NameOfMedication DateEvent"),
    _table("SRRepeatTemplate", "IDMultiLexProduct IDMultiLexPack IDMultiLexDMD NameOfMedication "
           "DateMedicationTemplateStart DateMedicationTemplateEnd DateMedicationTemplateReview MedicationDosage "
           "MedicationQuantity MaxIssues CourseLengthPerIssue DrugStatus", "RowIdentifier IDPatient NameOfMedication",
           common=True, essential="IDPatient NameOfMedication", coded={"DrugStatus": MAPPING}),
    _table("SRDrugSensitivity", "DateStarted DateEnded FormulationSpecific IDDrugCode IDMultiLexAction",
           "RowIdentifier IDPatient IDDrugCode", common=True, essential="IDPatient IDDrugCode"),
    _table("SRImmunisation", "IDVaccination IDImmunisationContent Dose Location Method DateExpiry ImmsReadCode "
           "VaccPart VaccBatchNumber VaccAreaCode VaccinationStatus", "RowIdentifier IDPatient ImmsReadCode",
           common=True, essential="IDPatient ImmsReadCode DateEvent"),
    _table("SRAppointment", "RowIdentifier IDOrganisationVisibleTo DateStart DateEnd AppointmentStatus "
           "DateAppointmentBooked DatePatientArrival DatePatientSeen FollowUpAppointment TelephoneAppointment "
           "IDClinician IDProfileClinician RotaName RotaType RotaLocation RotaCode IDRotaOwner IDProfileRotaOwner "
           "AllowsOverbooking BookingContactNumber DateAppointmentCancelled IDRota IDReferralIn IDPatient "
           "IDOrganisation IDOrganisationRegisteredAt", "RowIdentifier IDPatient DateStart AppointmentStatus",
           essential="IDPatient DateStart DateEnd", coded={"AppointmentStatus": MAPPING}),
    _table("SRVisit", "RowIdentifier IDOrganisationVisibleTo DateEventRecorded IDProfileEnteredBy DateBooked "
           "DateRequested CurrentStatus IDProfileRequested IDProfileAssigned FollowUpDetails IDReferralIn IDPatient "
           "IDOrganisation Duration IDOrganisationRegisteredAt", "RowIdentifier IDPatient DateBooked CurrentStatus",
           essential="IDPatient DateBooked Duration", coded={"CurrentStatus": MAPPING}),
    _table("SRReferralOut", "TypeOfReferral Reason IDProfileReferrer ServiceOffered ReReferral Urgency "
           "PrimaryDiagnosis SNOMEDPrimaryDiagnosis RecipientID RecipientIDType "
           "M101140ReasonForOutOfAreaReferralAdultAcuteMentalHealth", "RowIdentifier IDPatient", common=True,
           essential="IDPatient DateEvent",
           coded={"Urgency": MAPPING, "TypeOfReferral": MAPPING, "Reason": LIST_OPTION, "ServiceOffered": LIST_OPTION}),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
READ_ORDER: dict[str, int] = {t.name: i for i, t in enumerate(TABLES)}
