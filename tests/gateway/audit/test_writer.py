"""Group commit: many concurrent record() calls become few batches, nothing is lost, failures surface."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine, func, select, text

from gateway.audit.entry import ROLE_PATIENT, AuditEntity, AuditEntry
from gateway.audit.table import audit_entity, audit_log
from gateway.audit.writer import AuditWriter, record_in
from gateway.outcomes import FhirError


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _entry(i: int) -> AuditEntry:
    return AuditEntry(user=f"user-{i % 7}", interaction="read", resource_type="Observation", resource_id=f"obs-{i}")


def test_concurrent_records_are_group_committed(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=50, batch_size=512)

    async def scenario() -> None:
        writer.start()
        await asyncio.gather(*(writer.record(_entry(i)) for i in range(300)))
        # Every caller returned, so every row must already be committed.
        assert _count(engine) == 300
        await writer.stop()

    asyncio.run(scenario())
    assert writer.stats.rows == 300
    assert writer.stats.batches <= 3, writer.stats.batch_sizes
    with engine.connect() as conn:
        ids = {r for (r,) in conn.execute(select(audit_log.c.resource_id))}
    assert ids == {f"obs-{i}" for i in range(300)}


def test_batch_size_caps_a_batch(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=5000, batch_size=50)

    async def scenario() -> None:
        writer.start()
        await writer.record(_entry(-1))  # an idle writer commits at once; the next commit is 5 s away...
        # ...unless batch_size entries are waiting: only full batches can have written these quickly.
        await asyncio.wait_for(asyncio.gather(*(writer.record(_entry(i)) for i in range(200))), timeout=3)
        await writer.stop()

    asyncio.run(scenario())
    assert _count(engine) == 201
    assert writer.stats.batch_sizes == [1, 50, 50, 50, 50]


def test_stop_flushes_everything_queued(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=10_000, batch_size=10_000)

    async def scenario() -> list[asyncio.Task[None]]:
        writer.start()
        await writer.record(_entry(-1))
        tasks = [asyncio.create_task(writer.record(_entry(i))) for i in range(40)]
        await asyncio.sleep(0.05)
        assert _count(engine) == 1  # the rest wait: the next commit is not due for 10 s
        await writer.stop()
        await asyncio.gather(*tasks)
        return tasks

    tasks = asyncio.run(scenario())
    assert all(t.done() and t.exception() is None for t in tasks)
    assert _count(engine) == 41


def test_database_failure_fails_waiting_callers(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=5, batch_size=100, retries=2, retry_backoff_s=0.01)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_log"))

    async def scenario() -> list[BaseException | None]:
        writer.start()
        results = await asyncio.gather(*(writer.record(_entry(i)) for i in range(10)), return_exceptions=True)
        await writer.stop()
        return results

    results = asyncio.run(scenario())
    assert all(isinstance(r, FhirError) and r.status == 503 for r in results), results
    assert writer.stats.retries == 2
    assert writer.stats.failed_rows == 10


def test_writer_recovers_after_a_transient_failure(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=5, batch_size=100, retries=5, retry_backoff_s=0.05)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))

    async def scenario() -> None:
        writer.start()
        task = asyncio.create_task(writer.record(_entry(1)))
        await asyncio.sleep(0.08)  # the first attempts fail; then the table comes back
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
        await task
        await writer.stop()

    asyncio.run(scenario())
    assert writer.stats.retries >= 1
    assert _count(engine) == 1


def test_record_requires_a_started_writer(engine: Engine) -> None:
    writer = AuditWriter(engine)
    with pytest.raises(RuntimeError):
        asyncio.run(writer.record(_entry(1)))


def test_record_in_commits_and_rolls_back_with_the_callers_transaction(engine: Engine) -> None:
    with engine.begin() as conn:
        record_in(conn, AuditEntry(user="u", interaction="create", resource_type="Condition", resource_id="c1"))
    with pytest.raises(ZeroDivisionError):
        with engine.begin() as conn:
            record_in(conn, AuditEntry(user="u", interaction="create", resource_type="Condition", resource_id="c2"))
            raise ZeroDivisionError  # the write failed after its audit row was inserted
    with engine.connect() as conn:
        ids = [r for (r,) in conn.execute(select(audit_log.c.resource_id))]
    assert ids == ["c1"]


def test_record_sync_writes_derived_action_and_outcome(engine: Engine) -> None:
    AuditWriter(engine).record_sync(
        AuditEntry(user="cli", interaction="search-type", resource_type="Patient", status=403)
    )
    with engine.connect() as conn:
        row = conn.execute(select(audit_log)).mappings().one()
    assert (row["action"], row["outcome"], row["status"], row["user_id"]) == ("E", 4, 403, "cli")


def test_over_long_values_are_clipped_not_rejected(engine: Engine) -> None:
    writer = AuditWriter(engine, flush_ms=1)

    async def scenario() -> None:
        writer.start()
        await writer.record(AuditEntry(user="u" * 1000, interaction="read", client="x" * 500))
        await writer.stop()

    asyncio.run(scenario())
    with engine.connect() as conn:
        row = conn.execute(select(audit_log)).mappings().one()
    assert len(row["user_id"]) == 256 and len(row["client"]) == 64


def test_entries_naming_further_entities_are_batched_with_the_rest(engine: Engine) -> None:
    """A batch mixing plain entries and entries with further entities commits together; each entity row
    points at its own event."""
    writer = AuditWriter(engine, flush_ms=50, batch_size=512)

    def linked(i: int) -> AuditEntry:
        return AuditEntry(user="u", interaction="update", resource_type="Patient", resource_id=f"g{i}",
                          patient=f"Patient/a{i}", request_id=f"link-{i}",
                          # b is named twice: one row
                          entities=tuple(AuditEntity(f"Patient/{p}{i}", ROLE_PATIENT) for p in "bcb"))

    async def scenario() -> None:
        writer.start()
        await asyncio.gather(*(writer.record(linked(i) if i % 3 == 0 else _entry(i)) for i in range(60)))
        await writer.stop()

    asyncio.run(scenario())
    assert _count(engine) == 60
    assert writer.stats.batches <= 3, writer.stats.batch_sizes
    with engine.connect() as conn:
        seq_of = dict(conn.execute(select(audit_log.c.request_id, audit_log.c.seq)).all())
        rows = conn.execute(select(audit_entity.c.event, audit_entity.c.what_id, audit_entity.c.role)).all()
    assert sorted((event, what, role) for event, what, role in rows) == sorted(
        (seq_of[f"link-{i}"], f"{p}{i}", "1") for i in range(0, 60, 3) for p in "bc")


def test_record_in_writes_further_entities_in_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        with conn.begin():
            record_in(conn, AuditEntry(user="u", interaction="update", entities=(AuditEntity("Patient/x"),)))
        with pytest.raises(RuntimeError), conn.begin():
            record_in(conn, AuditEntry(user="u", interaction="update", entities=(AuditEntity("Patient/y"),)))
            raise RuntimeError("the write failed")
        assert [r for (r,) in conn.execute(select(audit_entity.c.what_id))] == ["x"]
