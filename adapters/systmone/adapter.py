"""The SystmOne adapter: an SR extract (folder or .zip) in, one record per row out.

Files are read lookups first (manifest, SRMapping, then SRProblem before SRCode); every file opens
with an info notice carrying its checksum; each data row becomes `Converted` (resources, merges or
deletes) or `Rejected` (code, line, reason). Bad content never raises.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from adapters.base import FileNotice, Rejected, RowRef, SourceRecord
from adapters.codemaps import CodeMaps, default_maps
from adapters.limits import DEFAULT_LIMITS, ReadLimits
from adapters.systmone import parse
from adapters.systmone.errors import (
    BROKEN_ROW,
    MISSING_COLUMN,
    UNEXPECTED,
    WRONG_COLUMN_COUNT,
    AdapterError,
)
from adapters.systmone.lookups import Lookups
from adapters.systmone.schema import BY_NAME, Table
from adapters.systmone.to_fhir import CONVERTERS, delete
from adapters.systmone.values import Row, flag, integer, required, required_int

_ENCODING_NAMES = {"ascii": "plain ASCII", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "Windows-1252"}


class SystmOneAdapter:
    """Reads SystmOne Strategic Reporting extracts. See `shared/formats/systmone.md`."""

    source = "systmone"

    def __init__(self, maps: CodeMaps | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self._maps = maps
        self._limits = limits

    def read(self, path: Path) -> Iterator[SourceRecord]:
        """Stream the extract at `path`. See `adapters.base.Adapter.read`."""
        path = Path(path)
        lookups = Lookups(maps=self._maps or default_maps())
        try:
            files = parse.list_files(path, self._limits)
        except (OSError, zipfile.BadZipFile) as exc:
            yield FileNotice(path.name, "error", f"cannot open the extract: {exc}")
            return
        for source in files:
            yield from self._read_file(source, lookups)

    def _read_file(self, source: parse.ExtractFile, lookups: Lookups) -> Iterator[SourceRecord]:
        try:
            found = parse.fingerprint(source)
        except (OSError, zipfile.BadZipFile) as exc:
            yield FileNotice(source.name, "error", f"cannot read the file: {exc}")
            return
        table = BY_NAME.get(source.table)
        mode = "delta" if lookups.is_delta(source.table) else "bulk"
        yield FileNotice(
            source.name, "info",
            f"{source.name}: {_ENCODING_NAMES[found.encoding]}, {found.line_ending} line endings, {mode} load",
            sha256=found.sha256, size_bytes=found.size)
        if table is None:
            yield FileNotice(source.name, "skipped", f"{source.table} is not a table this adapter reads; skipped")
            return
        rows = parse.read_rows(source, found.encoding)
        header_row = next(rows, None)
        if header_row is None:
            yield FileNotice(source.name, "warning", f"{source.name} is empty: not even a header row")
            return
        header = [h.strip() for h in header_row.fields]
        unknown = [h for h in header if h not in table.columns]
        if unknown:
            yield FileNotice(source.name, "warning",
                             f"{source.name}: ignoring column(s) this adapter does not know: {', '.join(unknown)}")
        missing = sorted(table.required - set(header))
        if missing:
            reason = (f"{source.name} has no {', '.join(missing)} column, which {table.name} needs; "
                      "the whole file is rejected")
            for row in rows:
                yield Rejected(RowRef(source.name, row.line), MISSING_COLUMN, reason)
            return
        try:
            yield from self._rows(source.name, table, header, rows, lookups)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:  # the bytes stopped mid-file (a damaged zip)
            yield FileNotice(source.name, "warning", f"{source.name}: reading stopped early, the file is damaged "
                                                     f"({exc}); rows after this point were not read")

    def _rows(self, name: str, table: Table, header: list[str], rows: Iterator[parse.CsvRow],
              lookups: Lookups) -> Iterator[SourceRecord]:
        width = len(header)
        converter = CONVERTERS.get(table.name)
        remembered = 0
        for row in rows:
            if row.error is not None:
                yield Rejected(RowRef(name, row.line), BROKEN_ROW, row.error)
                continue
            key = row.fields[0].strip() if header[0] == "RowIdentifier" and row.fields else ""
            ref = RowRef(name, row.line, key or None)
            if len(row.fields) != width:
                yield Rejected(ref, WRONG_COLUMN_COUNT,
                               f"the row has {len(row.fields)} fields but the header has {width}")
                continue
            values: Row = dict(zip(header, row.fields))
            try:
                if converter is None:
                    self._remember(table.name, values, lookups)
                    remembered += 1
                    continue
                if flag(values, "RemovedData"):
                    yield delete(table.name, values, ref)
                    continue
                if table.name == "SRProblem" and (linked := integer(values, "IDCode")) is not None:
                    lookups.problem_codes.add(linked)
                yield converter(values, lookups, ref)
            except AdapterError as exc:
                yield Rejected(ref, exc.code, exc.reason)
            except Exception as exc:  # noqa: BLE001 - a converter bug must not stop the import
                yield Rejected(ref, UNEXPECTED, f"the adapter failed on this row ({type(exc).__name__}: {exc}); "
                                                "please report it with the file and line")
        if converter is None:
            yield FileNotice(name, "info", f"{name}: {remembered} row(s) read into the extract's lookups")

    @staticmethod
    def _remember(table: str, row: Row, lookups: Lookups) -> None:
        """Fold a reference-table row into the extract's lookups."""
        if table == "SRMapping":
            key = required_int(row, "RowIdentifier")
            lookups.mapping[key] = required(row, "Mapping")
        elif table == "SRManifest":
            stem = PurePosixPath(required(row, "FileName").replace("\\", "/")).stem
            lookups.manifest[stem.lower()] = bool(flag(row, "IsDelta"))
