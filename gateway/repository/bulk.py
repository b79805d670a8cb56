"""The storage half of the unit of work (`unit.py`): versions decided in memory, written in bulk.

`BulkState` is the in-memory view of the current versions a unit of work touches and the versions
it has made since its last flush; `flush` then writes every new version, the resources table's
latest state, and the search index in a handful of executemany calls on the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gateway.repository.base import SourceRow
from gateway.repository.writes import stamp
from gateway.search.indexer import IndexRows, delete_index, index_rows, replace_index_many
from gateway.storage.tables import resources
from gateway.storage.times import now_us

Key = tuple[str, str]
_CHUNK = 500


@dataclass(slots=True)
class Current:
    """A resource's state as the batch sees it (stored, or written earlier in the same batch)."""

    version: int
    deleted: bool
    content_hash: str | None
    content: str | None
    stored: bool  # the row exists in the resources table (insert vs update on flush)
    _parsed: dict[str, Any] | None = None
    last_updated: int = 0

    def parsed(self) -> dict[str, Any] | None:
        if self._parsed is None and self.content:
            self._parsed = orjson.loads(self.content)
        return self._parsed


@dataclass(slots=True)
class Version:
    key: Key
    version: int
    at: int
    deleted: bool
    content_hash: str | None
    text: str | None
    body: dict[str, Any] | None
    method: str
    index: Any = None  # index rows computed earlier (by the import worker), else made at flush
    before: str | None = None  # the JSON of the version before this unit's first write of the resource
    rows: tuple[SourceRow, ...] = ()  # the source rows that made it (imports, feeds)


@dataclass(slots=True)
class BulkState:
    """Current versions of every resource a batch touches, plus the versions it has written."""

    current: dict[Key, Current] = field(default_factory=dict)
    written: list[Version] = field(default_factory=list)
    made: dict[Key, Version] = field(default_factory=dict)  # the version this batch made, per resource

    def put(self, key: Key, resource: dict[str, Any], digest: str, method: str, index: Any = None,
            row: SourceRow | None = None) -> Version:
        cur = self.current.get(key)
        earlier = self.made.get(key)
        if earlier is not None and not earlier.deleted and cur is not None and cur.version == earlier.version:
            # A later row of the same batch changes what an earlier row made (an address folded into
            # its Patient): refine that version in place. It was never visible outside this
            # transaction, so one version per resource per batch loses nothing.
            return self._refine(earlier, cur, resource, digest, index, row)
        version = 1 if cur is None else cur.version + 1
        at = now_us()
        body = stamp(resource, key[1], version, at)
        text = orjson.dumps(body).decode()
        before = cur.content if cur is not None and not cur.deleted else None
        written = Version(key, version, at, False, digest, text, body, method, index, before, (row,) if row else ())
        self.written.append(written)
        self.made[key] = written
        self.current[key] = Current(version, False, digest, text, cur.stored if cur else False, body, at)
        return written

    def _refine(self, earlier: Version, cur: Current, resource: dict[str, Any], digest: str, index: Any,
                row: SourceRow | None) -> Version:
        at = now_us()
        if row is not None and row not in earlier.rows:
            earlier.rows = (*earlier.rows, row)
        body = stamp(resource, earlier.key[1], earlier.version, at)
        earlier.at, earlier.content_hash, earlier.body, earlier.index = at, digest, body, index
        earlier.text = orjson.dumps(body).decode()
        self.current[earlier.key] = Current(earlier.version, False, digest, earlier.text, cur.stored, body, at)
        return earlier

    def delete(self, key: Key, row: SourceRow | None = None) -> Version | None:
        cur = self.current.get(key)
        if cur is None or cur.deleted:
            return None
        written = Version(key, cur.version + 1, now_us(), True, None, None, None, "DELETE", None, cur.content,
                          (row,) if row else ())
        self.written.append(written)
        self.made[key] = written
        self.current[key] = Current(written.version, True, None, None, cur.stored, None, written.at)
        return written

    def take(self) -> list[Version]:
        """The versions made since the last call (to flush), after which the next write of a
        resource makes a new version again; their resources now have stored rows."""
        written, self.written, self.made = self.written, [], {}
        for v in written:
            self.current[v.key].stored = True
        return written


def load_current(conn: Connection, keys: Iterable[Key]) -> dict[Key, Current]:
    """Stored state of `keys`, one query per type and chunk."""
    by_type: dict[str, list[str]] = {}
    for res_type, res_id in set(keys):
        by_type.setdefault(res_type, []).append(res_id)
    out: dict[Key, Current] = {}
    r = resources.c
    for res_type, ids in by_type.items():
        for start in range(0, len(ids), _CHUNK):
            rows = conn.execute(
                select(r.res_id, r.version, r.deleted, r.content_hash, r.content, r.last_updated).where(
                    r.res_type == res_type, r.res_id.in_(ids[start : start + _CHUNK])
                )
            )
            for row in rows:
                out[(res_type, row.res_id)] = Current(row.version, row.deleted, row.content_hash, row.content, True,
                                                      None, row.last_updated)
    return out


def _placeholders(conn: Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _executemany(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Straight to the driver's executemany: SQLAlchemy's per-row parameter processing costs more
    than the insert itself at import volumes. Runs on the caller's transaction."""
    if rows:
        conn.exec_driver_sql(sql, rows)


def flush(conn: Connection, written: list[Version], originally_stored: set[Key]) -> None:
    """Write every version made, then the latest state of each resource and its index."""
    if not written:
        return
    _executemany(
        conn,
        "INSERT INTO resource_history (res_type, res_id, version, last_updated, deleted, method, content) "
        f"VALUES ({_placeholders(conn, 7)})",
        [(v.key[0], v.key[1], v.version, v.at, v.deleted, v.method, v.text) for v in written],
    )
    latest: dict[Key, Version] = {}
    for v in written:
        latest[v.key] = v
    inserts, updates = [], []
    for key, v in latest.items():
        if key in originally_stored:
            updates.append((v.version, v.at, v.deleted, v.content_hash, v.text, key[0], key[1]))
        else:
            inserts.append((key[0], key[1], v.version, v.at, v.deleted, v.content_hash, v.text))
    _executemany(
        conn,
        "INSERT INTO resources (res_type, res_id, version, last_updated, deleted, content_hash, content) "
        f"VALUES ({_placeholders(conn, 7)})",
        inserts,
    )
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    _executemany(
        conn,
        f"UPDATE resources SET version = {mark}, last_updated = {mark}, deleted = {mark}, content_hash = {mark}, "
        f"content = {mark} WHERE res_type = {mark} AND res_id = {mark}",
        updates,
    )
    _reindex(conn, latest, originally_stored)


def _reindex(conn: Connection, latest: dict[Key, Version], originally_stored: set[Key]) -> None:
    fresh: list[tuple[str, str, IndexRows]] = []
    replaced: list[tuple[str, str, IndexRows]] = []
    for key, v in latest.items():
        if v.deleted:
            delete_index(conn, key[0], key[1])
            continue
        assert v.body is not None
        item = (key[0], key[1], v.index if v.index is not None else index_rows(v.body))
        (replaced if key in originally_stored else fresh).append(item)
    if fresh:
        replace_index_many(conn, fresh, replace=False)
    if replaced:
        replace_index_many(conn, replaced, replace=True)
