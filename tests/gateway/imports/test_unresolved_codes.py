"""SystmOne extracts as they really arrive: reference tables kept between imports, so a delta without
SRMapping resolves through the earlier extract's; a fresh store with a delta and no reference data
keeps every fact with warnings; every warning is stored with its file, line, row, column, value and
code, counted per code, and reachable over the API; a bad essential value still rejects its row."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.sample.people import Person
from adapters.systmone.sample import CODED_FAULTS, write_delta
from gateway.imports.report import run_rows, run_summary, run_warnings
from gateway.imports.tables import source_reference
from gateway.repository.sql import SqlRepository
from tests.adapters.systmone.helpers import write_csv
from tests.gateway.imports.conftest import SEED
from tests.gateway.imports.store import content, row_outcomes, run_import
from tests.gateway.imports.test_run import data_rows
from tests.gateway.imports.test_zip_and_http import _follow, zip_folder

RESOLUTION_CODES = {"S1-301", "S1-302", "S1-303", "S1-304", "S1-315"}


def _codes(repo: SqlRepository, run_id: str) -> dict[str, int]:
    with repo.reading() as conn:
        return run_summary(conn, run_id)["warnings_by_code"]  # type: ignore[no-any-return]


def test_a_delta_without_srmapping_resolves_through_the_earlier_extracts(
        repo: SqlRepository, extract: Path, people: list[Person], tmp_path: Path) -> None:
    run_import(repo, extract)
    delta = write_delta(people, tmp_path / "delta", SEED)
    assert not (delta / "SRMapping.csv").exists()
    summary = run_import(repo, delta, worker=True)  # the parse worker gets the kept rows too
    assert summary.counts["rejected"] == 0
    assert not RESOLUTION_CODES & set(_codes(repo, summary.run_id))
    with repo.reading() as conn:
        visit = next(r for r in row_outcomes(conn, summary.run_id) if r["file"] == "SRVisit.csv")
        appointment = content(conn, "Appointment", visit["resources"].split("/")[1])
    assert appointment and appointment["status"] == "fulfilled" and "extension" not in appointment


def test_a_fresh_store_with_only_a_delta_keeps_every_fact(repo: SqlRepository, people: list[Person],
                                                          tmp_path: Path) -> None:
    delta = write_delta(people, tmp_path / "delta", SEED)
    summary = run_import(repo, delta)
    assert summary.rows == sum(data_rows(delta).values())
    with repo.reading() as conn:
        rows = row_outcomes(conn, summary.run_id)
        rejected = [(r["file"], r["code"]) for r in rows if r["outcome"] == "rejected"]
        codes = run_summary(conn, summary.run_id)["warnings_by_code"]
        visit = next(r for r in rows if r["file"] == "SRVisit.csv")
    assert rejected == []  # nothing is rejected for want of reference data
    assert codes.get("S1-304", 0) >= 1 and "S1-301" not in codes
    assert visit["outcome"] == "created"
    with repo.reading() as conn:
        appointment = content(conn, "Appointment", visit["resources"].split("/")[1])
    assert appointment is not None
    raw = appointment["extension"][0]["extension"]
    assert raw[0]["valueString"] == "SRVisit.CurrentStatus" and raw[1]["valueString"].isdigit()


def test_a_reference_row_received_later_replaces_the_kept_one(repo: SqlRepository, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    visit_header = "RowIdentifier,IDPatient,DateBooked,CurrentStatus,Duration,DateAppointmentCancelled\n"
    write_csv(first, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n1102,2,Completed\n")
    write_csv(first, "SRConfiguredListOption.csv", "RowIdentifier,ConfiguredList,ConfiguredListOption,RemovedData\n"
                                                   "88810,ContactEventLocation,Patient's home,0\n"
                                                   "88811,ContactEventLocation,GP surgery,0\n")
    write_csv(first, "SRVisit.csv", visit_header + "1,7,01 Jan 2025 09:00:00,1102,20,\n")
    write_csv(second, "SRMapping.csv", "RowIdentifier,IdMappingGroup,Mapping\n1102,2,No Access Visit\n")
    write_csv(second, "SRConfiguredListOption.csv", "RowIdentifier,ConfiguredList,ConfiguredListOption,RemovedData\n"
                                                    "88810,ContactEventLocation,Patient's home,1\n")
    write_csv(second, "SRVisit.csv", visit_header + "2,7,02 Jan 2025 09:00:00,1102,20,\n")
    third = tmp_path / "third"
    write_csv(third, "SRVisit.csv", visit_header + "3,7,03 Jan 2025 09:00:00,1102,20,\n")
    write_csv(third, "SREvent.csv", "RowIdentifier,IDPatient,DateEvent,ContactEventLocation\n"
                                    "1,7,01 Jan 2025 09:00:00,88810\n")
    statuses = []
    for folder in (first, second, third):
        summary = run_import(repo, folder)
        with repo.reading() as conn:
            rows = row_outcomes(conn, summary.run_id)
            visit = next(r for r in rows if r["file"] == "SRVisit.csv")
            statuses.append(content(conn, "Appointment", visit["resources"].split("/")[1])["status"])  # type: ignore
    assert statuses == ["fulfilled", "noshow", "noshow"]  # the third has no SRMapping: the second's is kept
    # The removed list option is gone: the third extract's event cannot resolve it.
    assert _codes(repo, summary.run_id) == {"S1-301": 1, "S1-313": 1}
    with repo.reading() as conn:
        kept = {(r.table_name, r.row_key) for r in conn.execute(select(source_reference))}
    assert kept == {("SRMapping", "1102"), ("SRConfiguredListOption", "88811")}


def test_every_warning_is_stored_with_its_row_column_value_and_code(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        run = run_summary(conn, summary.run_id)
        listed, _ = run_warnings(conn, summary.run_id)
        rows = {(r["file"], r["line"]): r for r in row_outcomes(conn, summary.run_id)}
    # Counts still add up to the rows read; warnings are counted on their own, per code.
    assert run["rows"] == sum(run["counts"].values()) == sum(data_rows(extract).values())
    assert run["rejected_by_code"] == {"S1-104": 1}
    assert run["warnings"] == len(listed) == sum(run["warnings_by_code"].values())
    faults = {(f"{table}.csv", column, value) for (table, _), (column, value) in CODED_FAULTS.items()}
    coded = {(w["file"], w["column"], w["value"]) for w in listed if w["code"] in RESOLUTION_CODES}
    assert coded == faults
    for warning in listed:
        row = rows[(warning["file"], warning["line"])]
        assert warning["outcome"] == row["outcome"] and warning["row_key"] == row["row_key"]
        assert warning["message"] in (row["warnings"] or "")
        if warning["code"] in RESOLUTION_CODES:
            assert row["outcome"] in ("created", "updated") and row["resources"]  # the fact was kept
    assert run["warnings_by_code"]["S1-310"] >= 1 and run["warnings_by_code"]["S1-311"] == 1


def test_report_filters_rows_by_code_and_by_warning(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        by_code, _ = run_rows(conn, summary.run_id, code="S1-303")
        rejected, _ = run_rows(conn, summary.run_id, code="S1-104")
        warned, _ = run_rows(conn, summary.run_id, warned=True, limit=1000)
        total = run_summary(conn, summary.run_id)["warnings"]
    assert [(r["file"], r["outcome"]) for r in by_code] == [("SRPatientAddressHistory.csv", "updated")]
    assert [w["code"] for w in by_code[0]["warnings"]] == ["S1-303", "S1-302"]
    assert by_code[0]["warnings"][0]["value"] == "Home" and by_code[0]["warnings"][0]["column"] == "AddressType"
    assert [(r["outcome"], r["code"]) for r in rejected] == [("rejected", "S1-104")]
    assert sum(len(r["warnings"]) for r in warned) == total and all(r["warnings"] for r in warned)


def test_the_api_lists_warnings_with_filters_and_counts(client: TestClient, auth: dict[str, str], extract: Path,
                                                        tmp_path: Path) -> None:
    body = zip_folder(extract, tmp_path / "extract.zip").read_bytes()
    started = client.post("/api/imports/systmone", content=body, headers={**auth, "Content-Type": "application/zip"})
    assert started.status_code == 202, started.text
    run = _follow(client, auth, started.headers["Location"])
    assert run["warnings"] == sum(run["warnings_by_code"].values()) > 0
    assert run["rejected_by_code"] == {"S1-104": 1}
    url: str | None = f"{started.headers['Location']}/rows?warned=true&_count=7"
    seen = []
    while url:
        page = client.get(url, headers=auth).json()
        assert page["counts"]["warnings_by_code"] == run["warnings_by_code"]
        assert page["counts"]["counts"] == run["counts"]
        seen.extend(page["rows"])
        url = page.get("next")
        assert url is None or "warned=true" in url
    assert sum(len(r["warnings"]) for r in seen) == run["warnings"]
    only = client.get(f"{started.headers['Location']}/rows?code=S1-301", headers=auth).json()["rows"]
    assert {r["file"] for r in only} == {"SRPatientAddressHistory.csv", "SREvent.csv", "SRRepeatTemplate.csv"}
    assert all(any(w["code"] == "S1-301" for w in r["warnings"]) for r in only)
    for bad in ("warned=maybe", "_count=x", "outcome=lost"):
        answer = client.get(f"{started.headers['Location']}/rows?{bad}", headers=auth)
        assert answer.status_code == 400 and answer.json()["resourceType"] == "OperationOutcome", bad
