"""The delivery worker: an asyncio task in the app's lifespan that drains the outbox.

Each cycle records the last round's outcomes, takes the deliverable queue heads (with the rows
queued behind them, so each subscription's events go out in order), sends queues concurrently,
each queue's rows one after another. A row is marked delivered only after the receiver's 2xx (or
the file's rename), so a crash at any point leaves it pending and it is sent again: delivery is
at least once, and event numbers let receivers drop repeats.

Finding work: on PostgreSQL rows are leased (`FOR UPDATE SKIP LOCKED`), so several processes can
run workers. On SQLite one process delivers (an advisory file lock, see `sole`) and finds its
work with a read transaction; outcomes are recorded by a second task, in batches, while the
`Ledger` tells the next look for work what was already sent. Nothing between a commit and its
notification waits for SQLite's single write lock.

Waking: a write transaction that queued deliveries flags its connection (see
`outbox.enqueue`); when that connection goes back to the pool, after the commit, the
worker in this process is woken at once. Otherwise it sleeps until the next retry falls due or
the poll interval passes (work queued by other processes, e.g. a command-line import).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx
from sqlalchemy import event, update
from starlette.concurrency import run_in_threadpool

from gateway.delivery import jobs, outbox
from gateway.delivery.ledger import Ledger, Outcome
from gateway.delivery.sole import SoleWorkerLock
from gateway.delivery.tables import delivery_outbox
from gateway.delivery.transports import drop_file, post
from gateway.outbound.configured import policy_from_settings
from gateway.outbound.network import outbound_client
from gateway.outbound.policy import OutboundPolicy
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.times import now_us

log = logging.getLogger(__name__)
Taken = list[tuple[outbox.Claimed, jobs.Job | None]]
_HEARTBEAT_CHECK_US = 1_000_000


class DeliveryWorker:
    """Delivers subscription notifications and social care documents from the outbox."""

    def __init__(self, repo: SqlRepository, settings: Settings, policy: OutboundPolicy | None = None) -> None:
        self.repo = repo
        self.settings = settings
        self.policy = policy or policy_from_settings(settings)  # where HTTP deliveries may go
        self.worker_id = uuid.uuid4().hex
        self._wake = asyncio.Event()  # work may be due: a commit queued some, or a record moved a queue
        self._to_record = asyncio.Event()  # SQLite: the ledger has outcomes to write
        self._task: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False
        self._last_heartbeat_check = 0
        self._outcomes: list[Outcome] = []  # PostgreSQL: recorded with the next claim
        # SQLite: the file lock that makes this the database's sole worker, and its ledger.
        sqlite = repo.db.is_sqlite
        self._sole = SoleWorkerLock(repo.db.url) if sqlite else None
        self._ledger = Ledger() if sqlite else None
        # The lease holder recorded outcomes must match: None for the sole worker (no leases).
        self._holder: str | None = None if sqlite else self.worker_id

    # Lifecycle -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """The delivery loop is alive (on SQLite it may be standing by for another process)."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start draining (on SQLite, once this process holds the database's worker lock)."""
        self._loop = asyncio.get_running_loop()
        self._client = outbound_client(self.policy, max_connections=100, keepalive=20)
        event.listen(self.repo.db.writer, "checkin", self._on_checkin)
        self._task = asyncio.create_task(self._run(), name="delivery-worker")
        if self._ledger is not None:
            self._recorder = asyncio.create_task(self._record_loop(), name="delivery-recorder")

    async def stop(self) -> None:
        """Finish the deliveries in flight, record them, give back leases, close connections."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._recorder is not None:
            self._to_record.set()
            await self._recorder
        event.remove(self.repo.db.writer, "checkin", self._on_checkin)
        if self._ledger is None:
            with self.repo.db.writer.begin() as conn:
                for outcome in self._outcomes:
                    self._record(conn, *outcome)
                outbox.release(conn, self.worker_id)
        if self._sole is not None:
            self._sole.release()
        if self._client is not None:
            await self._client.aclose()

    def _take_over(self) -> bool:
        """SQLite: become the database's sole worker if no other process is. Leases left by an
        earlier (killed) process are void from then on, and cleared."""
        assert self._sole is not None
        if self._sole.held:
            return True
        if not self._sole.acquire():
            return False
        with self.repo.db.writer.begin() as conn:
            conn.execute(update(delivery_outbox).where(delivery_outbox.c.state == "pending",
                                                       delivery_outbox.c.claimed_until.is_not(None))
                         .values(claimed_until=None))
        return True

    def _on_checkin(self, _dbapi_conn: Any, record: Any) -> None:
        # A writer connection is back in the pool, so its transaction has ended: if it queued
        # deliveries they are committed and visible (after a rollback the wake finds nothing).
        if record.info.pop(outbox.QUEUED_FLAG, None) and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    # The loop ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        poll = self.settings.delivery_poll_ms / 1000
        while not self._stopping:
            try:
                if self._sole is not None and not await run_in_threadpool(self._take_over):
                    await self._sleep(poll)  # another process delivers from this database
                elif not await self.cycle() and not self._stopping:
                    await self._sleep(await run_in_threadpool(self._sleep_for, poll))
            except Exception:  # noqa: BLE001 - a database hiccup must not end delivery for good
                log.exception("delivery cycle failed; retrying")
                await self._sleep(poll)

    async def _sleep(self, timeout: float) -> None:
        """Until woken (a commit that queued work, a recorded failure, `stop`), or `timeout` seconds."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    def _sleep_for(self, poll: float) -> float:
        settled: list[int] = []
        if self._ledger is not None:
            if self._ledger.held_queues():
                return poll  # a failure is being recorded; the recorder wakes the loop when it is
            settled = self._ledger.settled()
        with self.repo.db.reader.connect() as conn:
            due = outbox.next_due(conn, leased=self._ledger is None, settled=settled)
        if due is None:
            return poll
        return max(0.002, min(poll, (due - now_us()) / 1_000_000))

    async def cycle(self) -> bool:
        """One round: take the next rows (PostgreSQL: recording the last round's outcomes in the
        same transaction), then send: queues in parallel, each queue's rows one after another,
        stopping at its first failure. True when it attempted or recorded anything (so the loop
        goes straight on)."""
        outcomes: list[Outcome] = []
        self._wake.clear()  # a commit from now on wakes the next sleep; earlier ones are seen below
        if self._ledger is None:
            outcomes, self._outcomes = self._outcomes, []
            claimed = await run_in_threadpool(self._record_and_claim, outcomes)
            await self._after(outcomes)
        else:
            claimed = await run_in_threadpool(self._take, self._ledger.settled(), self._ledger.held_queues())
        await self._heartbeats()
        if not claimed:
            return bool(outcomes)
        queues: dict[str, Taken] = {}
        for row, job in claimed:
            queues.setdefault(row.queue, []).append((row, job))
        results = await asyncio.gather(*(self._send_queue(items) for items in queues.values()))
        done = [outcome for result in results for outcome in result]
        if self._ledger is None:
            self._outcomes = done
        else:
            self._ledger.add(done)
            self._to_record.set()
        return True

    async def _send_queue(self, items: Taken) -> list[Outcome]:
        out: list[Outcome] = []
        failed = False
        for row, job in items:
            if failed:
                out.append((row, None, "skipped"))
                continue
            if job is None:
                out.append((row, None, "obsolete"))
                continue
            error = await self._send(job)
            out.append((row, error, "failed" if error else "sent"))
            failed = error is not None
        return out

    def _record_and_claim(self, outcomes: list[Outcome]) -> Taken:
        """PostgreSQL: record and lease in one transaction (row locks, no database-wide lock)."""
        batch = self.settings.delivery_batch
        lease = int(self.settings.delivery_lease_s * 1_000_000)
        with self.repo.db.writer.begin() as conn:
            for outcome in outcomes:
                self._record(conn, *outcome)
            if self._stopping:
                return []
            rows = outbox.claim(conn, self.worker_id, batch, lease, follow=batch)
            return [(row, jobs.prepare(conn, self.settings, row)) for row in rows]

    def _take(self, settled: list[int], held: set[str]) -> Taken:
        """SQLite: the next rows, found and prepared in one read transaction (a WAL snapshot)."""
        if self._stopping:
            return []
        batch = self.settings.delivery_batch
        with self.repo.db.reader.connect() as conn:
            rows = [row for row in outbox.due(conn, batch, follow=batch, settled=settled) if row.queue not in held]
            return [(row, jobs.prepare(conn, self.settings, row)) for row in rows]

    async def _record_loop(self) -> None:
        """SQLite: write the ledger's outcomes, in batches, until stopped with nothing left."""
        assert self._ledger is not None
        poll = self.settings.delivery_poll_ms / 1000
        while True:
            await self._to_record.wait()
            self._to_record.clear()
            batch = self._ledger.batch()
            if batch:
                try:
                    await run_in_threadpool(self._record_all, batch)
                    self._ledger.recorded(batch)
                    await self._after(batch)
                except Exception:  # noqa: BLE001 - keep what is unrecorded and try again
                    log.exception("recording delivery outcomes failed; retrying")
                    if self._stopping:
                        return  # unrecorded rows stay pending: sent again after the restart
                    self._to_record.set()
                    await asyncio.sleep(min(poll, 1.0))
                    continue
                if any(error is not None or jobs.has_after(row.kind) for row, error, _ in batch):
                    self._wake.set()  # a held queue has its retry time now; a handshake may activate
            if self._stopping and not self._ledger and self._task is not None and self._task.done():
                return

    def _record_all(self, outcomes: list[Outcome]) -> None:
        with self.repo.db.writer.begin() as conn:
            for outcome in outcomes:
                self._record(conn, *outcome)

    async def _heartbeats(self) -> int:
        now = now_us()
        if now - self._last_heartbeat_check < _HEARTBEAT_CHECK_US:
            return 0
        self._last_heartbeat_check = now

        def due() -> list[jobs.Job]:
            with self.repo.db.reader.connect() as conn:
                if not jobs.periodic_due(conn):
                    return []  # the usual case: no write transaction
            with self.repo.db.writer.begin() as conn:
                return jobs.due_periodic(conn, self.settings)

        pending = await run_in_threadpool(due)
        await asyncio.gather(*(self._send(job) for job in pending))
        return len(pending)

    # One row ----------------------------------------------------------------------------------

    async def _send(self, job: jobs.Job) -> str | None:
        if job.folder is not None and job.file_name is not None:
            return await run_in_threadpool(drop_file, job.folder, job.file_name, job.body)
        assert self._client is not None and job.url is not None
        return await post(self._client, self.policy, job.url, job.body, job.headers, job.timeout_s)

    def _record(self, conn: Any, row: outbox.Claimed, error: str | None, result: str) -> None:
        settings = self.settings
        if result == "skipped":
            outbox.unclaim(conn, row, self._holder)
            return
        if error is None:
            if outbox.delivered(conn, row, self._holder) and result == "sent":
                jobs.on_success(conn, row)
            return
        give_up = int(settings.delivery_give_up_hours * 3600 * 1_000_000)
        state = outbox.failed(conn, row, self._holder, error, settings.delivery_retry_base_ms,
                              settings.delivery_retry_max_s, give_up)
        jobs.on_failure(conn, row, error)
        log.info("delivery %s #%s to %s failed (%s): %s", row.kind, row.event_number or row.seq, row.queue,
                 state, error)

    async def _after(self, outcomes: list[Outcome]) -> None:
        """What a kind does once its outcome is recorded (a handshake's changes the subscription's
        status and its resource; see `jobs.JobKind.after`)."""
        for row, error, result in outcomes:
            if result in ("sent", "failed") and jobs.has_after(row.kind):
                await run_in_threadpool(jobs.after, self.repo, self.settings, row, error)
