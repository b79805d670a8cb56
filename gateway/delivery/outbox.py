"""The delivery outbox: rows written in the transaction of the change that caused them, claimed by
workers with a lease, marked delivered only after the receiver accepted them.

Order: a queue (one per subscription, one per Liquidlogic target) delivers its rows in `seq`
order; a row is eligible only while no older row of its queue is still pending, so event N+1 is
never sent before N was delivered or dead-lettered. Several processes: the claim takes row locks
with `FOR UPDATE SKIP LOCKED` on PostgreSQL and sets a lease (`claimed_until`), so two workers
never hold the same row and a crashed worker's rows become claimable again when its lease ends.
SQLite serialises writers and runs one worker per database file (see `gateway.delivery.sole`),
so there the worker only reads the due rows (`due`, no write lock, no lease) and takes the write
lock once per round to record what happened; `holder=None` below means "the sole worker".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from gateway.delivery.jobs import ready_conditions
from gateway.delivery.tables import delivery_outbox
from gateway.storage.times import now_us

o = delivery_outbox.c

# Set on the pooled connection's info by a transaction that queued deliveries, so the worker in
# this process is woken as soon as the connection returns to the pool after the commit (see
# gateway.delivery.worker). Other processes' workers find the rows by polling.
QUEUED_FLAG = "gateway.delivery.queued"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row a worker holds the lease on."""

    seq: int
    queue: str
    kind: str
    sub_id: str | None
    event_number: int | None
    item_id: str | None
    created_at: int
    attempts: int


def enqueue(conn: Connection, queue: str, kind: str, *, sub_id: str | None = None, event_number: int | None = None,
            item_id: str | None = None) -> None:
    """Add a delivery to `queue` on the caller's transaction (it commits with the change)."""
    at = now_us()
    conn.execute(insert(delivery_outbox).values(
        queue=queue, kind=kind, sub_id=sub_id, event_number=event_number, item_id=item_id, created_at=at,
        state="pending", attempts=0, next_attempt_at=at))
    conn.connection.info[QUEUED_FLAG] = True


def _heads(settled: Sequence[int] = ()) -> list[Any]:
    """Pending rows that are first in their queue and meet their kind's own condition (see
    `jobs.JobKind.ready`: an event waits for its subscription to be active). `settled`: rows the
    caller already sent but has not yet recorded, counted as done."""
    older = aliased(delivery_outbox)
    before = [older.c.queue == o.queue, older.c.state == "pending", older.c.seq < o.seq]
    conds = [o.state == "pending"]
    if settled:
        before.append(older.c.seq.not_in(settled))
        conds.append(o.seq.not_in(settled))
    return [
        *conds,
        ~exists().where(*before),
        *(or_(o.kind != kind, ready) for kind, ready in ready_conditions()),
    ]


_COLUMNS = (o.seq, o.queue, o.kind, o.sub_id, o.event_number, o.item_id, o.created_at, o.attempts)


def _due_rows(conn: Connection, now: int, limit: int, follow: int, leased: bool,
              settled: Sequence[int] = ()) -> list[Any]:
    query = select(*_COLUMNS).where(*_heads(settled), o.next_attempt_at <= now).order_by(o.seq).limit(limit)
    if leased:
        query = query.where(or_(o.claimed_until.is_(None), o.claimed_until < now))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=delivery_outbox)
    rows = list(conn.execute(query).all())
    # Behind each head, the next rows of its queue (sent in order after it, in the same round):
    # nobody else can claim them while the head is pending, so a backlog drains in few transactions.
    for head in list(rows):
        behind = [o.queue == head.queue, o.state == "pending", o.seq > head.seq, o.next_attempt_at <= now]
        if settled:
            behind.append(o.seq.not_in(settled))
        rows += conn.execute(select(*_COLUMNS).where(*behind).order_by(o.seq).limit(max(0, follow))).all()
    return rows


def _claimed(rows: list[Any]) -> list[Claimed]:
    return [Claimed(r.seq, r.queue, r.kind, r.sub_id, r.event_number, r.item_id, r.created_at, r.attempts)
            for r in rows]


def claim(conn: Connection, worker_id: str, limit: int, lease_us: int, follow: int = 0) -> list[Claimed]:
    """Lease up to `limit` deliverable queue heads (due, not leased by another worker), each with up
    to `follow` due rows queued behind it, in queue order."""
    now = now_us()
    rows = _due_rows(conn, now, limit, follow, leased=True)
    if rows:
        conn.execute(update(delivery_outbox).where(o.seq.in_([r.seq for r in rows]))
                     .values(claimed_until=now + lease_us, claimed_by=worker_id))
    return _claimed(rows)


def due(conn: Connection, limit: int, follow: int = 0, settled: Sequence[int] = ()) -> list[Claimed]:
    """What `claim` would lease, read without leasing anything: for the sole worker of an SQLite
    database, which needs no lease and so no write lock to find its work. Leases are ignored
    (any left by a killed process are void once the sole worker runs). `settled` rows (sent,
    not yet recorded) count as done, so their queues move on before the record is written."""
    return _claimed(_due_rows(conn, now_us(), limit, follow, leased=False, settled=settled))


def _held(row: Claimed, holder: str | None) -> list[Any]:
    """The row, still pending and (with a holder) still leased by that worker."""
    conds = [o.seq == row.seq, o.state == "pending"]
    if holder is not None:
        conds.append(o.claimed_by == holder)
    return conds


def unclaim(conn: Connection, row: Claimed, worker_id: str | None) -> None:
    """Give back a row that was not attempted (an earlier row of its queue failed this round)."""
    if worker_id is not None:
        conn.execute(update(delivery_outbox).where(*_held(row, worker_id)).values(claimed_until=None))


def delivered(conn: Connection, row: Claimed, worker_id: str | None) -> bool:
    """Mark a row delivered (only if this worker still holds it); False if the lease was lost."""
    result = conn.execute(update(delivery_outbox).where(*_held(row, worker_id))
                          .values(state="delivered", delivered_at=now_us(), claimed_until=None, last_error=None))
    return bool(result.rowcount)


def backoff_us(attempts: int, base_ms: float, max_s: float) -> int:
    """Exponential backoff with jitter: base * 2^(attempts-1), capped, +-20%."""
    delay = min(base_ms / 1000 * (2 ** max(attempts - 1, 0)), max_s)
    return int(delay * random.uniform(0.8, 1.2) * 1_000_000)


def failed(conn: Connection, row: Claimed, worker_id: str | None, error: str, base_ms: float, max_s: float,
           give_up_us: int) -> str:
    """Record a failed attempt: schedule the retry, or dead-letter the row once it has been
    failing longer than `give_up_us` since it was queued. Returns the row's new state."""
    now = now_us()
    attempts = row.attempts + 1
    dead = now - row.created_at >= give_up_us
    values: dict[str, object] = {"attempts": attempts, "last_error": error[:2000], "claimed_until": None}
    if dead:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = now + backoff_us(attempts, base_ms, max_s)
    conn.execute(update(delivery_outbox).where(*_held(row, worker_id)).values(**values))
    return "dead" if dead else "pending"


def release(conn: Connection, worker_id: str) -> None:
    """Give back every lease this worker holds (a clean shutdown), so another worker need not wait."""
    conn.execute(update(delivery_outbox).where(o.claimed_by == worker_id, o.state == "pending")
                 .values(claimed_until=None))


def cancel_queue(conn: Connection, queue: str) -> None:
    """Stop delivering a queue's pending rows (its subscription was deleted)."""
    conn.execute(update(delivery_outbox).where(o.queue == queue, o.state == "pending")
                 .values(state="cancelled", claimed_until=None))


def next_due(conn: Connection, leased: bool = True, settled: Sequence[int] = ()) -> int | None:
    """When the next deliverable queue head falls due (µs, a lease's end counting as due unless
    `leased` is False: the sole worker of an SQLite database ignores leases), to sleep until then
    instead of polling blindly. `settled` as for `due`."""
    due_at: Any = o.next_attempt_at  # a column, or the larger-of expression below
    if leased:
        larger = func.greatest if conn.dialect.name == "postgresql" else func.max  # SQLite's max(a, b) is scalar
        due_at = larger(o.next_attempt_at, func.coalesce(o.claimed_until, 0))
    return conn.execute(select(func.min(due_at)).where(*_heads(settled))).scalar()


def requeue_dead(conn: Connection, seq: int) -> bool:
    """Put a dead-lettered row back in its queue for another round of attempts."""
    at = now_us()
    result = conn.execute(update(delivery_outbox).where(o.seq == seq, o.state == "dead").values(
        state="pending", attempts=0, created_at=at, next_attempt_at=at, claimed_until=None, claimed_by=None))
    if result.rowcount:
        conn.connection.info[QUEUED_FLAG] = True
    return bool(result.rowcount)


def queue_counts(conn: Connection, queue: str) -> dict[str, int]:
    rows = conn.execute(select(o.state, func.count()).where(o.queue == queue).group_by(o.state))
    return {state: int(count) for state, count in rows}


def pending_by(conn: Connection, sub_id: str) -> list[tuple[int, int]]:
    """(event_number, attempts) of a subscription's undelivered events, oldest first."""
    rows = conn.execute(select(o.event_number, o.attempts).where(
        and_(o.sub_id == sub_id, o.kind == "event", o.state == "pending")).order_by(o.seq))
    return [(int(r.event_number), int(r.attempts)) for r in rows]
