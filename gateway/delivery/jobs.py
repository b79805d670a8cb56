"""The registry of outbox job kinds: what each kind of row sends, what its success or failure
changes, and when its rows may go. Delivery owns the outbox and this registry; the features that
queue work (subscriptions: handshakes, events, heartbeats; the inbox: documents) register their
kinds at start-up, so delivery imports none of them.

These functions touch the database and run in worker threads; the worker does the sending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection

from gateway.settings import Settings

if TYPE_CHECKING:  # the outbox asks this registry which rows are ready, so it cannot be imported here
    from gateway.delivery.outbox import Claimed


@dataclass(slots=True)
class Job:
    """One send: to `url` (HTTP POST) or into `folder` as `file_name`."""

    row: Claimed
    body: bytes
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0
    folder: Path | None = None
    file_name: str | None = None


Prepare = Callable[[Connection, Settings, "Claimed"], "Job | None"]
Recorded = Callable[[Connection, "Claimed", str | None], None]  # (conn, row, error or None), when recorded
After = Callable[[Any, Settings, "Claimed", str | None], None]  # (repository, settings, row, error), after recording


@dataclass(frozen=True, slots=True)
class JobKind:
    """One kind of outbox row. `prepare` makes the send (None: nothing left to send); `recorded`
    runs in the transaction that records the outcome; `after` runs once it is recorded, with the
    repository (a handshake's outcome changes the subscription resource); `ready` is an SQL
    condition a pending row of this kind must also meet to be sent (an event waits for its
    subscription to be active)."""

    name: str
    prepare: Prepare
    recorded: Recorded | None = None
    after: After | None = None
    ready: Callable[[], ColumnElement[bool]] | None = None


@dataclass(frozen=True, slots=True)
class Periodic:
    """Sends no row asks for (heartbeats): `due` is a cheap read, `take` claims and builds them."""

    name: str
    due: Callable[[Connection], bool]
    take: Callable[[Connection, Settings], list[Job]]


_KINDS: dict[str, JobKind] = {}
_PERIODIC: dict[str, Periodic] = {}


def register(kind: JobKind) -> None:
    """Register (or re-register, idempotently) a kind of outbox row."""
    _KINDS[kind.name] = kind


def register_kind(kind: str, prepare_fn: Prepare) -> None:
    """Shorthand for a kind that only says what each row sends (e.g. the alert webhook)."""
    register(JobKind(kind, prepare_fn))


def register_periodic(periodic: Periodic) -> None:
    _PERIODIC[periodic.name] = periodic


def ready_conditions() -> list[tuple[str, ColumnElement[bool]]]:
    """(kind, condition) for every kind whose rows wait on something besides their queue."""
    return [(k.name, k.ready()) for k in _KINDS.values() if k.ready is not None]


def prepare(conn: Connection, settings: Settings, row: Claimed) -> Job | None:
    kind = _KINDS.get(row.kind)
    return kind.prepare(conn, settings, row) if kind is not None else None


def on_success(conn: Connection, row: Claimed) -> None:
    kind = _KINDS.get(row.kind)
    if kind is not None and kind.recorded is not None:
        kind.recorded(conn, row, None)


def on_failure(conn: Connection, row: Claimed, error: str) -> None:
    kind = _KINDS.get(row.kind)
    if kind is not None and kind.recorded is not None:
        kind.recorded(conn, row, error)


def has_after(kind_name: str) -> bool:
    """Whether recording a row of this kind may change what is ready (so the worker looks again)."""
    kind = _KINDS.get(kind_name)
    return kind is not None and kind.after is not None


def after(repo: Any, settings: Settings, row: Claimed, error: str | None) -> None:
    kind = _KINDS.get(row.kind)
    if kind is not None and kind.after is not None:
        kind.after(repo, settings, row, error)


def periodic_due(conn: Connection) -> bool:
    return any(p.due(conn) for p in _PERIODIC.values())


def due_periodic(conn: Connection, settings: Settings) -> list[Job]:
    return [job for p in _PERIODIC.values() for job in p.take(conn, settings)]
