"""`gateway import`: exit codes (0 success, 1 failure or --strict with rejected rows, 2 usage error)
and a summary table whose counts are the run's."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from adapters.sample.people import generate_people
from adapters.systmone.sample import write_delta, write_extract
from tests.cli.conftest import Gateway

SEED = 3


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A bulk extract (it has one rejected row by design) and a delta for the same people (none)."""
    where = tmp_path_factory.mktemp("cli-exports")
    people = generate_people(30, SEED)
    return {"bulk": write_extract(people, where / "bulk", SEED), "delta": write_delta(people, where / "delta", SEED)}


def last_run(database: Path) -> dict[str, object]:
    with sqlite3.connect(database) as conn:
        run_id, status, counts = conn.execute(
            "SELECT run_id, status, counts FROM import_runs WHERE source = 'systmone' ORDER BY started DESC").fetchone()
    return {"id": run_id, "status": status, "counts": json.loads(counts)}


def summary_counts(stdout: str) -> dict[str, int]:
    """The counts row of the summary table, by column heading."""
    lines = stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "rows read" in line and "created" in line)
    names = ["created", "updated", "unchanged", "deleted", "rejected", "rows read"]
    assert [n for n in names if n in lines[head]] == names
    order = sorted(names, key=lambda n: lines[head].index(n))
    values = next(line for line in lines[head + 1:] if re.search(r"\d", line))
    return dict(zip(order, (int(v) for v in re.findall(r"\d+", values)), strict=True))


def test_import_exits_0_and_prints_the_runs_counts(gateway: Gateway, database: Path,
                                                   exports: dict[str, Path]) -> None:
    done = gateway("import", "systmone", exports["bulk"])
    assert done.returncode == 0, done.stderr
    run = last_run(database)
    counts = summary_counts(done.stdout)
    assert run["status"] == "completed"
    assert counts == {**run["counts"], "rows read": sum(run["counts"].values())}  # type: ignore[dict-item]
    assert counts["rejected"] == 1 and counts["created"] > 0
    assert str(run["id"]) in done.stdout
    # The rejected row is listed with its file, line and reason; the files table names each file.
    assert "Rejected rows" in done.stdout and "SRCode.csv" in done.stdout and "31 Feb 2025" in done.stdout
    assert "SRPatient.csv" in done.stdout


def test_reimport_prints_all_unchanged(gateway: Gateway, exports: dict[str, Path]) -> None:
    assert gateway("import", "systmone", exports["bulk"]).returncode == 0
    again = summary_counts(gateway("import", "systmone", exports["bulk"]).stdout)
    assert again["created"] == again["updated"] == again["deleted"] == 0
    assert again["unchanged"] + again["rejected"] == again["rows read"]


def test_strict_exits_1_on_rejected_rows_and_0_without(gateway: Gateway, exports: dict[str, Path]) -> None:
    strict = gateway("import", "systmone", exports["bulk"], "--strict")
    assert strict.returncode == 1
    assert summary_counts(strict.stdout)["rejected"] == 1  # the summary is still printed
    clean = gateway("import", "systmone", exports["delta"], "--strict")
    assert clean.returncode == 0, clean.stdout
    assert summary_counts(clean.stdout)["rejected"] == 0


@pytest.mark.parametrize("args", [
    ("import", "systmone", "/no/such/extract"),
    ("import", "nosuchsource", "."),
    ("import", "hl7v2", "."),
    ("import", "systmone"),
    ("import", "systmone", ".", "--no-such-option"),
], ids=["missing-path", "unknown-source", "source-not-in-this-build", "no-path", "unknown-option"])
def test_usage_errors_exit_2(gateway: Gateway, args: tuple[str, ...]) -> None:
    done = gateway(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr


def test_an_unmigrated_database_exits_1(gateway: Gateway, exports: dict[str, Path], tmp_path: Path) -> None:
    done = gateway("import", "systmone", exports["bulk"], database_path=tmp_path / "empty.db")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "error" in done.stderr


@pytest.mark.parametrize("what", ["a-csv-file-not-a-zip", "an-empty-folder"])
def test_an_extract_that_cannot_be_read_is_a_failure(gateway: Gateway, tmp_path: Path, what: str) -> None:
    if what == "an-empty-folder":
        path = tmp_path / "empty"
        path.mkdir()
    else:
        path = tmp_path / "SRPatient.csv"
        path.write_text("RowIdentifier,Surname\r\n1,Smith\r\n", encoding="cp1252")
    done = gateway("import", "systmone", path)
    assert done.returncode in (1, 2), done.stdout


def test_sample_then_import_makes_every_resource_type(gateway: Gateway, database: Path, tmp_path: Path) -> None:
    assert gateway("sample", "--people", "60", "--out", tmp_path / "sample", "--seed", "4").returncode == 0
    done = gateway("import", "systmone", tmp_path / "sample" / "systmone")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as conn:
        types = {t for (t,) in conn.execute("SELECT DISTINCT res_type FROM resources WHERE NOT deleted")}
    assert {"Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance", "Immunization",
            "Appointment", "Encounter", "ServiceRequest", "RelatedPerson", "Practitioner", "Organization",
            "Provenance"} <= types


def test_import_lists_the_first_warnings_and_import_report_lists_them_all(
        gateway: Gateway, database: Path, exports: dict[str, Path]) -> None:
    done = gateway("import", "systmone", exports["bulk"], "--show-rejected", "2")
    assert done.returncode == 0, done.stderr
    run = last_run(database)
    assert "Warnings (first 2" in done.stdout and "Per code" in done.stdout and "S1-301" in done.stdout
    assert f"gateway import-report {run['id']}" in done.stdout
    with sqlite3.connect(database) as conn:
        stored = conn.execute("SELECT file, line, code, column_name, value FROM import_warnings WHERE run_id = ? "
                              "ORDER BY seq", (run["id"],)).fetchall()
    report = gateway("import-report", run["id"])
    assert report.returncode == 0, report.stderr
    lines = [line.split("\t") for line in report.stdout.splitlines()]
    assert lines[0] == ["file", "line", "row", "outcome", "code", "column", "value", "message"]
    assert [(f, c) for f, _, _, o, c, *_ in lines[1:] if o == "rejected"] == [("SRCode.csv", "S1-104")]
    assert [(f, int(n), c, col or None, v or None) for f, n, _, o, c, col, v, _ in lines[1:] if o != "rejected"] == \
        stored  # every warning, none left out
    assert "S1-104" in report.stderr and "warning(s)" in report.stderr
    one_code = gateway("import-report", run["id"], "--code", "S1-301")
    assert {line.split("\t")[4] for line in one_code.stdout.splitlines()[1:]} == {"S1-301"}
    assert len(gateway("import-report", run["id"], "--only", "rejected").stdout.splitlines()) == 2
    assert gateway("import-report", "no-such-run").returncode == 1
    assert gateway("import-report", run["id"], "--only", "everything").returncode == 2
