"""Malformed input of every kind is reported row by row (file, line, code, a reason naming the value)
and loses nothing else: every other row has the outcome it has in a clean import of the same extract."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from adapters.sample.people import Person
from adapters.systmone.sample import write_extract
from gateway.app import build_repository
from gateway.imports.pipeline import ImportSummary
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.migrate import upgrade
from tests.gateway.imports.conftest import SEED
from tests.gateway.imports.damage import (
    edit_rows,
    line_of,
    read_table,
    set_value,
    splice_raw_line,
    write_table,
)
from tests.gateway.imports.store import content, row_outcomes, run_import, warnings_of

Outcomes = dict[tuple[str, int], dict[str, Any]]


@pytest.fixture(scope="session")
def baseline(people: list[Person], tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    """(file, line) -> row outcome of a clean import of the sample extract (its own SQLite file)."""
    where = tmp_path_factory.mktemp("baseline")
    url = f"sqlite:///{where / 'clean.db'}"
    upgrade(url)
    repo = build_repository(Settings(database_url=url, key_dir=where / "keys"))
    try:
        summary = run_import(repo, write_extract(people, where / "extract", SEED))
        with repo.reading() as conn:
            return {(r["file"], r["line"]): r for r in row_outcomes(conn, summary.run_id)}
    finally:
        repo.db.dispose()


def _outcomes(repo: SqlRepository, summary: ImportSummary) -> Outcomes:
    with repo.reading() as conn:
        return {(r["file"], r["line"]): r for r in row_outcomes(conn, summary.run_id)}


def assert_rest_as_clean(got: Outcomes, baseline: Outcomes, damaged: set[tuple[str, int]]) -> None:
    """Every row outside `damaged` is there, with the outcome and resources of the clean import."""
    expected = {k: (v["outcome"], v["resources"]) for k, v in baseline.items() if k not in damaged}
    actual = {k: (v["outcome"], v["resources"]) for k, v in got.items() if k not in damaged}
    missing = expected.keys() - actual.keys()
    assert not missing, f"rows lost: {sorted(missing)[:10]}"
    different = {k: (expected[k], actual[k]) for k in expected if expected[k] != actual[k]}
    assert not different, f"rows whose outcome changed: {list(different.items())[:5]}"


@pytest.mark.parametrize(("table", "index", "column", "value", "code"), [
    ("SRAppointment", 2, "DateStart", "2025-07-02 16:30", "S1-104"),
    ("SREvent", 3, "IDPatient", "12a", "S1-105"),
    ("SRImmunisation", 2, "ImmsReadCode", "", "S1-107"),
    ("SRCode", 5, "NumericValue", "12,5", "S1-108"),
])
def test_a_bad_essential_value_rejects_only_its_row(repo: SqlRepository, extract: Path, baseline: Outcomes, table: str,
                                          index: int, column: str, value: str, code: str) -> None:
    if column == "NumericValue":  # pick a numeric SRCode row
        header, rows = read_table(extract, table)
        index = next(i for i, r in enumerate(rows) if r[header.index("IsNumeric")] == "TRUE")
    key = set_value(extract, table, index, column, value)
    got = _outcomes(repo, run_import(repo, extract))
    row = got[(f"{table}.csv", line_of(index))]
    assert (row["outcome"], row["code"], row["row_key"]) == ("rejected", code, key)
    assert column in row["reason"] or (value and value in row["reason"]), row["reason"]
    assert_rest_as_clean(got, baseline, {(f"{table}.csv", line_of(index))})


@pytest.mark.parametrize(("table", "index", "column", "value", "code"), [
    ("SRPatientRelationship", 1, "NextOfKin", "YES", "S1-305"),
    ("SRAppointment", 4, "AppointmentStatus", "9999", "S1-301"),
    ("SRVisit", 1, "CurrentStatus", "-7", "S1-301"),
    ("SRPatient", 3, "Gender", "X", "S1-305"),
    ("SRPatientAddressHistory", 1, "AddressType", "Home", "S1-303"),
])
def test_a_bad_descriptive_value_keeps_its_row_with_a_warning(
        repo: SqlRepository, extract: Path, baseline: Outcomes, table: str, index: int, column: str, value: str,
        code: str) -> None:
    key = set_value(extract, table, index, column, value)
    summary = run_import(repo, extract)
    got = _outcomes(repo, summary)
    where = (f"{table}.csv", line_of(index))
    assert (got[where]["outcome"], got[where]["code"], got[where]["row_key"]) == (baseline[where]["outcome"], None, key)
    assert got[where]["resources"]  # the fact was written
    with repo.reading() as conn:
        warned = warnings_of(conn, summary.run_id, *where)
    assert (code, column, value) in [(w["code"], w["column"], w["value"]) for w in warned]
    assert_rest_as_clean(got, baseline, {where})


def test_a_rejected_patient_rejects_the_rows_folding_into_it(repo: SqlRepository, extract: Path,
                                                             baseline: Outcomes) -> None:
    key = set_value(extract, "SRPatient", 3, "Surname", "")  # essential: a patient row needs a name
    got = _outcomes(repo, run_import(repo, extract))
    patient_row = got[("SRPatient.csv", line_of(3))]
    assert (patient_row["outcome"], patient_row["code"]) == ("rejected", "S1-107")
    assert "Surname" in patient_row["reason"]
    # Its addresses and contact details have nowhere to go: each is rejected, saying why.
    dependants = set()
    for table in ("SRPatientAddressHistory", "SRPatientContactDetails"):
        header, rows = read_table(extract, table)
        for i, r in enumerate(rows):
            if r[header.index("IDPatient")] == key:
                dependants.add((f"{table}.csv", line_of(i)))
    assert dependants
    for where in dependants:
        assert (got[where]["outcome"], got[where]["code"]) == ("rejected", "IMP-404")
        assert "parent row" in got[where]["reason"]
    # Rows that merely reference the patient still import (their reference dangles until it arrives).
    assert_rest_as_clean(got, baseline, {("SRPatient.csv", line_of(3)), *dependants})


def test_wrong_field_count_rejects_the_row(repo: SqlRepository, extract: Path, baseline: Outcomes) -> None:
    edit_rows(extract, "SREvent", lambda header, rows: rows[6].append("surplus"))
    got = _outcomes(repo, run_import(repo, extract))
    row = got[("SREvent.csv", line_of(6))]
    assert (row["outcome"], row["code"]) == ("rejected", "S1-102")
    assert "fields but the header has" in row["reason"]
    assert_rest_as_clean(got, baseline, {("SREvent.csv", line_of(6))})


def test_missing_required_column_rejects_that_file_row_by_row(repo: SqlRepository, extract: Path,
                                                              baseline: Outcomes) -> None:
    header, rows = read_table(extract, "SRImmunisation")
    drop = header.index("ImmsReadCode")
    write_table(extract, "SRImmunisation", header[:drop] + header[drop + 1:], [r[:drop] + r[drop + 1:] for r in rows])
    summary = run_import(repo, extract)
    got = _outcomes(repo, summary)
    file_rows = {k: v for k, v in got.items() if k[0] == "SRImmunisation.csv"}
    assert len(file_rows) == len(rows)
    assert {(v["outcome"], v["code"]) for v in file_rows.values()} == {("rejected", "S1-103")}
    assert all("ImmsReadCode" in v["reason"] for v in file_rows.values())
    assert summary.rows == sum(summary.counts.values()) == len(baseline)
    assert_rest_as_clean(got, baseline, set(file_rows))


def test_unknown_tables_are_skipped_and_unknown_columns_ignored(repo: SqlRepository, extract: Path,
                                                                baseline: Outcomes) -> None:
    write_table(extract, "SRRecall", ["RowIdentifier", "IDPatient", "DateRecall"], [["1", "100001", "x"]])
    write_table(extract, "SRSomethingNew", ["RowIdentifier", "Whatever"], [["1", "2"], ["2", "3"]])
    header, rows = read_table(extract, "SRCode")
    write_table(extract, "SRCode", [*header, "ShinyNewColumn"], [[*r, "?"] for r in rows])
    summary = run_import(repo, extract)
    notes = {f["file"]: " ".join(n["message"] for n in f["notices"]) for f in summary.files}
    assert "not a table this adapter reads" in notes["SRRecall.csv"]
    assert "not a table this adapter reads" in notes["SRSomethingNew.csv"]
    assert "ShinyNewColumn" in notes["SRCode.csv"]
    assert summary.rows == len(baseline)
    assert_rest_as_clean(_outcomes(repo, summary), baseline, set())


@pytest.mark.parametrize("closed_later", [False, True], ids=["to-end-of-file", "closed-three-rows-on"])
def test_broken_quoting_rejects_its_row_and_loses_no_other(repo: SqlRepository, extract: Path, baseline: Outcomes,
                                                           closed_later: bool) -> None:
    table, index = "SRPatientRelationship", 5
    header, rows = read_table(extract, table)
    broken = list(rows[index])
    broken[header.index("RelationshipWithName")] = '"' + broken[header.index("RelationshipWithName")]
    splice_raw_line(extract, table, index, ",".join(broken).encode("cp1252"))
    if closed_later:  # a stray quote further on closes the runaway field
        later = list(rows[index + 3])
        later[header.index("RelationshipWithRoad")] += '"'
        splice_raw_line(extract, table, index + 3, ",".join(later).encode("cp1252"))
    got = _outcomes(repo, run_import(repo, extract))
    opened = (f"{table}.csv", line_of(index))
    assert got[opened]["outcome"] == "rejected" and got[opened]["code"] in ("S1-101", "S1-102")
    damaged = {opened}
    if closed_later:
        # The stray quote sits inside an unquoted field, which the reader keeps as a literal
        # character: that row is accounted for (imported with the quote, or rejected), never lost.
        closing = (f"{table}.csv", line_of(index + 3))
        assert got[closing]["outcome"] in ("created", "rejected")
        damaged.add(closing)
    assert_rest_as_clean(got, baseline, damaged)


@pytest.mark.parametrize(("encoding", "line_end", "bom"), [
    ("cp1252", "\r\n", False), ("utf-8", "\n", True), ("utf-8", "\r\n", False)])
def test_text_encodings_are_read_right(repo: SqlRepository, extract: Path, baseline: Outcomes, encoding: str,
                                       line_end: str, bom: bool) -> None:
    header, rows = read_table(extract, "SRPatient")
    names = {0: ("Zoë", "O’Brien"), 1: ("Renée", "Æthelstan-Smith"), 2: ("Siân", "Müller £5 €")}
    for i, (first, family) in names.items():
        rows[i][header.index("FirstName")] = first
        rows[i][header.index("Surname")] = family
    write_table(extract, "SRPatient", header, rows, encoding=encoding, line_end=line_end, bom=bom)
    summary = run_import(repo, extract)
    got = _outcomes(repo, summary)
    assert_rest_as_clean(got, baseline, set())
    with repo.reading() as conn:
        for i, (first, family) in names.items():
            patient_id = got[("SRPatient.csv", line_of(i))]["resources"].split("/")[1]
            patient = content(conn, "Patient", patient_id)
            assert patient is not None
            official = next(n for n in patient["name"] if n.get("use") == "official")
            assert (official["given"][0], official["family"]) == (first, family)


def test_an_unreadable_extract_is_reported_not_raised(repo: SqlRepository, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    summary = run_import(repo, bad)
    assert summary.status == "failed" and summary.rows == 0 and "cannot open" in (summary.error or "")
    assert any("cannot open" in n["message"] for f in summary.files for n in f["notices"])


def test_liquidlogic_malformed_forms_and_rows_are_reported_row_by_row(repo: SqlRepository, people: list[Person],
                                                                      tmp_path: Path) -> None:
    from adapters.liquidlogic.adapter import LiquidlogicAdapter
    from adapters.liquidlogic.sample import write_export
    from gateway.imports.pipeline import ImportRunner

    export = write_export(people, tmp_path / "ll", SEED)
    clean = ImportRunner(repo, 500).run(LiquidlogicAdapter(), export)
    (export / "forms" / "NOT-JSON.json").write_text("{ this is not json", encoding="utf-8")
    (export / "forms" / "EMPTY.json").write_text("{}", encoding="utf-8")
    shutil.copy(export / "cld_events.csv", tmp_path / "events.bak")
    summary = ImportRunner(repo, 500).run(LiquidlogicAdapter(), export)
    assert summary.rows == clean.rows + 2 == sum(summary.counts.values())
    with repo.reading() as conn:
        rows = row_outcomes(conn, summary.run_id)
    rejected = [r for r in rows if r["outcome"] == "rejected"]
    # The sample's own faults (a form off schema, an unknown event type, an impossible date, a missing
    # mandatory field) and the two broken forms: each with its file, line and a reason.
    assert len(rejected) == clean.counts["rejected"] + 2 >= 6
    assert all(r["reason"] and r["code"] and r["line"] >= 1 for r in rejected)
    by_file = {r["file"] for r in rejected}
    assert {"forms/NOT-JSON.json", "forms/EMPTY.json", "cld_events.csv"} <= by_file
    assert any(f.startswith("forms/CAA-") for f in by_file)
    assert all(r["line"] > 1 for r in rejected if r["file"] == "cld_events.csv")
    # Everything else was already there: the second run finds it unchanged.
    assert summary.counts["unchanged"] == clean.rows - clean.counts["rejected"]
