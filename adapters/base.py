"""The contract between a source adapter and the gateway's import pipeline.

An adapter reads a source export (a folder or a zip) as a stream and yields one *record* per
input row: either the FHIR resources the row becomes (`Converted`) or the reason it could not be
used (`Rejected`). The pipeline writes the resources, decides created / updated / unchanged, and
keeps the per-row report, so adapters never touch HTTP or SQL and every row is accounted for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

FhirJson = dict[str, Any]


def positional_reduce(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a slotted dataclass as (class, field values): the default for slotted dataclasses calls
    `dataclasses.fields()` per object on load, which was a tenth of the import's main process when
    records cross from the parse worker (gateway.imports.worker)."""
    return type(self), tuple(getattr(self, name) for name in self.__slots__)


class RowWarning(str):
    """A warning kept on a row that was still used: the message (it *is* the string, so reports and
    code that treat warnings as text keep working) plus a stable `code` reports count and filter by,
    and the `column` and raw `value` at fault when there is one."""

    code: str
    column: str | None
    value: str | None

    def __new__(cls, message: str, code: str, column: str | None = None, value: str | None = None) -> RowWarning:
        self = super().__new__(cls, message)
        self.code, self.column, self.value = code, column, value
        return self

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return RowWarning, (str(self), self.code, self.column, self.value)


class CodedError(Exception):
    """A source problem with a stable `code` (import reports are filtered by it) and a `reason`, a
    sentence a person understands. Each adapter's errors derive from it with their own codes."""

    code = "ADAPTER-100"

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code


@dataclass(frozen=True, slots=True)
class RowRef:
    """Where a record came from: file name inside the export, 1-based line of the row's first
    physical line (the header is line 1), and the row's own key in its source table."""

    __reduce__ = positional_reduce

    file: str
    line: int
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ElementMerge:
    """Upsert (or with `remove`, drop) one list element, matched by its FHIR element `id`,
    inside a resource another row owns. Used where a source keeps parts of one FHIR resource in
    separate tables (SystmOne's address history and contact details fold into its Patient), so a
    delta that touches only an address still updates the Patient it belongs to."""

    __reduce__ = positional_reduce

    resource_type: str
    resource_id: str
    path: str  # top-level list element of the resource, e.g. "address" or "telecom"
    element_id: str
    element: FhirJson | None = None
    remove: bool = False


@dataclass(slots=True)
class Converted:
    """A row that became FHIR.

    `resources` are complete resources with deterministic ids (see each adapter's `ids.py`).
    `deletes` are (type, id) pairs a delete marker (SystmOne `RemovedData`) removes.
    `merges` are element-level upserts into resources other rows own.
    `preserve` names top-level list paths that the pipeline carries over from the stored version
    of each resource in `resources` (elements that `merges` put there), per resource type.
    `warnings` are kept in the row report without rejecting the row; a `RowWarning` carries its
    own code, column and value (a plain string is counted under a generic code).
    """

    __reduce__ = positional_reduce

    ref: RowRef
    resources: list[FhirJson] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)
    merges: list[ElementMerge] = field(default_factory=list)
    preserve: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be used: `code` is a stable error code (see `errors.py`), `reason`
    a sentence a person understands, naming the column or value at fault."""

    __reduce__ = positional_reduce

    ref: RowRef
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileNotice:
    """Something about a whole file rather than a row: a table the adapter does not read
    (`skipped`), a column it ignores (`warning`), an export or file that cannot be read at all
    (`error`: the import run fails, so a script never mistakes an unreadable extract for an empty
    one), or the file's checksum and row count (`info`: yielded once as a file starts, with `sha256` and
    `size_bytes`, so the pipeline can record the run's inputs and show progress). Rows of a file that is
    rejected as a whole are still yielded as `Rejected`."""

    __reduce__ = positional_reduce

    file: str
    level: str  # "skipped" | "warning" | "error" | "info"
    message: str
    sha256: str | None = None
    size_bytes: int | None = None


SourceRecord = Converted | Rejected | FileNotice


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """One row of a source's reference table (a code list: SystmOne's SRMapping...). The gateway
    keeps these between imports, so a later export that does not repeat them still resolves codes
    through them; a row received later replaces the one with the same `table` and `key`."""

    __reduce__ = positional_reduce

    table: str
    key: str
    fields: dict[str, str]
    removed: bool = False


@runtime_checkable
class Adapter(Protocol):
    """A source system's adapter. `read` streams records row by row: memory must stay flat
    however large the export. `source` is the name used on the command line and in import runs."""

    source: str

    def read(self, path: Path) -> Iterator[SourceRecord]:
        """Parse every file of the export at `path` (a folder or a .zip) and yield one record
        per data row, plus file notices. Must never raise on bad content: bad rows and files
        become `Rejected` records."""
        ...


@runtime_checkable
class UsesReferenceData(Protocol):
    """An adapter whose exports carry reference tables that later exports may leave out."""

    source: str
    reference: list[ReferenceRow]  # the kept rows this adapter was given (`with_reference`), else empty

    def reference_rows(self, path: Path) -> Iterator[ReferenceRow]:
        """The reference rows the export at `path` carries (rows that cannot be read are left out:
        `read` reports them)."""
        ...

    def with_reference(self, rows: list[ReferenceRow]) -> Adapter:
        """The same adapter, resolving codes through `rows` (kept from earlier exports) as well as
        through the reference tables of the export it reads, which win."""
        ...
