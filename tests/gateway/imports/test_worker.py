"""The pipeline's parse worker process (used for big exports) gives exactly the in-process results:
the same row outcomes, the same stored resources, and a re-import that changes nothing."""

from __future__ import annotations

from pathlib import Path

from gateway.repository.sql import SqlRepository
from tests.gateway.imports.store import consistency_problems, current, history_count, row_outcomes, run_import
from tests.gateway.imports.test_run import data_rows


def test_worker_import_equals_in_process_import(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract, batch_rows=120, worker=True)
    assert summary.status == "completed"
    assert summary.rows == sum(summary.counts.values()) == sum(data_rows(extract).values())
    with repo.reading() as conn:
        assert consistency_problems(conn) == []
        stored, versions = current(conn), history_count(conn)
        outcomes = [(r["file"], r["line"], r["outcome"], r["code"]) for r in row_outcomes(conn, summary.run_id)]
    # In-process, on top: every row unchanged (same ids, same contents), rejected rows rejected alike.
    again = run_import(repo, extract, batch_rows=120, worker=False)
    assert again.counts["unchanged"] == summary.rows - summary.counts["rejected"]
    with repo.reading() as conn:
        assert current(conn) == stored and history_count(conn) == versions
        rejected = [(r["file"], r["line"], r["code"]) for r in row_outcomes(conn, again.run_id)
                    if r["outcome"] == "rejected"]
    assert rejected == [(f, line, code) for f, line, outcome, code in outcomes if outcome == "rejected"]
    assert {o[2] for o in outcomes} >= {"created", "updated", "unchanged", "rejected"}


def test_worker_reimport_changes_nothing(repo: SqlRepository, extract: Path) -> None:
    first = run_import(repo, extract, worker=False)
    with repo.reading() as conn:
        before, versions = current(conn), history_count(conn)
    second = run_import(repo, extract, batch_rows=64, worker=True)
    assert second.counts["unchanged"] == first.rows - first.counts["rejected"]
    with repo.reading() as conn:
        assert current(conn) == before and history_count(conn) == versions
