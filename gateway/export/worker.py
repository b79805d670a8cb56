"""The export worker: an asyncio task in the app's lifespan that runs queued export jobs.

One job at a time per process, in a worker thread. It claims a job under a lease (see `jobs`),
writes it with `ndjson.write_export`, renewing the lease at each checkpoint, and at shutdown gives
the job back at its next checkpoint so the next process to start resumes it at once. It also
removes jobs, and their files, once they expire.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from gateway.export import jobs
from gateway.export.ndjson import write_export
from gateway.export.state import ExportState
from gateway.outcomes import FhirError
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings

log = logging.getLogger(__name__)
_SWEEP_EVERY_S = 60.0


def job_folder(settings: Settings, job_id: str) -> Path:
    return settings.export_dir / job_id


class ExportWorker:
    """Runs export jobs from the `export_jobs` table; `wake()` after queuing one."""

    def __init__(self, repo: SqlRepository, settings: Settings) -> None:
        self.repo = repo
        self.settings = settings
        self.holder = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="export-worker")

    @property
    def running(self) -> bool:
        """The export loop is alive (what /readyz checks)."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Give back the job in hand (at its next checkpoint) and end the task."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll. Safe from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        last_sweep = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - last_sweep >= _SWEEP_EVERY_S:
                    await asyncio.to_thread(self.sweep)
                    last_sweep = loop.time()
                job = await asyncio.to_thread(jobs.claim, self.repo.db, self.holder, self.settings.export_lease_s,
                                              self.settings.export_max_attempts)
                if job is not None:
                    await asyncio.to_thread(self.execute, job)
                    continue
            except SQLAlchemyError as exc:  # the database is away: try again at the next poll
                log.warning("export worker: %s", exc.__class__.__name__)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.export_poll_ms / 1000)
            except TimeoutError:
                pass

    def execute(self, job: jobs.Job) -> None:
        """Run one claimed job to its end, or until it must stop (shutdown, lost lease, cancelled)."""
        engine, settings = self.repo.db.writer, self.settings
        folder = job_folder(settings, job.job_id)
        expiry_s = settings.export_expiry_hours * 3600

        def checkpoint(state: ExportState) -> bool:
            if self._stopping:
                jobs.release(engine, job.job_id, self.holder, state)
                return False
            return jobs.checkpoint(engine, job.job_id, self.holder, state, settings.export_lease_s)

        state = job.state
        try:
            finished = write_export(self.repo.reading, job.spec, state, folder, job.transaction_time, checkpoint,
                                    label=str(job.attempts), chunk_rows=settings.export_chunk_rows,
                                    rows_per_s=settings.export_rows_per_s,
                                    base_url=settings.base_url.rstrip("/") + "/fhir", stopping=lambda: self._stopping)
        except SQLAlchemyError:
            raise  # the lease runs out and the job is resumed: an interruption, not a failure
        except OSError as exc:
            log.error("export job %s: %s", job.job_id, exc)  # the path is for the log, not the client
            jobs.fail(engine, job.job_id, self.holder,
                      f"The export files could not be written ({exc.strerror or exc.__class__.__name__})", expiry_s)
            return
        except FhirError as exc:
            jobs.fail(engine, job.job_id, self.holder, f"The export could not be run: {exc}", expiry_s)
            return
        except Exception as exc:  # a bug must fail the job visibly, never leave it running
            log.exception("export job %s failed", job.job_id)
            jobs.fail(engine, job.job_id, self.holder, f"The export failed ({exc.__class__.__name__})", expiry_s)
            return
        if finished:
            if not jobs.complete(engine, job, self.holder, state, expiry_s):
                self._discard_if_cancelled(job.job_id)
            return
        self._discard_if_cancelled(job.job_id)

    def _discard_if_cancelled(self, job_id: str) -> None:
        with self.repo.reading() as conn:
            current = jobs.get(conn, job_id)
        if current is None or current.status == "cancelled":
            shutil.rmtree(job_folder(self.settings, job_id), ignore_errors=True)

    def sweep(self) -> None:
        """Remove expired jobs (completed, failed or cancelled) and their files."""
        for job_id in jobs.due_for_removal(self.repo.db):
            shutil.rmtree(job_folder(self.settings, job_id), ignore_errors=True)
            jobs.remove(self.repo.db.writer, job_id)
