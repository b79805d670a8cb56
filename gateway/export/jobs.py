"""Export jobs in the database: create, claim under a lease, checkpoint, finish, cancel, expire.

Every change a runner makes is a compare-and-set on its lease (`lease_holder` and `status =
'running'`), so on PostgreSQL with several gateway processes a job runs in one process at a time,
and a runner that lost its lease (or whose job was cancelled) finds out at its next checkpoint and
stops. A job whose runner died keeps its lease until `lease_until` passes; the next claim takes it
over, counts the interruption and resumes from the checkpoint, or fails the job visibly once it has
been interrupted too often. Nothing is left "in progress" for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, update

from gateway.audit.entry import AuditEntry
from gateway.audit.writer import record_in
from gateway.export.spec import ExportSpec
from gateway.export.state import ExportState
from gateway.export.tables import export_jobs
from gateway.storage.engine import Database
from gateway.storage.times import now_us

_J = export_jobs.c
ACTIVE = ("queued", "running")
ENDED = ("completed", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class Job:
    """An `export_jobs` row, its JSON columns parsed."""

    job_id: str
    status: str
    owner_user: str
    owner_client: str | None
    request_url: str
    spec: ExportSpec
    transaction_time: int
    created: int
    finished: int | None
    expires: int | None
    attempts: int
    lease_holder: str | None
    state: ExportState
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> Job:
        return cls(row.job_id, row.status, row.owner_user, row.owner_client, row.request_url,
                   ExportSpec.from_json(row.params), int(row.transaction_time), int(row.created),
                   row.finished, row.expires, int(row.attempts), row.lease_holder, ExportState.from_json(row.state),
                   row.error)


def create(conn: Connection, job_id: str, owner_user: str, owner_client: str | None, request_url: str,
           spec: ExportSpec, transaction_time: int) -> None:
    conn.execute(insert(export_jobs).values(
        job_id=job_id, status="queued", owner_user=owner_user, owner_client=owner_client, request_url=request_url,
        params=spec.to_json(), transaction_time=transaction_time, created=now_us(), attempts=0,
        state=ExportState(pending=list(spec.types)).to_json()))


def get(conn: Connection, job_id: str) -> Job | None:
    row = conn.execute(select(export_jobs).where(_J.job_id == job_id)).first()
    return Job.from_row(row) if row is not None else None


def claim(db: Database, holder: str, lease_s: float, max_interruptions: int) -> Job | None:
    """Take the oldest job nobody holds a live lease on; None when there is none. A job whose lease
    ran out (its process died) counts an interruption, and fails once it has had too many."""
    now = now_us()
    free = and_(_J.status.in_(ACTIVE), or_(_J.lease_until.is_(None), _J.lease_until < now))
    with db.reader.connect() as conn:  # looking takes no write lock; taking is a compare-and-set
        candidates = conn.execute(select(export_jobs).where(free).order_by(_J.created).limit(5)).all()
    for row in candidates:
        state = ExportState.from_json(row.state)
        if row.lease_holder is not None:  # its runner died without giving the job back
            state.interruptions += 1
        taken = and_(_J.job_id == row.job_id, _J.attempts == row.attempts, free)
        with db.writer.begin() as conn:
            if state.interruptions >= max_interruptions:
                conn.execute(update(export_jobs).where(taken).values(
                    status="failed", finished=now, lease_holder=None, lease_until=None, state=state.to_json(),
                    error=f"The export was interrupted {state.interruptions} times (the gateway stopped while "
                          "running it); start it again"))
                continue
            changed = conn.execute(update(export_jobs).where(taken).values(
                status="running", lease_holder=holder, lease_until=now + int(lease_s * 1_000_000),
                attempts=row.attempts + 1, state=state.to_json())).rowcount
            if changed == 1:
                job = get(conn, row.job_id)
                if job is not None:
                    return job
    return None


def _held(job_id: str, holder: str) -> Any:
    return and_(_J.job_id == job_id, _J.lease_holder == holder, _J.status == "running")


def checkpoint(engine: Engine, job_id: str, holder: str, state: ExportState, lease_s: float) -> bool:
    """Record progress and renew the lease; False when the lease is no longer ours or the job was cancelled."""
    with engine.begin() as conn:
        return bool(conn.execute(update(export_jobs).where(_held(job_id, holder)).values(
            state=state.to_json(), lease_until=now_us() + int(lease_s * 1_000_000))).rowcount == 1)


def release(engine: Engine, job_id: str, holder: str, state: ExportState) -> None:
    """Give the job back (this process is stopping): any process resumes it from `state` at once."""
    with engine.begin() as conn:
        conn.execute(update(export_jobs).where(_held(job_id, holder)).values(
            state=state.to_json(), lease_holder=None, lease_until=None))


def complete(engine: Engine, job: Job, holder: str, state: ExportState, expiry_s: float) -> bool:
    """Mark the job done (and audit the run, with what it wrote) if this process still holds it."""
    now = now_us()
    with engine.begin() as conn:
        done = conn.execute(update(export_jobs).where(_held(job.job_id, holder)).values(
            status="completed", state=state.to_json(), finished=now, expires=now + int(expiry_s * 1_000_000),
            lease_holder=None, lease_until=None)).rowcount == 1
        if done:
            files = [f for f in state.files if f.type != "OperationOutcome"]
            record_in(conn, AuditEntry(
                user=job.owner_user, role="system", interaction="operation", resource_type=_group_type(job),
                resource_id=job.spec.group_id, query=f"$export job {job.job_id} completed: {state.written} "
                f"resources in {len(files)} files", client=job.owner_client, request_id=job.job_id))
    return done


def _group_type(job: Job) -> str | None:
    return "Group" if job.spec.group_id else None


def fail(engine: Engine, job_id: str, holder: str, error: str, expiry_s: float) -> None:
    now = now_us()
    with engine.begin() as conn:
        conn.execute(update(export_jobs).where(_held(job_id, holder)).values(
            status="failed", error=error[:2000], finished=now, expires=now + int(expiry_s * 1_000_000),
            lease_holder=None, lease_until=None))


def cancel(conn: Connection, job_id: str) -> bool:
    """Cancel a job (or withdraw a finished one's files): True if there was one to cancel. A runner
    still writing it stops at its next checkpoint."""
    now = now_us()
    live = (*ACTIVE, "completed", "failed")
    return bool(conn.execute(update(export_jobs).where(_J.job_id == job_id, _J.status.in_(live))
                             .values(status="cancelled", finished=now, expires=now)).rowcount == 1)


def due_for_removal(db: Database) -> list[str]:
    """Ended jobs past their expiry time, whose files and rows can go."""
    with db.reader.connect() as conn:
        return list(conn.execute(select(_J.job_id).where(_J.status.in_(ENDED), _J.expires < now_us())).scalars())


def remove(engine: Engine, job_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(export_jobs).where(_J.job_id == job_id, _J.status.in_(ENDED)))
