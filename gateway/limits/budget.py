"""Database time for one request: a deadline and a cancel flag that every request-scoped query obeys.

The budget lives in a context variable set by `RequestScope` (scope.py); Starlette copies it into
the thread pool, so the hooks below see it on whichever thread runs the query. Work with no budget
(imports, exports, delivery, migrations, the audit writer) runs unbounded, as DESIGN.md section 11
("Limits") asks: those have limits of their own.

- SQLite: a progress handler, called every few thousand virtual-machine steps, interrupts the
  statement once the deadline has passed or the client has gone (sqlite3 raises "interrupted").
- PostgreSQL: `SET LOCAL statement_timeout` to what is left of the budget as each transaction
  begins, and a protocol-level cancel of the running statement when the client disconnects.
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from gateway.storage.engine import Database

# SQLite calls the progress handler every this many VM instructions: often enough to stop a long
# statement within milliseconds, rarely enough that a point read or a small search never calls it
# (bench/limits_overhead.py measures what it costs).
_SQLITE_STEPS = 20_000
_PG_QUERY_CANCELED = "57014"


@dataclass(slots=True)
class Budget:
    """What one request may still spend: `deadline` on the monotonic clock, `cancelled` once the
    client has disconnected."""

    timeout_ms: int
    deadline: float
    cancelled: bool = False
    _running: set[Any] = field(default_factory=set)  # PostgreSQL connections inside a transaction
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def starting_now(cls, timeout_ms: int) -> Budget:
        return cls(timeout_ms, time.monotonic() + timeout_ms / 1000)

    def spent(self) -> bool:
        return self.cancelled or time.monotonic() > self.deadline

    def remaining_ms(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))

    def cancel(self) -> None:
        """The client has gone: stop what runs now and refuse what comes next. Blocking (a PostgreSQL
        cancel opens its own connection), so call it from a worker thread."""
        self.cancelled = True
        with self._lock:
            running = list(self._running)
        for dbapi_conn in running:
            try:
                dbapi_conn.cancel_safe()
            except Exception:  # noqa: BLE001 - the statement may have finished meanwhile; nothing to stop
                continue

    def _enter(self, dbapi_conn: Any) -> None:
        with self._lock:
            self._running.add(dbapi_conn)

    def _leave(self, dbapi_conn: Any) -> None:
        with self._lock:
            self._running.discard(dbapi_conn)


current_budget: ContextVar[Budget | None] = ContextVar("current_budget", default=None)


def stopped_by_budget(exc: BaseException) -> bool:
    """Whether a database error is the budget stopping a statement (or PostgreSQL's own timeout)."""
    budget = current_budget.get()
    if budget is not None and budget.spent():
        return True
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) == _PG_QUERY_CANCELED


def _sqlite_progress() -> int:
    budget = current_budget.get()
    return 1 if budget is not None and budget.spent() else 0


def bound_sqlite(engine: Engine) -> None:
    """Interrupt request-scoped statements on this SQLite engine past their budget."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_progress_handler(_sqlite_progress, _SQLITE_STEPS)


def bound_postgres(engine: Engine) -> None:
    """Give each request-scoped transaction on this PostgreSQL engine what is left of its budget as
    `statement_timeout`, and make its running statement cancellable."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        budget = current_budget.get()
        if budget is None:
            return
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, budget.remaining_ms())}")
        budget._enter(conn.connection.dbapi_connection)

    def _on_end(conn: Connection) -> None:
        budget = current_budget.get()
        if budget is not None:
            budget._leave(conn.connection.dbapi_connection)

    event.listen(engine, "commit", _on_end)
    event.listen(engine, "rollback", _on_end)


def bound_database(db: Database) -> None:
    """Install the budget hooks on a gateway database's engines (before any connection is made)."""
    if db.is_sqlite:
        bound_sqlite(db.reader)
        bound_sqlite(db.writer)
    else:
        bound_postgres(db.writer)
