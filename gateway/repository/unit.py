"""The one unit of work every door writes through: REST interactions, Bundles, imports, the
assessment service, linking (and later the HL7 v2 feed).

A unit lives for one database transaction. Puts and deletes are decided in memory against the
current versions (loaded once, `preload` for many at a time), versions are assigned there, and
`flush` writes them all with executemany (history, current rows, search index), then hands the
hooks the batch of write events with the unit's `WriteContext`. So a change has the same
consequences whichever door it came through, and an unchanged resource (same content hash) is no
change: no version, no event, nothing for any hook.

Reading the store through `conn` flushes first, so whatever the unit has written is visible to
its own searches and reads (conditional interactions, the assessment diff, linking).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from gateway.outcomes import gone, not_found, precondition_failed
from gateway.repository.base import Hooks, SourceRow, StoredResource, WriteContext, WriteEvent, WriteResult
from gateway.repository.bulk import BulkState, Current, Key, Version, flush, load_current
from gateway.repository.writes import content_hash
from gateway.storage.tables import resources

FhirJson = dict[str, Any]
# A hook that keeps writing what another hook then changes would never end; real chains are short
# (a source Patient -> its golden Patient -> nothing).
_MAX_ROUNDS = 20


class UnitOfWork:
    """Writes of one transaction. Not thread-safe; one per transaction (see `SqlRepository.writing`)."""

    def __init__(self, conn: Connection, hooks: Hooks, context: WriteContext) -> None:
        self._conn = conn
        self.hooks = hooks
        self.context = context
        self.events: list[WriteEvent] = []  # every version flushed so far, in order
        self._state = BulkState()
        self._absent: set[Key] = set()
        self._lock_rows = conn.dialect.name == "postgresql"
        self._flushing = False

    @property
    def conn(self) -> Connection:
        """The transaction's connection, with every pending write flushed (so reads see them).
        Inside a hook (during a flush) it is the connection as it stands."""
        self.flush()
        return self._conn

    # Current versions -----------------------------------------------------------------------------

    def preload(self, keys: Iterable[Key]) -> None:
        """Load the current versions of many resources in a few queries (an import batch)."""
        wanted = [k for k in keys if k not in self._state.current and k not in self._absent]
        found = load_current(self._conn, wanted)
        self._state.current.update(found)
        self._absent.update(k for k in wanted if k not in found)

    def current(self, key: Key) -> Current | None:
        """The resource as this unit sees it (stored, or written earlier in the unit), or None.
        Locked until commit on PostgreSQL when read here for the first time."""
        cur = self._state.current.get(key)
        if cur is not None or key in self._absent:
            return cur
        r = resources.c
        query = select(r.version, r.deleted, r.content_hash, r.content, r.last_updated).where(
            r.res_type == key[0], r.res_id == key[1])
        if self._lock_rows:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            self._absent.add(key)
            return None
        cur = Current(row.version, row.deleted, row.content_hash, row.content, True, None, row.last_updated)
        self._state.current[key] = cur
        return cur

    def read_current(self, res_type: str, res_id: str) -> StoredResource:
        """The current version inside this transaction (conditional interactions, patches)."""
        cur = self.current((res_type, res_id))
        if cur is None:
            raise not_found(f"{res_type}/{res_id} is not known")
        if cur.deleted:
            raise gone(f"{res_type}/{res_id} was deleted")
        return StoredResource(res_type, res_id, cur.version, cur.last_updated, False, cur.content)

    # Writes -----------------------------------------------------------------------------------------

    def put(self, resource: FhirJson, res_id: str, method: str, if_match: int | None = None, *,
            new: bool = False) -> WriteResult:
        """Store `resource` as the next version of (type, res_id), or report it unchanged when its
        content equals the current version's. `if_match` enforces optimistic locking; `new` says
        the id was just made here, so there is nothing to look up."""
        key = (resource["resourceType"], res_id)
        if new:
            self._absent.add(key)
        cur = self.current(key)
        if if_match is not None and (cur is None or cur.deleted or cur.version != if_match):
            have = "no current version" if cur is None or cur.deleted else f"version {cur.version}"
            raise precondition_failed(f"{key[0]}/{res_id}: If-Match wanted version {if_match}, the server has {have}")
        digest = content_hash(resource)
        if cur is not None and not cur.deleted and cur.content_hash == digest:
            stored = StoredResource(key[0], res_id, cur.version, cur.last_updated, False, cur.content)
            return WriteResult(stored, "unchanged")
        version = self._state.put(key, resource, digest, method)
        outcome = "created" if cur is None or cur.deleted else "updated"
        return WriteResult(StoredResource(key[0], res_id, version.version, version.at, False, version.text), outcome)

    def stage(self, key: Key, resource: FhirJson, digest: str, method: str, index: Any = None,
              row: SourceRow | None = None) -> Version:
        """A new version the caller has already decided is a change (an import row, planned against
        `current`): `digest` is its content hash, `index` its search rows when computed earlier."""
        return self._state.put(key, resource, digest, method, index, row)

    def remove(self, res_type: str, res_id: str, if_match: int | None = None) -> WriteResult:
        """Delete: a new, empty version marked deleted; history is kept. Deleting what is already
        gone succeeds without a new version (FHIR delete is idempotent)."""
        cur = self.current((res_type, res_id))
        if if_match is not None and (cur is None or cur.deleted or cur.version != if_match):
            raise precondition_failed(f"{res_type}/{res_id}: If-Match wanted version {if_match}")
        if cur is None or cur.deleted:
            return WriteResult(StoredResource(res_type, res_id, 0 if cur is None else cur.version, 0, True, None),
                               "gone")
        version = self._state.delete((res_type, res_id))
        assert version is not None
        return WriteResult(StoredResource(res_type, res_id, version.version, version.at, True, None), "deleted")

    def stage_delete(self, key: Key, row: SourceRow | None = None) -> Version | None:
        """Delete for a planned batch: the deletion version, or None when there was nothing to delete."""
        return self._state.delete(key, row)

    def note_deltas(self, patient_id: str, deltas: list[Any]) -> None:
        """The assessment service's worked-out changes for a person, for the hooks (in the context)."""
        if deltas:
            self.context.deltas.append((patient_id, list(deltas)))

    # Flush and finish --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what is pending, then run the change hooks over it; repeat while hooks write."""
        if self._flushing:
            return
        self._flushing = True
        try:
            for _ in range(_MAX_ROUNDS):
                if not self._state.written:
                    return
                events = self._write_pending()
                for hook in self.hooks.on_changes:
                    hook(self, events)
            raise RuntimeError("write hooks kept changing each other's writes")
        finally:
            self._flushing = False

    def _write_pending(self) -> list[WriteEvent]:
        current = self._state.current
        stored = {v.key for v in self._state.written if current[v.key].stored}
        written = self._state.take()
        flush(self._conn, written, stored)
        events = [WriteEvent(v.key[0], v.key[1], v.version, v.method, v.before, v.body, v.at, v.rows)
                  for v in written]
        self.events.extend(events)
        return events

    def finish(self) -> None:
        """Flush, then run the before-commit hooks once over every version of the unit."""
        self.flush()
        if self.events:
            for hook in self.hooks.before_commit:
                hook(self, self.events)
            self.flush()
