"""The SQL repository: FHIR interactions over SQLAlchemy Core on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import uuid4

from sqlalchemy import Connection, Row, and_, func, select, text, true

from gateway.cursor import InvalidCursor, decode_cursor, encode_cursor
from gateway.outcomes import bad_request, gone, not_found, precondition_failed
from gateway.repository.base import SYSTEM, FhirJson, HistoryPage, Hooks, StoredResource, WriteContext, WriteResult
from gateway.repository.conditional import match_ids
from gateway.repository.unit import UnitOfWork
from gateway.storage.engine import Database
from gateway.storage.point_reader import PointRow, SqlitePointReader
from gateway.storage.tables import resource_history, resources
from gateway.validation import check_id

T = TypeVar("T")
_HISTORY = "history"  # binds history cursors: a search or $everything cursor is refused here


def _stored(res_type: str, res_id: str, row: Any) -> StoredResource:
    return StoredResource(res_type, res_id, row.version, row.last_updated, row.deleted, row.content)


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        [seq] = decode_cursor(cursor, _HISTORY, width=1)
    except InvalidCursor:
        seq = None
    if not isinstance(seq, int):
        raise bad_request("The paging cursor is not valid; start the query again")
    return seq


def _encode_cursor(seq: int) -> str:
    return encode_cursor([seq], _HISTORY)


class SqlRepository:
    """FHIR storage on a relational database. Thread-safe: every call uses its own connection."""

    def __init__(self, db: Database, hooks: Hooks | None = None) -> None:
        self.db = db
        self.hooks = hooks or Hooks()
        self._read_sql = text(
            "SELECT version, last_updated, deleted, content FROM resources WHERE res_type = :t AND res_id = :i"
        )
        self._point_reader = SqlitePointReader(db.url) if db.is_sqlite else None

    # Transactions ---------------------------------------------------------------------------

    @contextmanager
    def writing(self, context: WriteContext = SYSTEM) -> Iterator[UnitOfWork]:
        """One write transaction through one unit of work: everything done through it, and
        everything its hooks do, commits together. `context` says who writes through which door."""
        if context is SYSTEM:
            context = WriteContext()  # a fresh one: a unit may add assessment deltas to its context
        with self.db.writer.begin() as conn:
            unit = UnitOfWork(conn, self.hooks, context)
            yield unit
            unit.finish()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.db.reader.connect() as conn:
            yield conn

    def in_transaction(self, work: Callable[[UnitOfWork], T], context: WriteContext = SYSTEM) -> T:
        with self.writing(context) as unit:
            return work(unit)

    # Reads ----------------------------------------------------------------------------------

    @property
    def reads_inline(self) -> bool:
        """True when `read` is cheap enough to run on the event loop (SQLite point reads, ~10 µs);
        on PostgreSQL a read is a network round trip and belongs in the thread pool."""
        return self._point_reader is not None

    def read(self, res_type: str, res_id: str) -> StoredResource:
        """https://hl7.org/fhir/R4/http.html#read"""
        row: PointRow | Row[Any] | None
        if self._point_reader is not None:
            row = self._point_reader.read(res_type, res_id)
        else:
            with self.db.reader.connect() as conn:
                row = conn.execute(self._read_sql, {"t": res_type, "i": res_id}).first()
        if row is None:
            raise not_found(f"{res_type}/{res_id} is not known")
        if row.deleted:
            raise gone(f"{res_type}/{res_id} was deleted")
        return _stored(res_type, res_id, row)

    def vread(self, res_type: str, res_id: str, version: int) -> StoredResource:
        """https://hl7.org/fhir/R4/http.html#vread"""
        h = resource_history.c
        with self.db.reader.connect() as conn:
            row = conn.execute(
                select(h.version, h.last_updated, h.deleted, h.content).where(
                    h.res_type == res_type, h.res_id == res_id, h.version == version
                )
            ).first()
        if row is None:
            raise not_found(f"{res_type}/{res_id} has no version {version}")
        if row.deleted:
            raise gone(f"{res_type}/{res_id} version {version} is a deletion")
        return _stored(res_type, res_id, row)

    def history(
        self, res_type: str | None, res_id: str | None, since: int | None, count: int, cursor: str | None
    ) -> HistoryPage:
        """https://hl7.org/fhir/R4/http.html#history, newest first, paged by history sequence."""
        h = resource_history.c
        conds = []
        if res_type:
            conds.append(h.res_type == res_type)
        if res_id:
            conds.append(h.res_id == res_id)
        if since is not None:
            conds.append(h.last_updated >= since)
        after = _decode_cursor(cursor)
        with self.db.reader.connect() as conn:
            total = None
            if after is None:
                total = conn.execute(select(func.count()).select_from(resource_history).where(and_(*conds))).scalar()
            page_conds = [*conds, h.seq < after] if after is not None else conds
            rows = conn.execute(
                select(h.seq, h.res_type, h.res_id, h.version, h.last_updated, h.deleted, h.content, h.method)
                .where(and_(true(), *page_conds))
                .order_by(h.seq.desc())
                .limit(count + 1)
            ).all()
        more = len(rows) > count
        rows = rows[:count]
        entries = [(_stored(r.res_type, r.res_id, r), r.method) for r in rows]
        next_cursor = _encode_cursor(rows[-1].seq) if more and rows else None
        return HistoryPage(entries, next_cursor, total)

    def exists(self, res_type: str, res_id: str) -> bool:
        with self.db.reader.connect() as conn:
            return conn.execute(
                select(resources.c.version).where(resources.c.res_type == res_type, resources.c.res_id == res_id)
            ).first() is not None

    # Writes ---------------------------------------------------------------------------------

    def create(self, resource: FhirJson, if_none_exist: str | None = None,
               context: WriteContext = SYSTEM) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#create; with If-None-Exist, #ccreate, atomically."""
        with self.writing(context) as writer:
            return create_in(writer, resource, if_none_exist)

    def update(self, res_type: str, res_id: str, resource: FhirJson, if_match: int | None = None,
               context: WriteContext = SYSTEM) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#update (update-as-create allowed: ids are client-assigned)."""
        check_id(res_id)
        with self.writing(context) as writer:
            return writer.put(resource, res_id, "PUT", if_match)

    def conditional_update(self, res_type: str, query: str, resource: FhirJson,
                           if_match: int | None = None, context: WriteContext = SYSTEM) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#cond-update"""
        with self.writing(context) as writer:
            return conditional_update_in(writer, res_type, query, resource, if_match)

    def delete(self, res_type: str, res_id: str, if_match: int | None = None,
               context: WriteContext = SYSTEM) -> WriteResult:
        """https://hl7.org/fhir/R4/http.html#delete"""
        with self.writing(context) as writer:
            return writer.remove(res_type, res_id, if_match)


def create_in(writer: UnitOfWork, resource: FhirJson, if_none_exist: str | None) -> WriteResult:
    """Create with a server-assigned id, or return the one existing match of `if_none_exist`."""
    res_type = resource["resourceType"]
    if if_none_exist:
        ids = match_ids(writer.conn, res_type, if_none_exist, lock=True)
        if len(ids) > 1:
            raise precondition_failed(f"If-None-Exist '{if_none_exist}' matches {len(ids)} {res_type} resources")
        if ids:
            return WriteResult(writer.read_current(res_type, ids[0]), "existing")
    return writer.put(resource, str(uuid4()), "POST", new=True)


def conditional_update_in(writer: UnitOfWork, res_type: str, query: str, resource: FhirJson,
                          if_match: int | None) -> WriteResult:
    """Update the one match of `query`, or create when nothing matches."""
    ids = match_ids(writer.conn, res_type, query, lock=True)
    if len(ids) > 1:
        raise precondition_failed(f"Conditional update '{query}' matches {len(ids)} {res_type} resources")
    body_id = resource.get("id")
    if ids:
        if body_id and body_id != ids[0]:
            raise bad_request(f"The body's id {body_id!r} differs from the matching resource {ids[0]!r}", ["id"])
        return writer.put(resource, ids[0], "PUT", if_match)
    new_id = body_id or str(uuid4())
    check_id(new_id)
    return writer.put(resource, new_id, "PUT", if_match)
