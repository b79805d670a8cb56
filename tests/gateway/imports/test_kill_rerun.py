"""An import killed part-way (SIGKILL after some batches committed) leaves a consistent store and a
visible run; running it again completes it, with the same resources as one clean import."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from gateway.app import build_repository
from gateway.imports.tables import import_rows
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.engine import normalise_url
from gateway.storage.migrate import upgrade
from tests.gateway.imports.store import consistency_problems, current, run_import, runs

REPO_ROOT = Path(__file__).resolve().parents[3]
BATCH_ROWS = 8


def _committed_rows(url: str) -> int:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(import_rows)).scalar_one()
    finally:
        engine.dispose()


def _import_and_kill(url: str, extract: Path, after_rows: int, worker: bool, timeout: float = 120.0) -> int:
    """Run `gateway import` in a child process and SIGKILL it once `after_rows` row outcomes are
    committed; returns how many were committed when it died. With `worker`, the import parses in its
    worker process (which then loses its parent mid-stream)."""
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, "GATEWAY_IMPORT_BATCH_ROWS": str(BATCH_ROWS),
           "GATEWAY_IMPORT_WORKER_MIN_BYTES": "0" if worker else str(1 << 40)}
    child = subprocess.Popen([sys.executable, "-m", "gateway.cli", "import", "systmone", str(extract)],
                             cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while _committed_rows(url) < after_rows:
            assert child.poll() is None, f"the import ended before it could be killed: {child.stderr.read()!r}"
            assert time.monotonic() < deadline, "the import committed nothing in time"
            time.sleep(0.005)
        child.kill()
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stderr.close()  # type: ignore[union-attr]
    return _committed_rows(url)


def _clean_import(extract: Path, tmp_path: Path) -> dict[tuple[str, str], tuple[int, bool, str | None]]:
    url = f"sqlite:///{tmp_path / 'clean.db'}"
    upgrade(url)
    repo = build_repository(Settings(database_url=url, key_dir=tmp_path / "clean-keys"))
    try:
        run_import(repo, extract)
        with repo.reading() as conn:
            return current(conn)
    finally:
        repo.db.dispose()


# Kill points: among the reference tables; among the address rows folding into Patients; in SRCode.
@pytest.mark.slow
@pytest.mark.parametrize("worker", [False, True], ids=["in-process", "parse-worker"])
@pytest.mark.parametrize("after_rows", [3 * BATCH_ROWS, 15 * BATCH_ROWS, 50 * BATCH_ROWS])
def test_killed_import_leaves_a_consistent_store_and_a_rerun_completes_it(
        repo: SqlRepository, settings: Settings, extract: Path, tmp_path: Path, after_rows: int, worker: bool) -> None:
    committed = _import_and_kill(settings.database_url, extract, after_rows=after_rows, worker=worker)
    assert committed >= after_rows

    # The store is consistent and the killed run is visible, its counts matching its committed rows.
    with repo.reading() as conn:
        assert consistency_problems(conn) == []
        (killed,) = runs(conn)
        partial = current(conn)
    assert partial  # some resources were committed before the kill
    assert killed["status"] in ("running", "interrupted")
    assert sum(killed["counts"].values()) == killed["recorded"] == committed
    assert killed["recorded"] % BATCH_ROWS == 0  # whole batches only

    # Running it again completes it: the committed rows are unchanged, the rest is new.
    summary = run_import(repo, extract, batch_rows=BATCH_ROWS * 5, worker=worker)
    assert summary.status == "completed"
    assert summary.counts["unchanged"] >= committed - killed["counts"]["rejected"] - killed["counts"]["unchanged"]
    with repo.reading() as conn:
        assert consistency_problems(conn) == []
        final = current(conn)

    # Same resources and contents as one clean import of the same extract. (Version numbers may
    # differ: rows of one batch that change the same resource make one version, so how many
    # versions a Patient gets depends on where the batches fell.)
    clean = _clean_import(extract, tmp_path)
    assert final.keys() == clean.keys()
    differing = {k for k in clean if k[0] != "Provenance" and clean[k][1:] != final[k][1:]}
    assert differing == set()
