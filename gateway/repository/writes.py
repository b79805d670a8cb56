"""Writes inside one open database transaction: versioning, history and the write hooks.

Everything that must commit with a resource (its history row, search index rows, audit, outbox,
person links) happens here or in a hook, on the same connection, so it commits together or not
at all. Single interactions, transaction Bundles and the import pipeline all write through this.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from gateway.outcomes import gone, not_found, precondition_failed
from gateway.repository.base import FhirJson, Hooks, StoredResource, WriteEvent, WriteResult
from gateway.storage.tables import resource_history, resources
from gateway.storage.times import now_us, us_to_instant

_VOLATILE_META = ("versionId", "lastUpdated")


def content_hash(resource: FhirJson) -> str:
    """Hash of the resource without its id and server-managed meta, to tell a real change from a no-op."""
    body = {k: v for k, v in resource.items() if k not in ("meta", "id")}
    meta = resource.get("meta")
    if meta:
        trimmed = {k: v for k, v in meta.items() if k not in _VOLATILE_META}
        if trimmed:
            body["meta"] = trimmed
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def stamp(resource: FhirJson, res_id: str, version: int, at: int) -> FhirJson:
    """The resource with id and server-managed meta set."""
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = us_to_instant(at)
    out = {"resourceType": resource["resourceType"], "id": res_id}
    out.update((k, v) for k, v in resource.items() if k not in ("resourceType", "id", "meta"))
    out["meta"] = meta
    return out


class Writer:
    """Writes on an open transaction. Not thread-safe; one per transaction."""

    def __init__(self, conn: Connection, hooks: Hooks) -> None:
        self.conn = conn
        self.hooks = hooks
        self.events: list[WriteEvent] = []
        self._lock_rows = conn.dialect.name == "postgresql"

    def current(self, res_type: str, res_id: str) -> Any:
        """The current row (locked on PostgreSQL until commit), or None."""
        query = select(
            resources.c.version, resources.c.deleted, resources.c.content_hash, resources.c.content,
            resources.c.last_updated,
        ).where(resources.c.res_type == res_type, resources.c.res_id == res_id)
        if self._lock_rows:
            query = query.with_for_update()
        return self.conn.execute(query).first()

    def put(
        self,
        resource: FhirJson,
        res_id: str,
        method: str,
        if_match: int | None = None,
        current: Any = None,
        fetched: bool = False,
    ) -> WriteResult:
        """Store `resource` as the next version of (type, res_id), or report it unchanged when its
        content equals the current version's. `if_match` enforces optimistic locking."""
        res_type = resource["resourceType"]
        row = current if fetched else self.current(res_type, res_id)
        if if_match is not None:
            if row is None or row.deleted or row.version != if_match:
                have = "no current version" if row is None or row.deleted else f"version {row.version}"
                raise precondition_failed(f"{res_type}/{res_id}: If-Match wanted version {if_match}, the server has {have}")
        digest = content_hash(resource)
        if row is not None and not row.deleted and row.content_hash == digest:
            stored = StoredResource(res_type, res_id, row.version, row.last_updated, False, row.content)
            return WriteResult(stored, "unchanged")
        version = 1 if row is None else row.version + 1
        at = now_us()
        body = stamp(resource, res_id, version, at)
        text = orjson.dumps(body).decode()
        values = {"version": version, "last_updated": at, "deleted": False, "content_hash": digest, "content": text}
        if row is None:
            self.conn.execute(insert(resources).values(res_type=res_type, res_id=res_id, **values))
        else:
            self.conn.execute(
                update(resources).where(resources.c.res_type == res_type, resources.c.res_id == res_id).values(**values)
            )
        self._history(res_type, res_id, version, at, False, method, text)
        self._fire(WriteEvent(res_type, res_id, version, method, None if row is None else row.content, body))
        outcome = "created" if row is None or row.deleted else "updated"
        return WriteResult(StoredResource(res_type, res_id, version, at, False, text), outcome)

    def remove(self, res_type: str, res_id: str, if_match: int | None = None) -> WriteResult:
        """Delete: a new, empty version marked deleted; history is kept. Deleting what is already
        gone succeeds without a new version (FHIR delete is idempotent)."""
        row = self.current(res_type, res_id)
        if if_match is not None and (row is None or row.deleted or row.version != if_match):
            raise precondition_failed(f"{res_type}/{res_id}: If-Match wanted version {if_match}")
        if row is None or row.deleted:
            version = 0 if row is None else row.version
            return WriteResult(StoredResource(res_type, res_id, version, 0, True, None), "gone")
        version = row.version + 1
        at = now_us()
        self.conn.execute(
            update(resources)
            .where(resources.c.res_type == res_type, resources.c.res_id == res_id)
            .values(version=version, last_updated=at, deleted=True, content_hash=None, content=None)
        )
        self._history(res_type, res_id, version, at, True, "DELETE", None)
        self._fire(WriteEvent(res_type, res_id, version, "DELETE", row.content, None))
        return WriteResult(StoredResource(res_type, res_id, version, at, True, None), "deleted")

    def read_current(self, res_type: str, res_id: str) -> StoredResource:
        """Current version inside this transaction (for conditional interactions and patches)."""
        row = self.current(res_type, res_id)
        if row is None:
            raise not_found(f"{res_type}/{res_id} is not known")
        if row.deleted:
            raise gone(f"{res_type}/{res_id} was deleted")
        return StoredResource(res_type, res_id, row.version, row.last_updated, False, row.content)

    def _history(self, res_type: str, res_id: str, version: int, at: int, deleted: bool, method: str,
                 text: str | None) -> None:
        self.conn.execute(
            insert(resource_history).values(
                res_type=res_type, res_id=res_id, version=version, last_updated=at,
                deleted=deleted, method=method, content=text,
            )
        )

    def _fire(self, event: WriteEvent) -> None:
        self.events.append(event)
        for hook in self.hooks.on_write:
            hook(self.conn, event)

    def finish(self) -> None:
        """Run the before-commit hooks over every write of this transaction."""
        if self.events:
            for hook in self.hooks.before_commit:
                hook(self.conn, self.events)
