"""Uploads go to disk as they arrive, over-large ones are refused with 413 while streaming, and the
uploaded file goes when its run ends (completed, failed, or interrupted and found stale). A killed
import does not say `running` for ever: a stale heartbeat makes it `interrupted`, naming the command
that resumes it."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from adapters.base import Converted, RowRef, SourceRecord
from gateway.app import create_app
from gateway.imports.liveness import Heartbeat
from gateway.imports.pipeline import ImportRunner
from gateway.imports.tables import import_runs
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from tests.gateway.imports.test_zip_and_http import _follow


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def small_gateway(settings: Settings, uploads: Path) -> Iterator[TestClient]:
    """A gateway taking uploads of at most 64 KiB into `uploads`, with 1 KiB files at most."""
    limited = settings.model_copy(update={"import_upload_max_bytes": 64 * 1024, "import_upload_dir": uploads,
                                          "import_max_file_bytes": 1024})
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        yield client


def _zip_of(tmp_path: Path, members: dict[str, bytes]) -> bytes:
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path.read_bytes()


def _headers(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "Content-Type": "application/zip"}


def test_an_upload_over_the_limit_is_refused_while_streaming(small_gateway: TestClient, auth: dict[str, str],
                                                             uploads: Path) -> None:
    body = b"PK" + b"\0" * (100 * 1024)

    # Declared too big: refused before a byte is read.
    declared = small_gateway.post("/api/imports/systmone", content=body, headers=_headers(auth))
    assert declared.status_code == 413 and declared.json()["resourceType"] == "OperationOutcome"
    assert "65,536 bytes" in declared.json()["issue"][0]["diagnostics"]

    # Not declared (chunked): refused as the bytes pass the limit, nothing left on disk.
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start:start + 8192]

    streamed = small_gateway.post("/api/imports/systmone", content=chunks(), headers=_headers(auth))
    assert streamed.status_code == 413 and streamed.json()["resourceType"] == "OperationOutcome"
    assert not uploads.exists() or list(uploads.iterdir()) == []

    not_zip = small_gateway.post("/api/imports/systmone", content=b"RowIdentifier\r\n1\r\n", headers=_headers(auth))
    assert not_zip.status_code == 400 and list(uploads.iterdir()) == []


def test_the_upload_is_removed_when_its_run_ends(small_gateway: TestClient, auth: dict[str, str], uploads: Path,
                                                 tmp_path: Path) -> None:
    ok = _zip_of(tmp_path, {"SRMapping.csv": b"RowIdentifier,Mapping\r\n1,x\r\n"})
    run = _follow(small_gateway, auth, small_gateway.post("/api/imports/systmone", content=ok,
                                                          headers=_headers(auth)).headers["Location"])
    assert run["status"] == "completed"
    failed = _zip_of(tmp_path, {"readme.txt": b"no CSV here"})
    run = _follow(small_gateway, auth, small_gateway.post("/api/imports/systmone", content=failed,
                                                          headers=_headers(auth)).headers["Location"])
    assert run["status"] == "failed"
    deadline = time.monotonic() + 5
    while list(uploads.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)  # the run's thread removes the folder just after writing the run's end
    assert list(uploads.iterdir()) == []


def test_a_member_over_the_file_limit_is_refused_with_a_reason(small_gateway: TestClient, auth: dict[str, str],
                                                               tmp_path: Path) -> None:
    big = b"RowIdentifier,Mapping\r\n" + b"".join(b"%d,mapped value\r\n" % n for n in range(200))
    body = _zip_of(tmp_path, {"SRMapping.csv": big})
    run = _follow(small_gateway, auth, small_gateway.post("/api/imports/systmone", content=body,
                                                          headers=_headers(auth)).headers["Location"])
    assert run["status"] == "failed"
    assert "SRMapping.csv" in run["error"] and "over the import's limit of 1 KiB per file" in run["error"]


def _age_heartbeat(repo: SqlRepository, run_id: str, seconds: float) -> None:
    with repo.db.writer.begin() as conn:
        conn.execute(update(import_runs).where(import_runs.c.run_id == run_id)
                     .values(heartbeat=import_runs.c.heartbeat - int(seconds * 1_000_000)))


def test_a_killed_upload_run_becomes_interrupted_and_its_file_goes(small_gateway: TestClient, auth: dict[str, str],
                                                                   uploads: Path) -> None:
    repo: SqlRepository = small_gateway.app.state.repo  # type: ignore[attr-defined]  # the TestClient's app
    folder = uploads / "import-upload-killed"
    folder.mkdir(parents=True)
    (folder / "systmone.zip").write_bytes(b"PK")
    run_id = ImportRunner(repo, user="test").start("systmone", folder / "systmone.zip")  # its process "dies" here
    assert small_gateway.get(f"/api/imports/{run_id}", headers=auth).json()["status"] == "running"

    _age_heartbeat(repo, run_id, 301)
    run = small_gateway.get(f"/api/imports/{run_id}", headers=auth).json()
    assert run["status"] == "interrupted" and run["finished"]
    assert "upload the export again (POST /api/imports/systmone)" in run["error"]
    assert "gateway import systmone" in run["error"] and "rows committed before it stopped are kept" in run["error"]
    assert not folder.exists()


def test_a_killed_command_line_run_names_the_command(repo: SqlRepository, settings: Settings,
                                                     tmp_path: Path) -> None:
    extract = tmp_path / "my-extract"
    extract.mkdir()
    killed = ImportRunner.from_settings(repo, settings, "cli:systmone").start("systmone", extract)
    _age_heartbeat(repo, killed, 400)
    # The next import (or the next start of the gateway) finds it.
    ImportRunner.from_settings(repo, settings, "cli:systmone").start("systmone", extract)
    with repo.reading() as conn:
        from gateway.imports.report import run_summary

        run = run_summary(conn, killed)
    assert run["status"] == "interrupted"
    assert f"run `gateway import systmone {extract}` again" in run["error"]
    assert extract.exists()  # never the user's own files


def test_a_running_import_keeps_its_heartbeat_fresh(repo: SqlRepository) -> None:
    run_id = ImportRunner(repo, user="test").start("systmone", Path("/nowhere"))
    with repo.reading() as conn:
        first = conn.execute(import_runs.select().where(import_runs.c.run_id == run_id)).one().heartbeat
    with Heartbeat(repo, run_id, 0.02):
        time.sleep(0.3)
    with repo.reading() as conn:
        later = conn.execute(import_runs.select().where(import_runs.c.run_id == run_id)).one().heartbeat
    assert later > first


class StoppedAdapter:
    """Yields one row, then the import is interrupted (Ctrl-C)."""

    source = "systmone"

    def read(self, path: Path) -> Iterator[SourceRecord]:
        yield Converted(RowRef("SRPatient.csv", 2, "1"), resources=[])
        raise KeyboardInterrupt


def test_an_import_stopped_by_hand_says_interrupted_and_how_to_resume(repo: SqlRepository, tmp_path: Path) -> None:
    runner = ImportRunner(repo, batch_rows=1, user="test", worker_min_bytes=None)
    with pytest.raises(KeyboardInterrupt):
        runner.run(StoppedAdapter(), tmp_path)
    with repo.reading() as conn:
        row = conn.execute(import_runs.select()).one()
    assert row.status == "interrupted" and f"gateway import systmone {tmp_path}" in row.error


