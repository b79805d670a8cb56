"""The repository interface the REST layer, operations and import pipeline program against.

Each method names the FHIR interaction it implements; the SQL implementation is in `sql.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

FhirJson = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredResource:
    """One version of a resource as stored: `content` is the exact JSON served (with meta)."""

    res_type: str
    res_id: str
    version: int
    last_updated: int  # µs since epoch, UTC
    deleted: bool
    content: str | None

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did. `outcome` is created | updated | unchanged | deleted | existing
    (conditional create matched) | gone (delete of something already deleted or absent)."""

    stored: StoredResource
    outcome: str

    @property
    def status(self) -> int:
        return 201 if self.outcome == "created" else 200


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """Handed to write hooks inside the writing transaction (index, audit, outbox, linking)."""

    res_type: str
    res_id: str
    version: int
    method: str  # POST | PUT | PATCH | DELETE
    before: str | None  # the previous version's JSON text (hooks parse it only if they need it)
    after: FhirJson | None  # None for a delete


@dataclass(slots=True)
class HistoryPage:
    """A page of history entries, newest first."""

    entries: list[tuple[StoredResource, str]]  # (version, method)
    next_cursor: str | None
    total: int | None = None


WriteHook = Callable[[Any, WriteEvent], None]
BulkWriteHook = Callable[[Any, list[Any]], None]  # (connection, list of bulk.Version)
CommitHook = Callable[[Any, list[WriteEvent]], None]  # (connection, every write of the transaction)


@dataclass(slots=True)
class Hooks:
    """Work that must commit with every write (search index, audit, outbox, person linking).
    `on_write` runs per single write; `on_bulk_write` once per import batch (the index is
    written by the bulk path itself); `before_commit` once per write transaction with all its
    writes, still inside it (so one submitted assessment makes one notification, not one per
    resource)."""

    on_write: list[WriteHook] = field(default_factory=list)
    on_bulk_write: list[BulkWriteHook] = field(default_factory=list)
    before_commit: list[CommitHook] = field(default_factory=list)


class FhirRepository(Protocol):
    """The storage the API needs. See https://hl7.org/fhir/R4/http.html"""

    def read(self, res_type: str, res_id: str) -> StoredResource:
        """https://hl7.org/fhir/R4/http.html#read: 404 if absent, 410 if deleted."""
        ...

    def vread(self, res_type: str, res_id: str, version: int) -> StoredResource:
        """https://hl7.org/fhir/R4/http.html#vread"""
        ...

    def create(self, resource: FhirJson, if_none_exist: str | None = None) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#create and #ccreate (atomic)."""
        ...

    def update(self, res_type: str, res_id: str, resource: FhirJson, if_match: int | None = None) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#update (create-on-update allowed; 412 on stale If-Match)."""
        ...

    def delete(self, res_type: str, res_id: str) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#delete"""
        ...

    def history(
        self, res_type: str | None, res_id: str | None, since: int | None, count: int, cursor: str | None
    ) -> HistoryPage:
        """https://hl7.org/fhir/R4/http.html#history (instance, type and system level)."""
        ...
