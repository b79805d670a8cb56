"""The SystmOne adapter: an SR extract (folder or .zip) in, one record per row out.

Files are read lookups first (manifest, SRMapping, then SRProblem before SRCode); every file opens
with an info notice carrying its checksum; each data row becomes `Converted` (resources, merges or
deletes) or `Rejected` (code, line, reason). Bad content never raises.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

from adapters.base import Converted, FileNotice, ReferenceRow, Rejected, RowRef, RowWarning, SourceRecord
from adapters.codemaps import CodeMaps, default_maps
from adapters.limits import DEFAULT_LIMITS, ReadLimits
from adapters.systmone import parse
from adapters.systmone.errors import (
    BAD_DESCRIPTIVE_VALUE,
    BROKEN_ROW,
    MISSING_COLUMN,
    UNEXPECTED,
    WRONG_COLUMN_COUNT,
    AdapterError,
)
from adapters.systmone.lookups import Lookups
from adapters.systmone.schema import BY_NAME, Table
from adapters.systmone.to_fhir import CONVERTERS, Converter, delete
from adapters.systmone.unresolved import keep_raw
from adapters.systmone.values import Row, flag, integer, required, required_int, text

# Reference tables the gateway keeps between extracts (the manifest describes one extract only).
KEPT_REFERENCE = frozenset({"SRMapping", "SRMappingGroup", "SRConfiguredListOption"})

_ENCODING_NAMES = {"ascii": "plain ASCII", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "Windows-1252"}


class SystmOneAdapter:
    """Reads SystmOne Strategic Reporting extracts. See `shared/formats/systmone.md`."""

    source = "systmone"

    def __init__(self, maps: CodeMaps | None = None, reference: list[ReferenceRow] | None = None,
                 limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self._maps = maps
        self.reference = reference or []
        self._limits = limits

    def read(self, path: Path) -> Iterator[SourceRecord]:
        """Stream the extract at `path`. See `adapters.base.Adapter.read`."""
        path = Path(path)
        lookups = Lookups(maps=self._maps or default_maps())
        for kept in self.reference:  # from earlier extracts; this extract's own rows, read first, win
            try:
                _remember(kept.table, kept.fields, lookups)
            except AdapterError:
                continue
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
            if converter is None:
                try:
                    _remember(table.name, values, lookups)
                except AdapterError as exc:
                    yield Rejected(ref, exc.code, exc.reason)
                    continue
                remembered += 1
                continue
            yield _convert(table, converter, values, lookups, ref)
        if converter is None:
            yield FileNotice(name, "info", f"{name}: {remembered} row(s) read into the extract's lookups")

    def reference_rows(self, path: Path) -> Iterator[ReferenceRow]:
        """The rows of the extract's code lists (SRMapping, SRMappingGroup, SRConfiguredListOption), for
        the gateway to keep. See `adapters.base.UsesReferenceData`."""
        try:
            files = [f for f in parse.list_files(Path(path)) if f.table in KEPT_REFERENCE]
        except (OSError, zipfile.BadZipFile):
            return  # `read` reports it
        for source in files:
            try:
                encoding = parse.fingerprint(source).encoding
                rows = parse.read_rows(source, encoding)
                header_row = next(rows, None)
                if header_row is None:
                    continue
                header = [h.strip() for h in header_row.fields]
                for row in rows:
                    values = dict(zip(header, row.fields))
                    if row.error is not None or len(row.fields) != len(header):
                        continue
                    try:
                        key = required_int(values, "RowIdentifier")
                        removed = bool(flag(values, "RemovedData"))
                    except AdapterError:
                        continue
                    yield ReferenceRow(source.table, str(key), values, removed)
            except (OSError, EOFError, zipfile.BadZipFile):
                continue  # a damaged file: `read` reports it

    def with_reference(self, rows: list[ReferenceRow]) -> SystmOneAdapter:
        """This adapter, resolving codes through `rows` too. See `adapters.base.UsesReferenceData`."""
        return SystmOneAdapter(self._maps, [r for r in rows if r.table in KEPT_REFERENCE], self._limits)


def _convert(table: Table, converter: Converter, values: Row, lookups: Lookups, ref: RowRef) -> Converted | Rejected:
    """One data row through its converter. A bad value in a descriptive column is blanked and the row
    converted again without it, so the fact is kept; a bad essential value rejects the row."""
    blanked: dict[str, tuple[str, AdapterError]] = {}
    while True:
        lookups.begin_row(table)
        try:
            if flag(values, "RemovedData"):
                return delete(table.name, values, ref)
            if table.name == "SRProblem" and (linked := integer(values, "IDCode")) is not None:
                lookups.problem_codes.add(linked)
            record = converter(values, lookups, ref)
            break
        except AdapterError as exc:
            column = exc.column
            raw = text(values, column) if column else None
            if column is None or raw is None or column in table.essential or column in blanked:
                return Rejected(ref, exc.code, exc.reason)
            blanked[column] = (raw, exc)
            values = {**values, column: ""}
        except Exception as exc:  # noqa: BLE001 - a converter bug must not stop the import
            return Rejected(ref, UNEXPECTED, f"the adapter failed on this row ({type(exc).__name__}: {exc}); "
                                             "please report it with the file and line")
    notes = lookups.notes
    if not (blanked or notes.warnings or notes.raw):
        return record  # the usual row: everything resolved
    left_out = [RowWarning(f"{exc.reason}: left out, the value is kept as received", BAD_DESCRIPTIVE_VALUE, column, raw)
                for column, (raw, exc) in blanked.items()]
    kept = keep_raw(record, table.name, {**notes.raw, **{column: raw for column, (raw, _) in blanked.items()}})
    return replace(kept, warnings=[*kept.warnings, *notes.warnings, *left_out])


def _remember(table: str, row: Row, lookups: Lookups) -> None:
    """Fold a reference-table row into the extract's lookups (a later row with the same key wins)."""
    if table == "SRMapping":
        key = required_int(row, "RowIdentifier")
        lookups.mapping[key] = required(row, "Mapping")
    elif table == "SRConfiguredListOption":
        key = required_int(row, "RowIdentifier")
        if flag(row, "RemovedData"):
            lookups.list_options.pop(key, None)
        else:
            lookups.list_options[key] = required(row, "ConfiguredListOption")
    elif table == "SRManifest":
        stem = PurePosixPath(required(row, "FileName").replace("\\", "/")).stem
        lookups.manifest[stem.lower()] = bool(flag(row, "IsDelta"))
