"""The synthetic SR extract: deterministic bytes, the SR byte format, valid test-range NHS numbers
(except the deliberate faults), every resource valid R4B, and a delta that applies cleanly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adapters import nhs_number
from adapters.base import Converted, Rejected, RowWarning
from adapters.sample.people import generate_people
from adapters.systmone.adapter import SystmOneAdapter
from adapters.systmone.sample import BAD_DATE, CODED_FAULTS, HEADERS, write_delta, write_extract
from adapters.systmone.sample_rows import person_rows, reference_rows
from tests.adapters.systmone.helpers import data_records, notices, read_all, validate

PEOPLE = generate_people(60, 5)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_extract(PEOPLE, tmp_path_factory.mktemp("bulk"), 5)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_same_bytes(extract: Path, tmp_path: Path) -> None:
    again = write_extract(generate_people(60, 5), tmp_path / "again", 5)
    names = sorted(p.name for p in extract.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert all((extract / n).read_bytes() == (again / n).read_bytes() for n in names)
    other = write_extract(generate_people(60, 6), tmp_path / "other", 6)
    assert (other / "SRPatient.csv").read_bytes() != (extract / "SRPatient.csv").read_bytes()


def test_every_table_is_written_in_sr_byte_format(extract: Path) -> None:
    assert {p.stem for p in extract.iterdir()} == set(HEADERS)
    for path in extract.iterdir():
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n") > 0, path.name
        raw.decode("cp1252")


def test_rows_use_only_columns_their_file_has() -> None:
    for table, row in [*reference_rows(), *person_rows(PEOPLE)]:
        assert set(row) <= set(HEADERS[table]) | {"RemovedData"}, (table, set(row) - set(HEADERS[table]))


def test_nhs_numbers_are_valid_test_numbers_except_the_deliberate_faults(extract: Path) -> None:
    numbers = [r["NHSNumber"] for r in _read(extract / "SRPatient.csv")]
    bad = [n for n in numbers if n and not nhs_number.is_test_number(n)]
    assert len(bad) == 1 and not nhs_number.is_valid(bad[0])
    assert "" in numbers
    assert all(nhs_number.is_test_number(n) for n in numbers if n and n not in bad)


def test_deliberate_faults_show_in_the_run(extract: Path) -> None:
    records = data_records(read_all(extract))
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.ref.file, r.code) for r in rejected] == [("SRCode.csv", "S1-104")]
    assert BAD_DATE in rejected[0].reason
    keys = [r.ref.key for r in records if r.ref.file == "SRCode.csv"]
    assert len(keys) - len(set(keys)) == 1  # the exact duplicate row
    warned = [w for r in records if isinstance(r, Converted) for w in r.warnings if "NHSNumber" in w]
    assert any("empty" in w for w in warned) and any("Modulus 11" in w for w in warned)


def test_coded_faults_are_kept_with_warnings(extract: Path) -> None:
    records = [r for r in data_records(read_all(extract)) if isinstance(r, Converted)]
    found = {(r.ref.file, w.column, w.value, w.code) for r in records for w in r.warnings if isinstance(w, RowWarning)
             and w.code in ("S1-301", "S1-302", "S1-303")}
    assert found == {
        ("SRPatientAddressHistory.csv", "AddressType", "719", "S1-301"),
        ("SRPatientAddressHistory.csv", "AddressType", "Home", "S1-303"),
        ("SRPatientAddressHistory.csv", "AddressType", "Home", "S1-302"),
        ("SREvent.csv", "ContactEventLocation", "88899", "S1-301"),
        ("SRRepeatTemplate.csv", "DrugStatus", "0", "S1-301"),
    }
    assert {(table, value) for (table, _), (_, value) in CODED_FAULTS.items()} == {
        (file.removesuffix(".csv"), value) for file, _, value, _ in found}
    # Every other coded value resolves, through SRMapping or SRConfiguredListOption.
    events = [r.resources[0] for r in records if r.ref.file == "SREvent.csv"]
    assert sum("location" in e for e in events) == len(events) - 1
    referrals = [r.resources[0] for r in records if r.ref.file == "SRReferralOut.csv"]
    assert referrals and all(r["code"]["text"] and r["reasonCode"][-1]["text"].startswith("Referred to")
                             for r in referrals)


def test_every_resource_is_valid_r4b(extract: Path) -> None:
    seen: set[str] = set()
    for record in read_all(extract):
        if isinstance(record, Converted):
            for resource in record.resources:
                validate(resource)
                seen.add(resource["resourceType"])
            for merge in record.merges:
                assert merge.element is not None
                validate({"resourceType": "Patient", merge.path: [merge.element]})
    assert seen >= {"Organization", "Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Encounter",
                    "Condition", "Observation", "MedicationRequest", "Immunization", "Appointment",
                    "ServiceRequest"}


def test_delta_is_marked_and_applies(extract: Path, tmp_path: Path) -> None:
    delta = write_delta(PEOPLE, tmp_path / "delta", 5)
    manifest = {r["FileName"]: r["IsDelta"] for r in _read(delta / "SRManifest.csv")}
    assert manifest["SRPatient.csv"] == "TRUE" and "SRMapping.csv" not in manifest
    assert not (delta / "SRMapping.csv").exists()  # reference data comes with the bulk, not again
    # Read alone (nothing kept from the bulk), its coded values cannot resolve: warnings, no rejections.
    alone = read_all(delta)
    assert not [r for r in alone if isinstance(r, Rejected)]
    assert {w.code for r in alone if isinstance(r, Converted) for w in r.warnings
            if isinstance(w, RowWarning)} >= {"S1-304"}
    # With the bulk's reference rows (as the gateway keeps them), they resolve.
    records = read_all(delta, list(SystmOneAdapter().reference_rows(extract)))
    assert not [r for r in records if isinstance(r, Rejected)]
    assert not [w for r in records if isinstance(r, Converted) for w in r.warnings
                if isinstance(w, RowWarning) and w.code.startswith(("S1-30", "S1-315"))]
    assert all("delta load" in n.message for n in notices(records, "info") 
               if n.sha256 and n.file.startswith(("SRPatient", "SRCode", "SRVisit")))
    converted = [r for r in records if isinstance(r, Converted)]
    assert sum(len(r.deletes) for r in converted) == 2  # one SRCode row: Observation or Condition
    bulk_keys = {(r.ref.file, r.ref.key) for r in data_records(read_all(extract))}
    patient = next(r for r in converted if r.ref.file == "SRPatient.csv")
    assert ("SRPatient.csv", patient.ref.key) in bulk_keys  # an update, not a new patient
    assert write_delta(PEOPLE, tmp_path / "again", 5).joinpath("SRCode.csv").read_bytes() == \
        (delta / "SRCode.csv").read_bytes()
