"""The essential and descriptive columns written down in `schema.py` are what the converters do: a
garbled value in any descriptive column of any golden row keeps the row (with a warning naming the
column and the value, and the value kept on the resource), while a garbled essential ID rejects it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adapters.base import Converted, Rejected, RowWarning
from adapters.systmone.schema import BY_NAME, TABLES
from tests.adapters.systmone.helpers import data_records, read_all
from tests.adapters.systmone.test_golden import CASES, FIXTURES

GARBLED = "??"


def test_the_column_lists_agree() -> None:
    for table in TABLES:
        assert set(table.coded) <= table.columns, table.name
        assert table.essential <= table.columns | {"RowIdentifier", "RemovedData"}, table.name
        assert set(table.coded.values()) <= {"SRMapping", "SRConfiguredListOption"}, table.name
        assert not set(table.coded) & table.essential, table.name  # a code that does not resolve is a detail


def _rows(table: str) -> tuple[list[str], list[list[str]]]:
    with (FIXTURES / table / "input" / f"{table}.csv").open(encoding="cp1252", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def _record(folder: Path, table: str) -> Converted | Rejected:
    """The record of the table's one row (other files in the folder are its reference data or links)."""
    return next(r for r in data_records(read_all(folder)) if r.ref.file == f"{table}.csv")


def _write(folder: Path, table: str, header: list[str], row: list[str]) -> None:
    for other in (FIXTURES / table / "input").iterdir():  # the reference files beside it
        if other.name != f"{table}.csv":
            (folder / other.name).write_bytes(other.read_bytes())
    with (folder / f"{table}.csv").open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, row])


@pytest.mark.parametrize("table", [c for c in CASES if c in BY_NAME])
def test_a_garbled_descriptive_value_keeps_the_row(table: str, tmp_path: Path) -> None:
    header, rows = _rows(table)
    schema = BY_NAME[table]
    for index, row in enumerate(rows):
        values = dict(zip(header, row, strict=True))
        if values.get("RemovedData", "0") in ("1", "TRUE"):
            continue
        _write(tmp_path, table, header, row)
        before = _record(tmp_path, table)
        if not isinstance(before, Converted):
            continue  # a golden row that is rejected on purpose
        for column in header:
            if column in schema.essential or not values[column].strip():
                continue
            _write(tmp_path, table, header, [GARBLED if c == column else v for c, v in zip(header, row, strict=True)])
            record = _record(tmp_path, table)
            assert isinstance(record, Converted), (table, index, column, record)
            named = [w for w in record.warnings if isinstance(w, RowWarning) and w.column == column]
            if named:  # the value did not fit: it is kept (as text, or as an extension naming the column)
                assert named[0].value == GARBLED
                held = [*record.resources, *(m.element for m in record.merges if m.element)]
                assert held and all(GARBLED in str(h) for h in held), (table, column)


@pytest.mark.parametrize("table", [c for c in CASES if c in BY_NAME])
def test_a_garbled_essential_id_rejects_the_row(table: str, tmp_path: Path) -> None:
    header, rows = _rows(table)
    for column in ("RowIdentifier", "IDPatient"):
        if column not in header or column not in BY_NAME[table].essential:
            continue
        _write(tmp_path, table, header, [GARBLED if c == column else v for c, v in zip(header, rows[0], strict=True)])
        record = _record(tmp_path, table)
        assert isinstance(record, Rejected) and record.code == "S1-105", (table, column, record)
