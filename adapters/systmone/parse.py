"""Reading an SR extract as a stream: its files (a folder or a .zip), their encoding, and their
CSV rows with the physical line each row starts on.

Nothing here knows FHIR. A file is read twice: once to fingerprint it (sha256, size, encoding,
line endings) so the import run can record its inputs before any row, then row by row. Memory
stays flat: one row at a time, whatever the file size, and no line or row longer than the import's
line limit (`adapters.limits`: such a row is rejected and reading goes on after it).
"""

from __future__ import annotations

import codecs
import csv
import sys
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from adapters.encoding import byte_facts, chunks_of
from adapters.limits import DEFAULT_LIMITS, LineTooLong, ReadLimits, open_capped
from adapters.lines import BoundedLines, RowBudget
from adapters.systmone.schema import READ_ORDER

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ExtractFile:
    """One CSV file of the extract and how to open it."""

    name: str  # file name inside the extract, e.g. "SRPatient.csv"
    table: str  # "SRPatient"
    open: Callable[[], IO[bytes]]
    limits: ReadLimits = DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the first pass over a file found."""

    sha256: str
    size: int
    encoding: str  # "ascii", "utf-8", "utf-8-sig" or "cp1252"
    line_ending: str  # "CRLF", "LF" or "none"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """A data row: its first physical line, its fields, or why it could not be read."""

    line: int
    fields: list[str]
    error: str | None = None


def list_files(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> list[ExtractFile]:
    """The CSV files of an extract (a folder or a .zip), lookups first (see `schema.READ_ORDER`),
    each opened under `limits` (a file over the size limit raises `FileTooLarge` when opened or read)."""
    files: list[ExtractFile] = []
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() == ".csv":
                files.append(ExtractFile(item.name, item.stem, _opener(item, None, limits), limits))
    else:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
        for name in sorted(names):
            files.append(ExtractFile(name, PurePosixPath(name).stem, _opener(path, name, limits), limits))
    return sorted(files, key=lambda f: (READ_ORDER.get(f.table, len(READ_ORDER)), f.name))


def _opener(path: Path, name: str | None, limits: ReadLimits) -> Callable[[], IO[bytes]]:
    return lambda: open_capped(path, name, limits)  # type: ignore[return-value]  # a context manager of IO[bytes]


def fingerprint(source: ExtractFile) -> Fingerprint:
    """Hash the file and decide its encoding: a UTF-8 BOM, else UTF-8 if every byte decodes, else
    Windows-1252 (the SR default)."""
    with source.open() as stream:
        facts = byte_facts(chunks_of(stream, _CHUNK))
    utf8, head = facts.utf8, facts.head
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig" if utf8 else "cp1252"
    elif facts.ascii_only:
        encoding = "ascii"  # reads the same as Windows-1252 and UTF-8
    else:
        encoding = "utf-8" if utf8 else "cp1252"
    ending = "CRLF" if b"\r\n" in head else ("LF" if b"\n" in head else "none")
    return Fingerprint(facts.sha256, facts.size, encoding, ending)


class _PushbackLines:
    """Physical lines for csv.reader, remembering the ones the current row took and letting them be
    pushed back, so a row ruined by an unterminated quote can give its later lines back. A row
    taking more than the line limit raises LineTooLong(row=True) with the line that passed it taken."""

    def __init__(self, lines: Iterator[str], limit: int) -> None:
        self._lines = lines
        self._back: deque[str] = deque()
        self.taken: list[str] = []
        self._budget = RowBudget(limit)

    def __iter__(self) -> _PushbackLines:
        return self

    def start_row(self) -> None:
        self.taken = []
        self._budget.start_row()

    def __next__(self) -> str:
        line = self._back.popleft() if self._back else next(self._lines)
        self.taken.append(line)
        self._budget.take(line)
        return line

    def push_back(self, lines: list[str]) -> None:
        self._back.extendleft(reversed(lines))


def _rows_follow(taken: list[str], expected: int) -> bool:
    """Whether the lines a wrong-sized multi-line row swallowed start with a complete row of their
    own (balanced quotes, the header's field count): then a quote was left open and they are rows;
    else the row really spans those lines (its closing quote sits on a later line)."""
    line = taken[1]
    if line.count('"') % 2:
        return False
    try:  # strict: a line that only parses leniently (a quote left open at its end) is no row of its own
        first = next(csv.reader([line], strict=True), None)
    except csv.Error:  # not a complete row, so the row really spans these lines
        return False
    return first is not None and len(first) == expected


def read_rows(source: ExtractFile, encoding: str) -> Iterator[CsvRow]:
    """Every row of the file, header first, with the 1-based physical line it starts on. A row the
    CSV reader cannot make sense of comes back with `error` set and the reader carries on.

    Quoted fields may hold line breaks, so a quote opened and never closed swallows the lines after
    it. When a row that spans several lines has the wrong number of fields (or runs into the end of
    the file), only its first line is rejected and the lines after it are read again as rows.

    A line longer than the line limit is skipped unread and its row rejected; a row whose lines add
    up to more than the limit is rejected by its first line, as for an unclosed quote."""
    limit = source.limits.max_line_bytes
    with source.open() as stream:
        lines = _PushbackLines(BoundedLines(stream, encoding, limit), limit)
        reader = csv.reader(lines, strict=False)
        expected: int | None = None
        start = 1
        while True:
            lines.start_row()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except LineTooLong as exc:
                taken = lines.taken
                reader = csv.reader(lines, strict=False)
                if exc.row:  # a quote left open gathered line after line: give the later ones back
                    yield CsvRow(start, [], f"{exc} (is a quote left open?)")
                    lines.push_back(taken[1:])
                    start += 1
                else:  # the over-long line itself was skipped, not taken
                    yield CsvRow(start, [], str(exc))
                    start += len(taken) + 1
                continue
            except csv.Error as exc:
                taken = lines.taken
                yield CsvRow(start, [], f"the CSV row cannot be read ({exc}); is a quote left open?")
                if len(taken) > 1:
                    lines.push_back(taken[1:])
                    reader = csv.reader(lines, strict=False)
                    start += 1
                else:
                    start += max(1, len(taken))
                continue
            taken = lines.taken
            if len(taken) > 1 and expected is not None and len(fields) != expected and _rows_follow(taken, expected):
                yield CsvRow(start, [], f"a quoted field opened on this line is never closed (the row "
                                        f"runs on for {len(taken)} lines with {len(fields)} fields, not {expected})")
                lines.push_back(taken[1:])
                start += 1
                continue
            row_start, start = start, start + len(taken)
            if len(taken) > 1:  # a quoted field held line breaks: keep them as plain \n
                fields = [f.replace("\r\n", "\n") for f in fields]
            if fields:
                if expected is None:
                    expected = len(fields)
                yield CsvRow(row_start, fields)
