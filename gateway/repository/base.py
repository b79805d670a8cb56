"""The repository interface the REST layer, operations and import pipeline program against.

Each method names the FHIR interaction it implements; the SQL implementation is in `sql.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gateway.repository.unit import UnitOfWork

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
class SourceRow:
    """The row of a source file (or message segment) a write came from, for Provenance and reports."""

    file: str
    line: int
    key: str | None = None


# The doors a change can come through (WriteContext.door).
DOORS = ("rest", "batch", "transaction", "import", "assessment", "linking", "feed", "system")


@dataclass(slots=True)
class WriteContext:
    """Who is writing and through which door, handed to every hook with the unit's write events.
    `run_id`/`source` name an import run; `deltas` are the assessment changes the assessment service
    worked out for this unit, as (Patient id, [AssessmentDelta]) pairs (kept loosely typed so the
    repository does not import the Omaha adapter)."""

    user: str = "system"
    role: str | None = "system"
    door: str = "system"
    client: str | None = None
    request_id: str | None = None
    run_id: str | None = None
    source: str | None = None
    deltas: list[tuple[str, list[Any]]] = field(default_factory=list)


SYSTEM = WriteContext()


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """One new version, handed to the hooks inside the writing transaction (audit, provenance,
    linking, subscriptions, inbox), in batches: every version a flush of the unit of work wrote."""

    res_type: str
    res_id: str
    version: int
    method: str  # POST | PUT | PATCH | DELETE
    before: str | None  # the previous version's JSON text (hooks parse it only if they need it)
    after: FhirJson | None  # None for a delete
    at: int = 0  # the version's last_updated, µs
    rows: tuple[SourceRow, ...] = ()  # the source rows that made it (imports, feeds): usually one


@dataclass(slots=True)
class HistoryPage:
    """A page of history entries, newest first."""

    entries: list[tuple[StoredResource, str]]  # (version, method)
    next_cursor: str | None
    total: int | None = None


ChangeHook = Callable[["UnitOfWork", list[WriteEvent]], None]


@dataclass(slots=True)
class Hooks:
    """Work that must commit with every change, whichever door it came through. Features register
    here at start-up (the repository imports none of them). `on_changes` hooks run after each flush
    of a unit of work with the versions it wrote (audit, provenance, linking, subscription state);
    they may write through the unit, and what they write is flushed and handed to the hooks in turn.
    `before_commit` hooks run once per unit with every version it wrote, still inside its
    transaction (so one submitted assessment makes one notification, not one per resource).
    The search index is not a hook: the repository writes it with the resources it indexes."""

    on_changes: list[ChangeHook] = field(default_factory=list)
    before_commit: list[ChangeHook] = field(default_factory=list)

    def register(self, hook: ChangeHook, *, before_commit: bool = False) -> None:
        (self.before_commit if before_commit else self.on_changes).append(hook)


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
