"""What one row needs from the rest of the extract: SRMapping texts, the manifest, the problem index
and the code maps.

Filled while the reference tables and SRProblem are read (they come first, see `schema.py`), then
read by every converter. Memory stays small: integers and short strings, never whole rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.codemaps import CodeMaps, Target, default_maps
from adapters.systmone.errors import UNKNOWN_MAPPING_ID, UNMAPPED_TEXT, MappingError
from adapters.systmone.values import Row, integer


@dataclass(slots=True)
class Lookups:
    """Extract-wide lookups shared by the converters of one `read`."""

    maps: CodeMaps = field(default_factory=default_maps)
    mapping: dict[int, str] = field(default_factory=dict)  # SRMapping RowIdentifier -> text
    manifest: dict[str, bool] = field(default_factory=dict)  # table name (lower case) -> is delta
    problem_codes: set[int] = field(default_factory=set)  # SRCode RowIdentifiers that a problem links to

    def coded(self, row: Row, column: str) -> str | None:
        """The SRMapping text of a coded-list column, or None when empty."""
        key = integer(row, column)
        if key is None:
            return None
        try:
            return self.mapping[key]
        except KeyError:
            raise MappingError(
                f"{column} {key} is not a value SRMapping defines", UNKNOWN_MAPPING_ID) from None

    def translate(self, map_name: str, value: str, column: str) -> Target:
        """`value` through the named code map; a value the map lacks rejects the row."""
        target = self.maps[map_name].get(value)
        if target is None:
            raise MappingError(
                f"{column} {value!r} has no entry in code map {map_name!r} (mappings/systmone/)", UNMAPPED_TEXT)
        return target

    def extra(self, map_name: str, value: str) -> Target | None:
        """An optional translation (added beside the original code, never instead of it)."""
        return self.maps[map_name].get(value)

    def is_delta(self, table: str) -> bool:
        """Whether the manifest marks this table's file as a delta; files it does not list are bulk."""
        return self.manifest.get(table.lower(), False)
