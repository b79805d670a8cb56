"""The adapter's rules for whole files and rows: skipped tables, unknown and missing columns, delete
markers, the manifest, zips, problem links, NHS numbers and mapping lookups."""

from __future__ import annotations

import zipfile
from pathlib import Path

from adapters.base import Adapter, Converted, ReferenceRow, Rejected, RowWarning
from adapters.registry import get_adapter
from adapters.systmone import ids
from adapters.systmone.adapter import SystmOneAdapter
from tests.adapters.systmone.helpers import data_records, notices, read_all, write_csv

PATIENT_HEADER = ("RowIdentifier,IDOrganisationVisibleTo,Title,FirstName,MiddleNames,Surname,PreviousSurname,"
                  "NHSNumber,DateBirth,DateDeath,BirthPlace,Gender,SpeaksEnglish,EmailAddress,TestPatient,SSRef,"
                  "SpineMatched,RemovedData")
GOOD_NUMBER = "9449305552"


def _patient(row_id: str, number: str = GOOD_NUMBER, spine: str = "TRUE", removed: str = "0") -> str:
    return f"{row_id},Z91001,Mrs,Joan,,Nunn,,{number},04 Mar 1941 00:00,,,F,TRUE,,FALSE,,{spine},{removed}"


def test_registered_under_its_source_name() -> None:
    adapter = get_adapter("systmone")
    assert isinstance(adapter, SystmOneAdapter) and isinstance(adapter, Adapter)
    assert adapter.source == "systmone"


def test_each_file_opens_with_an_info_notice_carrying_its_checksum(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER}\n{_patient('1')}\n")
    first = read_all(tmp_path)[0]
    assert first.level == "info" and first.sha256 and first.size_bytes  # type: ignore[union-attr]


def test_unknown_sr_table_is_skipped(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRCaseload.csv", "RowIdentifier,IDPatient\n1,2\n")
    records = read_all(tmp_path)
    assert [n.file for n in notices(records, "skipped")] == ["SRCaseload.csv"]
    assert data_records(records) == []


def test_unknown_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER},Favourite\n{_patient('1')},tea\n")
    records = read_all(tmp_path)
    assert any("Favourite" in n.message for n in notices(records, "warning"))
    assert isinstance(data_records(records)[0], Converted)


def test_missing_required_column_rejects_every_row_naming_it(tmp_path: Path) -> None:
    header = PATIENT_HEADER.replace(",Gender", "")
    rows = [_patient(str(i)).replace(",F,TRUE", ",TRUE", 1) for i in (1, 2, 3)]
    write_csv(tmp_path, "SRPatient.csv", "\n".join([header, *rows]) + "\n")
    rejected = data_records(read_all(tmp_path))
    assert len(rejected) == 3
    assert all(isinstance(r, Rejected) and r.code == "S1-103" and "Gender" in r.reason for r in rejected)
    assert [r.ref.line for r in rejected] == [2, 3, 4]


def test_bad_rows_are_rejected_and_the_rest_import(tmp_path: Path) -> None:
    lines = [PATIENT_HEADER, _patient("1"), _patient("x2"), "3,Z91001,too,few", _patient("4").replace(
        "04 Mar 1941 00:00", "4 March 1941"), _patient("5")]
    write_csv(tmp_path, "SRPatient.csv", "\n".join(lines) + "\n")
    records = data_records(read_all(tmp_path))
    assert [type(r).__name__ for r in records] == ["Converted", "Rejected", "Rejected", "Converted", "Converted"]
    assert [r.code for r in records if isinstance(r, Rejected)] == ["S1-105", "S1-102"]
    assert all(r.reason for r in records if isinstance(r, Rejected))
    # A bad birth date is a descriptive value: the patient is kept without it, and the run is told.
    kept = records[3]
    assert isinstance(kept, Converted) and "birthDate" not in kept.resources[0]
    assert [(w.code, w.column, w.value) for w in kept.warnings if isinstance(w, RowWarning)] == [
        ("S1-305", "DateBirth", "4 March 1941")]


def test_nhs_number_verification_status_sits_on_the_identifier(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", "\n".join(
        [PATIENT_HEADER, _patient("1"), _patient("2", spine="FALSE"), _patient("3", number=""),
         _patient("4", number="9449305553")]) + "\n")
    records = [r for r in data_records(read_all(tmp_path)) if isinstance(r, Converted)]
    statuses = []
    for record in records:
        patient = record.resources[0]
        nhs = next(i for i in patient["identifier"] if i["system"] == "https://fhir.nhs.uk/Id/nhs-number")
        statuses.append((nhs.get("value"), nhs["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]))
    assert statuses == [(GOOD_NUMBER, "01"), (GOOD_NUMBER, "02"), (None, "03"), (None, "03")]
    assert records[2].warnings and records[3].warnings
    assert "meta" not in records[3].resources[0]  # no UK Core claim without a valid number


def test_delete_marker_removes_the_resource(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER}\n7,,,,,,,,,,,,,,,,,1\n")
    record = data_records(read_all(tmp_path))[0]
    assert isinstance(record, Converted)
    assert record.deletes == [("Patient", ids.resource_id("SRPatient", 7))] and record.resources == []


def test_address_delete_marker_removes_the_merged_element(tmp_path: Path) -> None:
    header = "RowIdentifier,IDPatient,AddressType,NameOfRoad,RemovedData"
    write_csv(tmp_path, "SRPatientAddressHistory.csv", f"{header}\n12,7,,,1\n13,,,,1\n")
    first, second = data_records(read_all(tmp_path))
    assert isinstance(first, Converted) and first.merges[0].remove
    assert first.merges[0].element_id == "SRPatientAddressHistory-12"
    assert first.merges[0].resource_id == ids.resource_id("SRPatient", 7)
    assert isinstance(second, Rejected) and second.code == "S1-204"


def test_manifest_marks_delta_files(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRManifest.csv", "FileName,IsDelta,IsReference,DateExtractFrom,DateExtractTo\n"
                                          "SRPatient.csv,TRUE,FALSE,,\nSRMapping.csv,FALSE,TRUE,,\n")
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER}\n{_patient('1')}\n")
    write_csv(tmp_path, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n1,1,Booked\n")
    messages = {n.file: n.message for n in notices(read_all(tmp_path), "info") if n.sha256}
    assert "delta load" in messages["SRPatient.csv"]
    assert "bulk load" in messages["SRMapping.csv"]


def test_reads_a_zip_like_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    write_csv(folder, "SRPatient.csv", f"{PATIENT_HEADER}\n{_patient('1')}\n")
    archive = tmp_path / "extract.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(folder / "SRPatient.csv", "SRPatient.csv")
    from_zip = data_records(read_all(archive))
    assert from_zip == data_records(read_all(folder))


def test_a_broken_zip_is_reported_not_raised(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    records = read_all(archive)
    assert [n.level for n in notices(records)] == ["error"]


def test_problem_links_make_the_coded_entry_a_condition(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRProblem.csv", "RowIdentifier,IDPatient,CTV3Code,DateEvent,IDCode,DateEnd\n"
                                         "1,7,X40J5,01 Jan 2020 00:00:00,11,\n")
    write_csv(tmp_path, "SRCode.csv", "RowIdentifier,IDPatient,CTV3Code,CTV3Text,SNOMEDCode,DateEvent\n"
                                      "11,7,X40J5,Type II diabetes mellitus,44054006,01 Jan 2020 00:00:00\n"
                                      "12,7,Y1a2c,Local,-1,01 Jan 2020 00:00:00\n")
    problem, linked, plain = [r.resources[0] for r in data_records(read_all(tmp_path))]  # type: ignore[union-attr]
    assert problem["resourceType"] == "Condition" and problem["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert problem["evidence"][0]["detail"][0]["reference"] == f"Condition/{linked['id']}"
    assert [c["system"] for c in problem["code"]["coding"]] == ["http://read.info/ctv3", "http://snomed.info/sct"]
    assert linked["resourceType"] == "Condition"
    assert plain["resourceType"] == "Observation"
    assert plain["code"]["coding"] == [{"system": "http://read.info/ctv3", "code": "Y1a2c", "display": "Local"}]


def test_unresolved_status_keeps_the_appointment_with_warnings(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n1004,1,Finished\n1099,1,Teleported\n")
    write_csv(tmp_path, "SRAppointment.csv", "RowIdentifier,IDPatient,DateStart,DateEnd,AppointmentStatus,"
                                             "DateAppointmentCancelled\n"
                                             "1,7,01 Jan 2025 09:00:00,01 Jan 2025 09:10:00,1004,\n"
                                             "2,7,01 Jan 2025 09:00:00,01 Jan 2025 09:10:00,5,\n"
                                             "3,7,01 Jan 2025 09:00:00,01 Jan 2025 09:10:00,1099,\n"
                                             "4,7,01 Jan 2025 09:00:00,01 Jan 2025 09:10:00,504,31 Dec 2024 12:00:00\n")
    fulfilled, unknown_id, unmapped, cancelled = data_records(read_all(tmp_path))
    assert isinstance(fulfilled, Converted) and fulfilled.resources[0]["status"] == "fulfilled"
    assert not fulfilled.warnings and "extension" not in fulfilled.resources[0]
    for record, code, raw in ((unknown_id, "S1-301", "5"), (unmapped, "S1-302", "Teleported"),
                              (cancelled, "S1-301", "504")):
        assert isinstance(record, Converted), record
        codes = [(w.code, w.column, w.value) for w in record.warnings if isinstance(w, RowWarning)]
        assert (code, "AppointmentStatus", raw) in codes and codes[-1][0] == "S1-315"
        kept = record.resources[0]["extension"][0]["extension"]
        assert kept[0]["valueString"] == "SRAppointment.AppointmentStatus"
    # No status to be had: the row's dates decide (cancelled when a cancellation date is recorded).
    assert unknown_id.resources[0]["status"] == "booked"  # type: ignore[union-attr]
    assert cancelled.resources[0]["status"] == "cancelled"  # type: ignore[union-attr]
    # A text the code map lacks is kept as the text it resolved to.
    assert unmapped.resources[0]["extension"][0]["extension"][1]["valueString"] == "Teleported"  # type: ignore


def test_a_bad_essential_value_still_rejects_the_row(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRCode.csv", "RowIdentifier,IDPatient,CTV3Code,DateEvent,EpisodeType\n"
                                      "1,7,22A..,31 Feb 2025 09:00:00,\n"
                                      "2,x7,22A..,01 Jan 2025 09:00:00,\n"
                                      "3,7,,01 Jan 2025 09:00:00,\n")
    records = data_records(read_all(tmp_path))
    assert [(type(r).__name__, getattr(r, "code", None)) for r in records] == [
        ("Rejected", "S1-104"), ("Rejected", "S1-105"), ("Rejected", "S1-107")]


def test_descriptive_values_that_do_not_resolve_keep_the_fact(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n4000,5,Permanent\n3000,4,Lodger\n")
    write_csv(tmp_path, "SRPatientAddressHistory.csv", "RowIdentifier,IDPatient,NameOfRoad,AddressType,DateTo\n"
                                                       "1,7,Mill Lane,4000,\n2,7,Mill Lane,719,\n"
                                                       "3,7,Mill Lane,Home,\n4,7,Mill Lane,4000,someday\n")
    write_csv(tmp_path, "SRPatientRelationship.csv", "RowIdentifier,IDPatient,RelationshipType,KeyHolder\n"
                                                     "1,7,3000,TRUE\n")
    write_csv(tmp_path, "SRRepeatTemplate.csv", "RowIdentifier,IDPatient,NameOfMedication,DrugStatus\n"
                                                "1,7,Ramipril 5mg capsules,0\n")
    records = data_records(read_all(tmp_path))
    assert all(isinstance(r, Converted) for r in records)
    addresses = [r.merges[0].element for r in records if r.ref.file.startswith("SRPatientAddress")]  # type: ignore
    assert [a and a.get("use") for a in addresses] == ["home", None, None, "home"]
    assert all(a and a["line"] == ["Mill Lane"] for a in addresses)
    coded = {(r.ref.file, r.ref.key): [(w.code, w.column, w.value) for w in r.warnings if isinstance(w, RowWarning)]
             for r in records if isinstance(r, Converted)}
    assert coded == {
        ("SRPatientAddressHistory.csv", "1"): [],
        ("SRPatientAddressHistory.csv", "2"): [("S1-301", "AddressType", "719")],
        ("SRPatientAddressHistory.csv", "3"): [("S1-303", "AddressType", "Home"), ("S1-302", "AddressType", "Home")],
        ("SRPatientAddressHistory.csv", "4"): [("S1-305", "DateTo", "someday")],
        ("SRPatientRelationship.csv", "1"): [("S1-302", "RelationshipType", "Lodger")],
        ("SRRepeatTemplate.csv", "1"): [("S1-301", "DrugStatus", "0")],
    }
    # The raw value rides on the element or resource, naming the SR column.
    assert addresses[1]["extension"][0]["extension"][1] == {"url": "value", "valueString": "719"}  # type: ignore
    related = next(r for r in records if r.ref.file == "SRPatientRelationship.csv").resources[0]  # type: ignore
    assert related["relationship"][0] == {"text": "Lodger"}
    repeat = next(r for r in records if r.ref.file == "SRRepeatTemplate.csv").resources[0]  # type: ignore
    assert repeat["medicationCodeableConcept"]["text"] == "Ramipril 5mg capsules" and "note" not in repeat


def test_a_fresh_store_with_no_reference_data_keeps_the_facts(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRVisit.csv", "RowIdentifier,IDPatient,DateBooked,CurrentStatus,Duration\n"
                                       "1,7,01 Jan 2025 09:00:00,1102,20\n")
    write_csv(tmp_path, "SREvent.csv", "RowIdentifier,IDPatient,DateEvent,ContactEventLocation\n"
                                       "1,7,01 Jan 2025 09:00:00,88810\n")
    event, visit = data_records(read_all(tmp_path))  # SREvent is read before SRVisit
    assert isinstance(visit, Converted) and isinstance(event, Converted)
    assert visit.resources[0]["status"] == "booked"
    assert [w.code for w in visit.warnings] == ["S1-304", "S1-315"]  # type: ignore[attr-defined]
    assert [w.code for w in event.warnings] == ["S1-313", "S1-304"]  # type: ignore[attr-defined]
    assert "no SRConfiguredListOption rows have been received" in event.warnings[1]


def test_codes_resolve_through_reference_rows_kept_from_an_earlier_extract(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRVisit.csv", "RowIdentifier,IDPatient,DateBooked,CurrentStatus,Duration\n"
                                       "1,7,01 Jan 2025 09:00:00,1102,20\n")
    write_csv(tmp_path, "SREvent.csv", "RowIdentifier,IDPatient,DateEvent,ContactEventLocation\n"
                                       "1,7,01 Jan 2025 09:00:00,88810\n")
    kept = [ReferenceRow("SRMapping", "1102", {"RowIdentifier": "1102", "Mapping": "Completed"}),
            ReferenceRow("SRConfiguredListOption", "88810",
                         {"RowIdentifier": "88810", "ConfiguredListOption": "Patient's home"})]
    event, visit = data_records(list(SystmOneAdapter().with_reference(kept).read(tmp_path)))
    assert visit.resources[0]["status"] == "fulfilled" and not visit.warnings  # type: ignore[union-attr]
    assert event.resources[0]["location"] == [{"location": {"display": "Patient's home"}}]  # type: ignore[union-attr]
    assert event.resources[0]["class"]["code"] == "HH" and not event.warnings  # type: ignore[union-attr]
    # The extract's own reference rows win over kept ones.
    write_csv(tmp_path, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n1102,2,Cancelled by Patient\n")
    visit = data_records(list(SystmOneAdapter().with_reference(kept).read(tmp_path)))[1]
    assert visit.resources[0]["status"] == "cancelled"  # type: ignore[union-attr]
    assert [r.key for r in SystmOneAdapter().reference_rows(tmp_path)] == ["1102"]


def test_numeric_observation_keeps_unit_and_comparator(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRCode.csv", "RowIdentifier,IDPatient,CTV3Code,CTV3Text,SNOMEDCode,DateEvent,IsNumeric,"
                                      "NumericValue,NumericUnit,NumericComparator\n"
                                      "1,7,XaK8y,eGFR,963601000000106,01 Jan 2025 09:00:00,TRUE,90,mL/min,>\n"
                                      "2,7,22A..,Weight,27113001,01 Jan 2025 09:00:00,TRUE,61.5,kg,~\n")
    egfr, weight = data_records(read_all(tmp_path))
    assert egfr.resources[0]["valueQuantity"] == {"value": 90, "comparator": ">", "unit": "mL/min"}  # type: ignore
    assert weight.resources[0]["valueQuantity"] == {"value": 61.5, "unit": "kg"}  # type: ignore[union-attr]
    assert weight.warnings  # type: ignore[union-attr]


def test_reading_the_same_extract_twice_gives_the_same_records(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER}\n{_patient('1')}\n{_patient('2', number='')}\n")
    assert read_all(tmp_path) == read_all(tmp_path)


def test_a_bom_on_a_windows_1252_file_does_not_reach_the_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRPatient.csv", f"{PATIENT_HEADER}\n{_patient('1').replace('Joan', 'Renée')}\n", bom=True)
    records = read_all(tmp_path)
    assert not notices(records, "warning")
    patient = data_records(records)[0].resources[0]  # type: ignore[union-attr]
    assert patient["name"][0]["given"] == ["Renée"]


def test_non_finite_numbers_are_rejected(tmp_path: Path) -> None:
    write_csv(tmp_path, "SRCode.csv", "RowIdentifier,IDPatient,CTV3Code,DateEvent,IsNumeric,NumericValue\n"
                                      "1,7,22A..,01 Jan 2025 09:00:00,TRUE,nan\n")
    record = data_records(read_all(tmp_path))[0]
    assert isinstance(record, Rejected) and record.code == "S1-108"
