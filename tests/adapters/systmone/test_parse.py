"""Reading SR bytes: encodings, line endings, quoting, line numbers, and typed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.systmone import parse
from adapters.systmone.errors import ParseError
from adapters.systmone.values import date_only, date_time, flag, instant, integer, required_int
from tests.adapters.systmone.helpers import write_csv

TEXT = "RowIdentifier,Name\n1,Renée Brönte\n2,\"Smith, Jo \"\"JJ\"\"\nsecond line\"\n\n3,plain\n"


def _rows(tmp_path: Path, **kwargs: object) -> tuple[parse.Fingerprint, list[parse.CsvRow]]:
    write_csv(tmp_path, "SRThing.csv", TEXT, **kwargs)  # type: ignore[arg-type]
    source = parse.list_files(tmp_path)[0]
    found = parse.fingerprint(source)
    return found, list(parse.read_rows(source, found.encoding))


@pytest.mark.parametrize(("encoding", "bom", "expected"), [
    ("cp1252", False, "cp1252"), ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig")])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_encodings_and_line_endings_read_the_same(tmp_path: Path, encoding: str, bom: bool, expected: str,
                                                   newline: str) -> None:
    found, rows = _rows(tmp_path, encoding=encoding, bom=bom, newline=newline)
    assert found.encoding == expected
    assert found.line_ending == ("CRLF" if newline == "\r\n" else "LF")
    assert rows[0].fields == ["RowIdentifier", "Name"]
    assert rows[1].fields == ["1", "Renée Brönte"]
    assert rows[2].fields == ["2", 'Smith, Jo "JJ"\nsecond line']


def test_rows_carry_the_physical_line_they_start_on(tmp_path: Path) -> None:
    _, rows = _rows(tmp_path)
    # header 1, row "1" line 2, the two-line row starts on 3, blank line 5 is skipped, row "3" on 6
    assert [(r.line, r.fields[0]) for r in rows] == [(1, "RowIdentifier"), (2, "1"), (3, "2"), (6, "3")]


def test_fingerprint_hashes_the_bytes(tmp_path: Path) -> None:
    import hashlib

    path = write_csv(tmp_path, "SRThing.csv", TEXT)
    found = parse.fingerprint(parse.list_files(tmp_path)[0])
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert found.size == path.stat().st_size


def test_lookups_are_listed_before_the_tables_that_use_them(tmp_path: Path) -> None:
    for name in ("SRCode.csv", "SRProblem.csv", "SRPatient.csv", "SRMapping.csv", "SRManifest.csv", "SRZzz.csv"):
        write_csv(tmp_path, name, "RowIdentifier\n")
    assert [f.table for f in parse.list_files(tmp_path)] == [
        "SRManifest", "SRMapping", "SRPatient", "SRProblem", "SRCode", "SRZzz"]


@pytest.mark.parametrize(("raw", "iso"), [
    ("29 Sep 2011 14:53:28", "2011-09-29T14:53:28+01:00"),
    ("29 Jan 2011 14:53:28", "2011-01-29T14:53:28+00:00"),
    ("29 Jan 2011 14:53", "2011-01-29T14:53:00+00:00"),
    ("04 Mar 1941 00:00", "1941-03-04"),
    ("04 Mar 1941 00:00:00", "1941-03-04"),
])
def test_dates_become_iso_in_uk_time(raw: str, iso: str) -> None:
    assert date_time({"D": raw}, "D") == iso


@pytest.mark.parametrize("raw", ["31 Feb 2025 10:00:00", "2025-01-01", "1 Foo 2020 10:00", "29 Sep 11 14:53:28",
                                 "29 Sep 2011 25:00:00"])
def test_bad_dates_raise_with_the_column_named(raw: str) -> None:
    with pytest.raises(ParseError) as info:
        date_time({"DateEvent": raw}, "DateEvent")
    assert info.value.code == "S1-104"
    assert "DateEvent" in info.value.reason


def test_other_values() -> None:
    assert date_only({"D": "29 Sep 2011 14:53:28"}, "D") == "2011-09-29"
    assert instant({"D": "04 Mar 2025 00:00:00"}, "D") == "2025-03-04T00:00:00+00:00"
    assert flag({"F": "TRUE"}, "F") is True and flag({"F": "false"}, "F") is False and flag({"F": ""}, "F") is None
    assert integer({"I": "-1"}, "I") is None and integer({"I": " 42 "}, "I") == 42
    with pytest.raises(ParseError):
        flag({"F": "yes"}, "F")
    with pytest.raises(ParseError):
        integer({"I": "4.2"}, "I")
    with pytest.raises(ParseError):
        required_int({"I": ""}, "I")
