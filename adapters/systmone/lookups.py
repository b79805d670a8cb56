"""What one row needs from the rest of the extract: SRMapping and SRConfiguredListOption texts,
the manifest, the problem index and the code maps; and what the row could not resolve.

Filled while the reference tables and SRProblem are read (they come first, see `schema.py`), on
top of the reference rows the gateway kept from earlier extracts, then read by every converter.
A coded value that does not resolve in a descriptive column is noted on the row (a warning and the
raw value, see `unresolved.py`) and the converter gets None; only an essential column rejects.
Memory stays small: integers and short strings, never whole rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.base import RowWarning
from adapters.codemaps import CodeMaps, Target, default_maps
from adapters.systmone.errors import (
    NO_REFERENCE_DATA,
    TEXT_FOR_ID,
    UNKNOWN_MAPPING_ID,
    UNMAPPED_TEXT,
    UNMAPPED_TEXT_KEPT,
    UNRESOLVED_ID,
    MappingError,
)
from adapters.systmone.schema import MAPPING, Table
from adapters.systmone.values import Row, text


@dataclass(slots=True)
class RowNotes:
    """What the current row could not resolve: its warnings, and column -> raw value for each
    element left out (kept on the resource as an extension)."""

    warnings: list[RowWarning] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Lookups:
    """Extract-wide lookups shared by the converters of one `read`."""

    maps: CodeMaps = field(default_factory=default_maps)
    mapping: dict[int, str] = field(default_factory=dict)  # SRMapping RowIdentifier -> text
    list_options: dict[int, str] = field(default_factory=dict)  # SRConfiguredListOption RowIdentifier -> text
    manifest: dict[str, bool] = field(default_factory=dict)  # table name (lower case) -> is delta
    problem_codes: set[int] = field(default_factory=set)  # SRCode RowIdentifiers that a problem links to
    table: Table | None = None  # the table of the row being converted
    notes: RowNotes = field(default_factory=RowNotes)

    def begin_row(self, table: Table) -> None:
        """Start a row of `table`: nothing unresolved yet."""
        self.table = table
        self.notes = RowNotes()

    def _essential(self, column: str) -> bool:
        return self.table is not None and column in self.table.essential

    def _soft(self, column: str, raw: str, code: str, message: str) -> None:
        self.notes.warnings.append(RowWarning(message, code, column, raw))
        self.notes.raw[column] = raw

    def keep_raw(self, column: str, raw: str) -> None:
        """Keep a value the converter could not place in FHIR on the resource, as received."""
        self.notes.raw[column] = raw

    def coded(self, row: Row, column: str) -> str | None:
        """The text of a coded-list column (through SRMapping or SRConfiguredListOption, as
        `schema.Table.coded` says), or None when empty or when it does not resolve."""
        raw = text(row, column)
        if raw is None or raw == "-1":
            return None
        source = self.table.coded.get(column, MAPPING) if self.table is not None else MAPPING
        try:
            key = int(raw)
        except ValueError:  # a text where the format puts an ID: the text is what the source meant
            self.notes.warnings.append(RowWarning(
                f"{column} {raw!r} is a text where {source} IDs are expected: used as the text", TEXT_FOR_ID,
                column, raw))
            return raw
        options = self.mapping if source == MAPPING else self.list_options
        found = options.get(key)
        if found is not None:
            return found
        if self._essential(column):
            raise MappingError(f"{column} {key} is not a value {source} defines", UNKNOWN_MAPPING_ID, column)
        if not options:
            self._soft(column, raw, NO_REFERENCE_DATA,
                       f"{column} {key} cannot be resolved: no {source} rows have been received, in this extract "
                       "or an earlier one; the value is kept as received")
        else:
            self._soft(column, raw, UNRESOLVED_ID,
                       f"{column} {key} is not a value {source} defines; the value is kept as received")
        return None

    def translate(self, map_name: str, value: str, column: str) -> Target | None:
        """`value` through the named code map. A value the map lacks rejects the row when the column
        is essential; else it is noted (the text kept as received) and None comes back."""
        target = self.maps[map_name].get(value)
        if target is not None:
            return target
        reason = f"{column} {value!r} has no entry in code map {map_name!r} (mappings/systmone/)"
        if self._essential(column):
            raise MappingError(reason, UNMAPPED_TEXT, column)
        self._soft(column, value, UNMAPPED_TEXT_KEPT, f"{reason}; the text is kept as received")
        return None

    def extra(self, map_name: str, value: str) -> Target | None:
        """An optional translation (added beside the original code, never instead of it)."""
        return self.maps[map_name].get(value)

    def is_delta(self, table: str) -> bool:
        """Whether the manifest marks this table's file as a delta; files it does not list are bulk."""
        return self.manifest.get(table.lower(), False)
