"""Spoil a sample SystmOne extract the ways real extracts go wrong, file by file, for import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

Rows = list[list[str]]


def read_table(folder: Path, table: str) -> tuple[list[str], Rows]:
    with (folder / f"{table}.csv").open(encoding="cp1252", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def write_table(folder: Path, table: str, header: list[str], rows: Rows, encoding: str = "cp1252",
                line_end: str = "\r\n", bom: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / f"{table}.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def edit_rows(folder: Path, table: str, change: Callable[[list[str], Rows], None]) -> tuple[list[str], Rows]:
    """Load a table, let `change` edit its header and rows in place, write it back (SR bytes)."""
    header, rows = read_table(folder, table)
    change(header, rows)
    write_table(folder, table, header, rows)
    return header, rows


def set_value(folder: Path, table: str, index: int, column: str, value: str) -> str:
    """Set one cell of data row `index` (0-based); returns the row's RowIdentifier."""
    def change(header: list[str], rows: Rows) -> None:
        rows[index][header.index(column)] = value

    header, rows = edit_rows(folder, table, change)
    return rows[index][header.index("RowIdentifier")]


def line_of(index: int) -> int:
    """The physical line of data row `index` in a file without embedded line breaks."""
    return index + 2


def splice_raw_line(folder: Path, table: str, index: int, raw: bytes) -> None:
    """Replace the physical line of data row `index` with `raw` bytes (CRLF files)."""
    path = folder / f"{table}.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines[line_of(index) - 1] = raw
    path.write_bytes(b"\r\n".join(lines))
