"""Export jobs under a lease: one runner at a time however many processes look, a runner that lost
its lease or whose job was cancelled is told so at its next checkpoint."""

from __future__ import annotations

import threading

from sqlalchemy import update

from gateway.export import jobs
from gateway.export.spec import ExportSpec
from gateway.export.state import ExportState
from gateway.export.tables import export_jobs
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.engine import open_database
from gateway.storage.times import now_us


def _queue(repo: SqlRepository, job_id: str) -> None:
    with repo.db.writer.begin() as conn:
        jobs.create(conn, job_id, "ics-analytics", "ics-platform", "http://x/fhir/$export",
                    ExportSpec("system", ("Patient",)), now_us())


def test_one_claim_wins_among_many_processes(repo: SqlRepository, settings: Settings) -> None:
    # Setup: one queued job, and eight "processes", each with its own engines, claiming at once.
    _queue(repo, "job-contended")
    databases = [open_database(settings.database_url) for _ in range(8)]
    won: list[str] = []
    start = threading.Barrier(len(databases))

    def claim(n: int) -> None:
        start.wait()
        job = jobs.claim(databases[n], f"holder-{n}", 30, 3)
        if job is not None:
            won.append(job.lease_holder or "")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for db in databases:
        db.dispose()

    assert len(won) == 1
    with repo.reading() as conn:
        job = jobs.get(conn, "job-contended")
    assert job is not None and job.status == "running" and job.lease_holder == won[0] and job.attempts == 1
    # Nobody else can take it while the lease lasts.
    assert jobs.claim(repo.db, "late-comer", 30, 3) is None


def test_a_runner_that_lost_its_lease_is_stopped(repo: SqlRepository) -> None:
    _queue(repo, "job-taken-over")
    first = jobs.claim(repo.db, "first", 30, 3)
    assert first is not None
    state = ExportState(pending=["Patient"])
    assert jobs.checkpoint(repo.db.writer, "job-taken-over", "first", state, 30)

    # The first runner stalls past its lease; a second process takes the job over.
    with repo.db.writer.begin() as conn:
        conn.execute(update(export_jobs).where(export_jobs.c.job_id == "job-taken-over").values(lease_until=1))
    second = jobs.claim(repo.db, "second", 30, 3)
    assert second is not None and second.state.interruptions == 1

    # The first one's next checkpoint, and its attempt to finish, are refused.
    assert not jobs.checkpoint(repo.db.writer, "job-taken-over", "first", state, 30)
    assert not jobs.complete(repo.db.writer, first, "first", state, 3600)
    assert jobs.checkpoint(repo.db.writer, "job-taken-over", "second", state, 30)


def test_cancelling_stops_the_runner_at_its_next_checkpoint(repo: SqlRepository) -> None:
    _queue(repo, "job-cancelled")
    job = jobs.claim(repo.db, "runner", 30, 3)
    assert job is not None
    with repo.db.writer.begin() as conn:
        assert jobs.cancel(conn, "job-cancelled")
        assert not jobs.cancel(conn, "job-cancelled")  # once
    assert not jobs.checkpoint(repo.db.writer, "job-cancelled", "runner", job.state, 30)
    assert not jobs.complete(repo.db.writer, job, "runner", job.state, 3600)
