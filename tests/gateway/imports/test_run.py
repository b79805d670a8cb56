"""An import run accounts for every row: counts add up to the rows read, each outcome kind shows up
where the sample puts it, and the run records its source, files, checksums and times."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from gateway.imports.report import run_summary
from gateway.repository.sql import SqlRepository
from tests.gateway.imports.store import by_type, consistency_problems, row_outcomes, run_import

LOOKUP_TABLES = {"SRManifest", "SRMapping", "SRMappingGroup", "SRConfiguredListOption"}
SOURCE_TYPES = {"Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance", "Immunization",
                "Appointment", "Encounter", "ServiceRequest", "RelatedPerson", "Practitioner", "PractitionerRole",
                "Organization", "Provenance"}


def data_rows(folder: Path) -> dict[str, int]:
    """Rows per data file, counted with the csv module (independently of the adapter)."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        if path.stem in LOOKUP_TABLES:
            continue
        with path.open(encoding="cp1252", newline="") as handle:
            out[path.name] = sum(1 for _ in csv.reader(handle)) - 1
    return out


def test_counts_add_up_to_the_rows_read(repo: SqlRepository, extract: Path) -> None:
    expected = data_rows(extract)
    summary = run_import(repo, extract, batch_rows=97)
    assert summary.status == "completed"
    assert summary.rows == sum(summary.counts.values()) == sum(expected.values())
    with repo.reading() as conn:
        rows = row_outcomes(conn, summary.run_id)
        stored = run_summary(conn, summary.run_id)
    assert len(rows) == summary.rows
    per_file: dict[str, int] = {}
    for row in rows:
        per_file[row["file"]] = per_file.get(row["file"], 0) + 1
    assert per_file == {name: n for name, n in expected.items() if n}
    assert stored["counts"] == summary.counts and stored["rows"] == summary.rows


def test_every_outcome_kind_where_the_sample_puts_it(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        rows = row_outcomes(conn, summary.run_id)
    kinds = {r["outcome"] for r in rows}
    assert {"created", "updated", "unchanged", "rejected"} <= kinds
    # The sample's exact duplicate SRCode row: the second copy changes nothing.
    unchanged = [r for r in rows if r["outcome"] == "unchanged"]
    assert [r["file"] for r in unchanged] == ["SRCode.csv"]
    twin = [r for r in rows if r["file"] == "SRCode.csv" and r["row_key"] == unchanged[0]["row_key"]]
    assert [r["outcome"] for r in twin] == ["created", "unchanged"]
    # Its impossible date (31 Feb): rejected with the line and a reason naming the value.
    rejected = [r for r in rows if r["outcome"] == "rejected"]
    assert len(rejected) == 1 and rejected[0]["file"] == "SRCode.csv"
    assert rejected[0]["line"] > 1 and "31 Feb 2025" in rejected[0]["reason"]
    assert rejected[0]["code"] == "S1-104"
    # Addresses and contact details fold into their Patient: those rows update it.
    updated_files = {r["file"] for r in rows if r["outcome"] == "updated"}
    assert updated_files <= {"SRPatientAddressHistory.csv", "SRPatientContactDetails.csv"}
    assert all(r["resources"].startswith("Patient/") for r in rows if r["outcome"] == "updated")
    # Every written row names the versions it wrote.
    assert all(r["resources"] for r in rows if r["outcome"] in ("created", "updated"))


def test_invalid_and_missing_nhs_numbers_are_reported_on_their_rows(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        rows = [r for r in row_outcomes(conn, summary.run_id) if r["file"] == "SRPatient.csv"]
    spoiled = [r for r in rows if r["warnings"] and "fails the Modulus 11 check" in r["warnings"]]
    blank = [r for r in rows if r["warnings"] and "NHSNumber is empty" in r["warnings"]]
    assert len(spoiled) == 1 and len(blank) >= 1  # the sample blanks one number; people may lack one too
    assert all(r["outcome"] == "created" and r["line"] > 1 and r["row_key"] for r in spoiled + blank)


def test_run_records_source_files_checksums_and_times(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        run = run_summary(conn, summary.run_id)
    assert run["source"] == "systmone" and run["status"] == "completed" and run["user"] == "test:imports"
    assert run["started"] <= run["finished"]
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in extract.glob("*.csv")}
    assert {f["file"]: f["sha256"] for f in run["files"]} == on_disk
    sizes = {f["file"]: f["size_bytes"] for f in run["files"]}
    assert sizes == {p.name: p.stat().st_size for p in extract.glob("*.csv")}


def test_import_writes_every_resource_type_and_a_consistent_store(repo: SqlRepository, extract: Path) -> None:
    run_import(repo, extract, batch_rows=150)
    with repo.reading() as conn:
        types = by_type(conn)
        assert consistency_problems(conn) == []
    assert SOURCE_TYPES <= set(types)
    assert types["Patient"] == 40
