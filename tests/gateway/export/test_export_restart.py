"""A gateway that stops in the middle of an export: the job ends done (resumed from its checkpoint,
every resource exactly once) or failed with a reason, never stuck in progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from gateway.export import jobs
from gateway.export.spec import ExportSpec
from gateway.export.state import ExportState
from gateway.export.tables import export_jobs
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.times import now_us
from tests.gateway.api.live_server import free_port, running_gateway
from tests.gateway.export.conftest import ExportClient, seed, stored_ids

TYPES = ("Condition", "Observation", "Patient")


def _job(repo: SqlRepository, status_url: str) -> jobs.Job:
    with repo.reading() as conn:
        job = jobs.get(conn, status_url.rsplit("/", 1)[1])
    assert job is not None
    return job


def _wait_for_progress(client: ExportClient, status_url: str, at_least: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = client.http.get(status_url)
        assert response.status_code == 202, f"the export should still be running: {response.status_code}"
        progress = response.headers["X-Progress"]
        if progress != "queued" and int(progress.split("(")[1].split(" ")[0]) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError("the export made no progress")


def _assert_exact(repo: SqlRepository, client: ExportClient, status_url: str) -> jobs.Job:
    manifest, _ = client.wait(status_url)
    files = client.download(manifest)
    for res_type in TYPES:
        ids = [r["id"] for r in files[res_type]]
        assert len(ids) == len(set(ids)), f"{res_type} exported twice after the restart"
        assert set(ids) == stored_ids(repo, res_type)
    return _job(repo, status_url)


@pytest.mark.slow
def test_graceful_restart_resumes_from_the_checkpoint(settings: Settings, repo: SqlRepository,
                                                      system_token: Callable[..., str]) -> None:
    # Setup: about a hundred resources, written at 40 a second so the export takes over two seconds.
    seed(repo, people=8, observations=10)
    slow = settings.model_copy(update={"export_rows_per_s": 40.0})

    # Gateway A starts the export and stops part-way.
    with running_gateway(slow) as first:
        client = ExportClient(first, system_token())
        status_url = client.start(params={"_type": ",".join(TYPES)})
        _wait_for_progress(client, status_url, 10)
        client.close()
    stopped = _job(repo, status_url)
    assert stopped.status == "running" and stopped.lease_holder is None  # given back, not held
    assert 0 < stopped.state.written < 96 and stopped.state.pending

    # Gateway B (a new process, as far as the job is concerned) finishes it.
    with running_gateway(settings) as base:
        client = ExportClient(base, system_token())
        done = _assert_exact(repo, client, status_url.replace(first, base))
        client.close()
    assert done.status == "completed" and done.attempts == 2
    assert done.state.interruptions == 0
    assert len({f.name for f in done.state.files}) > len(TYPES)  # the interrupted type's two files


@pytest.mark.slow
def test_killed_gateway_job_is_taken_over_when_its_lease_ends(settings: Settings, repo: SqlRepository,
                                                               system_token: Callable[..., str],
                                                               tmp_path: Path) -> None:
    # Setup: a gateway in its own process, exporting slowly.
    seed(repo, people=8, observations=10)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GATEWAY_DATABASE_URL": settings.database_url, "GATEWAY_KEY_DIR": str(settings.key_dir),
           "GATEWAY_BASE_URL": base, "GATEWAY_EXPORT_DIR": str(settings.export_dir),
           "GATEWAY_EXPORT_ROWS_PER_S": "60", "GATEWAY_EXPORT_CHUNK_ROWS": "7", "GATEWAY_EXPORT_LEASE_S": "2",
           "GATEWAY_EXPORT_POLL_MS": "50", "GATEWAY_DELIVERY_WORKER": "false"}
    command = [sys.executable, "-c", "from gateway.cli import app; app()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the gateway process did not start"
            time.sleep(0.1)
        client = ExportClient(base, system_token())
        status_url = client.start(params={"_type": ",".join(TYPES)})
        _wait_for_progress(client, status_url, 10)
        client.close()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    killed = _job(repo, status_url)
    assert killed.status == "running" and killed.lease_holder is not None  # held by a dead process

    # Another gateway takes it over once the lease has run out, and finishes it exactly.
    with running_gateway(settings) as new_base:
        client = ExportClient(new_base, system_token())
        done = _assert_exact(repo, client, status_url.replace(base, new_base))
        client.close()
    assert done.status == "completed" and done.state.interruptions == 1


def test_a_job_interrupted_too_often_fails_visibly(settings: Settings, repo: SqlRepository,
                                                    system_token: Callable[..., str]) -> None:
    # Setup: a job whose runner died twice already and has died again (its lease is held and over).
    seed(repo, people=1, observations=1)
    spec = ExportSpec("system", ("Patient",))
    with repo.db.writer.begin() as conn:
        jobs.create(conn, "job-interrupted", "ics-analytics", "ics-platform", "http://x/fhir/$export", spec, now_us())
        conn.execute(update(export_jobs).where(export_jobs.c.job_id == "job-interrupted").values(
            status="running", lease_holder="dead-process", lease_until=now_us() - 1, attempts=3,
            state=ExportState(pending=["Patient"], interruptions=2).to_json()))

    with running_gateway(settings) as base:
        client = ExportClient(base, system_token())
        deadline = time.monotonic() + 10
        while (response := client.http.get(f"{base}/fhir/_export/job-interrupted")).status_code == 202:
            assert time.monotonic() < deadline, "the job stayed in progress"
            time.sleep(0.05)
        client.close()
    assert response.status_code == 500
    issue = response.json()["issue"][0]
    assert issue["code"] == "exception" and "interrupted 3 times" in issue["diagnostics"]


def test_unwritable_export_folder_fails_the_job_with_the_reason(settings: Settings, repo: SqlRepository,
                                                                 system_token: Callable[..., str],
                                                                 tmp_path: Path) -> None:
    seed(repo, people=1, observations=1)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export folder should be")
    with running_gateway(settings.model_copy(update={"export_dir": blocker})) as base:
        client = ExportClient(base, system_token())
        status_url = client.start(params={"_type": "Patient"})
        deadline = time.monotonic() + 10
        while (response := client.http.get(status_url)).status_code == 202:
            assert time.monotonic() < deadline, "the job stayed in progress"
            time.sleep(0.05)
        client.close()
    assert response.status_code == 500
    assert "could not be written" in response.json()["issue"][0]["diagnostics"]
    assert _job(repo, status_url).status == "failed"
