"""Durable audit writes without a commit per request: group commit on a background thread.

Each request enqueues its entry and awaits a future; one thread drains the queue, inserts the
batch with one executemany and one commit, then wakes every waiter of that batch with a single
`call_soon_threadsafe` per event loop. A response is sent only once its audit row is durable, so a
crash can lose a request but never an audited success. If the database stays unavailable after
retries, the waiting requests fail with 503 instead of succeeding unaudited.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from gateway.audit.entry import AuditEntry
from gateway.audit.table import audit_entity, audit_log
from gateway.outcomes import FhirError, outcome


def audit_unavailable(text: str) -> FhirError:
    """503 for a request whose audit record could not be made durable."""
    return FhirError(outcome("error", "transient", text), 503, {"Retry-After": "5"})


@dataclass(slots=True)
class _Pending:
    row: dict[str, object]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop
    entry: AuditEntry | None = None  # kept only when it names further entities (audit_entity rows)


@dataclass
class WriterStats:
    """Counters for tests and the metrics page: how well batching is working."""

    batches: int = 0
    rows: int = 0
    retries: int = 0
    failed_rows: int = 0
    batch_sizes: list[int] = field(default_factory=list)


def record_in(conn: Connection, entry: AuditEntry) -> None:
    """Insert an audit row inside the caller's transaction, so a write and its audit commit together."""
    _insert(conn, entry.row(), entry)


def _insert(conn: Connection, row: dict[str, object], entry: AuditEntry | None) -> None:
    """One event row, and its entity rows when it names further entities (they need the event's seq)."""
    result = conn.execute(insert(audit_log), row)
    if entry is not None and entry.entities:
        key = result.inserted_primary_key
        assert key is not None  # an insert into audit_log always yields its seq
        conn.execute(insert(audit_entity), entry.entity_rows(int(key[0])))


class AuditWriter:
    """Group-committing audit writer; `start()` it at application start-up and `await stop()` at shutdown.

    Commits start at most once per `flush_ms` (0: as soon as the previous one ends) unless `batch_size`
    entries are waiting. An entry that
    arrives when the writer is idle is written at once (no added latency at low load); entries that
    arrive while a commit runs form the next batch, which is where the batching comes from. Lingering
    after the first entry of every batch was measured to halve closed-loop throughput instead.
    """

    def __init__(
        self,
        engine: Engine,
        flush_ms: float = 0.0,
        batch_size: int = 512,
        retries: int = 4,
        retry_backoff_s: float = 0.1,
    ) -> None:
        self.engine = engine
        self.flush_s = flush_ms / 1000.0
        self.batch_size = batch_size
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s
        self.stats = WriterStats()
        self._queue: deque[_Pending] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._last_flush = float("-inf")
        # Entries recorded during one event-loop iteration are handed to the thread together: one
        # lock and one wake-up per iteration instead of per request.
        self._handoff: list[_Pending] = []
        self._columns = [c.name for c in audit_log.columns if c.name != "seq"]
        self._insert_sql = _insert_sql(engine, "audit_log", self._columns)
        # A batch with entity rows needs its events' seqs (see _insert_linked); PostgreSQL inserts them.
        self._numbered_sql = _insert_sql(engine, "audit_log", ["seq", *self._columns])
        self._entity_columns = [c.name for c in audit_entity.columns]
        self._entity_sql = _insert_sql(engine, "audit_entity", self._entity_columns)

    # Lifecycle

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Write everything still queued, then end the background thread."""
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify()
        await asyncio.to_thread(thread.join)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stopping

    # Recording

    async def record(self, entry: AuditEntry) -> None:
        """Queue an entry and return once it is committed; raises 503 (FhirError) if it cannot be."""
        if not self.running:
            raise RuntimeError("AuditWriter is not running: call start() first")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._handoff:
            loop.call_soon(self._hand_over)
        self._handoff.append(_Pending(entry.row(), future, loop, entry if entry.entities else None))
        await future

    def _hand_over(self) -> None:
        """Runs on the event loop once per iteration: move this iteration's entries to the thread."""
        batch, self._handoff = self._handoff, []
        with self._cond:
            was_empty = not self._queue
            self._queue.extend(batch)
            # Wake the writer only when it may be asleep waiting for a first entry, or a batch is full;
            # otherwise it is committing or already waiting for a deadline it computed.
            if was_empty or len(self._queue) >= self.batch_size:
                self._cond.notify()

    def record_sync(self, entry: AuditEntry) -> None:
        """Write one entry in its own transaction, for the CLI and other code without an event loop."""
        with self.engine.begin() as conn:
            record_in(conn, entry)

    # Background thread

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._flush(batch)
            except Exception as exc:  # a bug must fail the waiters, never leave them hanging
                self._resolve(batch, f"audit write failed: {exc}")

    def _next_batch(self) -> list[_Pending] | None:
        with self._cond:
            while not self._queue:
                if self._stopping:
                    return None
                self._cond.wait()
            deadline = self._last_flush + self.flush_s
            while len(self._queue) < self.batch_size and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            count = min(len(self._queue), self.batch_size)
            self._last_flush = time.monotonic()
            return [self._queue.popleft() for _ in range(count)]

    def _flush(self, batch: list[_Pending]) -> None:
        columns = self._columns
        rows = [tuple(p.row.get(c) for c in columns) for p in batch]
        linked = any(p.entry is not None for p in batch)
        for attempt in range(self.retries + 1):
            try:
                with self.engine.begin() as conn:
                    # The driver's executemany directly: SQLAlchemy's per-row processing cost more
                    # than the insert (about 45 µs a row).
                    if linked:
                        self._insert_linked(conn, batch, rows)
                    else:
                        conn.exec_driver_sql(self._insert_sql, rows)
            except (DataError, IntegrityError):
                # Something in one row is wrong, not the database: isolate it, keep the rest.
                self._flush_one_by_one(batch)
                return
            except SQLAlchemyError as exc:
                if attempt == self.retries:
                    self.stats.failed_rows += len(batch)
                    self._resolve(batch, f"audit log unavailable: {exc.__class__.__name__}")
                    return
                self.stats.retries += 1
                time.sleep(self.retry_backoff_s * (2**attempt))
            else:
                self._count(len(batch))
                self._resolve(batch, None)
                return

    def _insert_linked(self, conn: Connection, batch: list[_Pending], rows: list[tuple[object, ...]]) -> None:
        """A batch where some entries name further entities: its events, then every entity row with its
        event's seq, each one executemany."""
        if conn.dialect.name == "postgresql":
            # Several processes may insert at once: draw the batch's seqs from the column's sequence.
            seqs = _draw_seqs(conn, len(rows))
            conn.exec_driver_sql(self._numbered_sql, [(seq, *row) for seq, row in zip(seqs, rows, strict=True)])
        else:
            # SQLite: the batch holds the write lock from its first insert to its commit, so its rowids
            # are consecutive, ending at the last one inserted.
            conn.exec_driver_sql(self._insert_sql, rows)
            last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
            seqs = list(range(last - len(rows) + 1, last + 1))
        names = self._entity_columns
        entities = [tuple(r[c] for c in names) for p, seq in zip(batch, seqs, strict=True) if p.entry is not None
                    for r in p.entry.entity_rows(seq)]
        if entities:
            conn.exec_driver_sql(self._entity_sql, entities)

    def _flush_one_by_one(self, batch: list[_Pending]) -> None:
        for pending in batch:
            try:
                with self.engine.begin() as conn:
                    _insert(conn, pending.row, pending.entry)
            except SQLAlchemyError as exc:
                self.stats.failed_rows += 1
                self._resolve([pending], f"audit entry rejected: {exc.__class__.__name__}")
            else:
                self._count(1)
                self._resolve([pending], None)

    def _count(self, n: int) -> None:
        self.stats.batches += 1
        self.stats.rows += n
        self.stats.batch_sizes.append(n)
        del self.stats.batch_sizes[:-1000]

    @staticmethod
    def _resolve(batch: Iterable[_Pending], error: str | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for pending in batch:
            by_loop.setdefault(pending.loop, []).append(pending.future)
        for loop, futures in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, futures, error)
            except RuntimeError:  # the loop has closed; nobody is waiting any more
                continue


def _insert_sql(engine: Engine, table: str, columns: list[str]) -> str:
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"


def _draw_seqs(conn: Connection, count: int) -> list[int]:
    drawn = conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('audit_log', 'seq')) FROM generate_series(1, %s)", (count,))
    return [int(seq) for (seq,) in drawn]


def _settle(futures: list[asyncio.Future[None]], error: str | None) -> None:
    """Runs on the event loop: wake every waiter of one batch (skipping any that gave up). Each failed
    waiter gets its own exception object, so tracebacks do not pile up on a shared one."""
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(audit_unavailable(error))
