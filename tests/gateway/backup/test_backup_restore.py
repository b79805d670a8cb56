"""Backup under write load, restore into a fresh folder, verify: every acknowledged write is there."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.backup.manifest import Manifest
from gateway.backup.store import BackupError, backup, restore, verify_backup, verify_store
from gateway.settings import Settings
from gateway.storage.migrate import head_revision, upgrade
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.api.live_server import running_gateway


def _patient(n: int) -> dict[str, object]:
    return {"resourceType": "Patient", "name": [{"family": f"Backup{n}", "given": ["Test"]}], "gender": "unknown"}


class Writer(threading.Thread):
    """Creates Patients one after another; records (id, time acknowledged) of every 201."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.acknowledged: list[tuple[str, float]] = []
        self.stop = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/fhir+json"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                answer = http.post("/fhir/Patient", json=_patient(n))
                if answer.status_code != 201:
                    self.errors.append(f"{answer.status_code} {answer.text[:200]}")
                    continue
                self.acknowledged.append((answer.json()["id"], time.monotonic()))


def _ids_in(database: Path) -> set[str]:
    conn = sqlite3.connect(database)
    try:
        return {r[0] for r in conn.execute("SELECT res_id FROM resources WHERE res_type = 'Patient' AND NOT deleted")}
    finally:
        conn.close()


def test_backup_under_write_load_restores_every_acknowledged_write(tmp_path: Path, settings: Settings,
                                                                   token_for: Callable[..., str]) -> None:
    # A gateway serving on a real socket, with two clients writing as fast as they can.
    database = tmp_path / "live" / "gateway.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    upgrade(url)
    live = settings.model_copy(update={"database_url": url})  # the test's signing key, its own store
    token = token_for("admin")
    with running_gateway(live) as base:
        writers = [Writer(base, token) for _ in range(2)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while sum(len(w.acknowledged) for w in writers) < 40:
            assert time.monotonic() < deadline, [e for w in writers for e in w.errors][:3]
            time.sleep(0.01)

        # Back up while the writes go on.
        started = time.monotonic()
        during = backup(url, tmp_path / "during")
        finished = time.monotonic()
        time.sleep(0.2)  # writes carry on after the copy
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(timeout=30)
        # A second backup once the writers have stopped: every acknowledged write must be in it.
        after = backup(url, tmp_path / "after")
    assert not [e for w in writers for e in w.errors]
    acknowledged = [item for w in writers for item in w.acknowledged]
    before_copy = {rid for rid, at in acknowledged if at < started}
    after_copy = {rid for rid, at in acknowledged if at > finished}
    assert len(before_copy) >= 40 and after_copy, "writes must go on before and after the copy"

    # Restore each copy into a fresh folder: the copy verifies, and holds what it must.
    for name, manifest, must_hold in (("during", during, before_copy), ("after", after, {r for r, _ in acknowledged})):
        assert verify_backup(tmp_path / name).ok
        fresh = tmp_path / f"restored-{name}" / "gateway.db"
        restored = restore(tmp_path / name, f"sqlite:///{fresh}")
        assert restored.content_digest == manifest.content_digest
        ids = _ids_in(fresh)
        assert must_hold <= ids, f"{len(must_hold - ids)} acknowledged writes missing from the {name} copy"
        assert manifest.resources_by_type["Patient"] == len(ids)
        check = verify_store(f"sqlite:///{fresh}")
        assert check.ok, check.problems
    # The copy taken during the load is a snapshot: it has none of the writes acknowledged after it.
    assert not (after_copy & _ids_in(tmp_path / "restored-during" / "gateway.db"))


@pytest.fixture
def small_store(tmp_path: Path) -> tuple[str, Settings]:
    """A migrated SQLite store with three Patients written through the app."""
    url = f"sqlite:///{tmp_path / 'store' / 'gateway.db'}"
    (tmp_path / "store").mkdir()
    upgrade(url)
    settings = Settings(database_url=url, key_dir=tmp_path / "keys", base_url="http://testserver",
                        import_upload_dir=tmp_path / "uploads", delivery_worker=False)
    from gateway.auth.tokens import mint_token

    headers = {"Authorization": f"Bearer {mint_token(settings, 'u', 'admin')}",
               "Content-Type": "application/fhir+json"}
    with TestClient(create_app(settings)) as client:
        for n in range(3):
            assert client.post("/fhir/Patient", json=_patient(n), headers=headers).status_code == 201
    return url, settings


def test_manifest_names_schema_counts_and_checksum(small_store: tuple[str, Settings], tmp_path: Path) -> None:
    url, _ = small_store
    manifest = backup(url, tmp_path / "copy")
    saved = Manifest.load(tmp_path / "copy" / "manifest.json")
    assert saved == manifest
    assert saved.schema_revision == head_revision()
    assert saved.resources_by_type["Patient"] == 3
    assert saved.tables["resource_history"] >= 3
    assert saved.file == "gateway.db" and saved.file_sha256 and len(saved.file_sha256) == 64


def test_backup_refuses_a_folder_in_use_and_postgres(small_store: tuple[str, Settings], tmp_path: Path) -> None:
    url, _ = small_store
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(url, tmp_path / "full")
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql://postgres@127.0.0.1:5432/test", tmp_path / "pg")


def test_verify_finds_a_changed_copy(small_store: tuple[str, Settings], tmp_path: Path) -> None:
    url, _ = small_store
    backup(url, tmp_path / "copy")
    copy = tmp_path / "copy" / "gateway.db"
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE resources SET content = replace(content, 'Backup1', 'Changed') WHERE res_type = 'Patient'")
    conn.commit()
    conn.close()
    result = verify_backup(tmp_path / "copy")
    assert not result.ok
    assert any("checksum" in p for p in result.problems)


def test_verify_live_store_finds_content_that_no_longer_matches_its_hash(small_store: tuple[str, Settings]) -> None:
    url, _ = small_store
    assert verify_store(url).ok
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("UPDATE resources SET content = replace(content, 'Backup2', 'Tampered') WHERE res_type = 'Patient'")
    conn.commit()
    conn.close()
    problems = verify_store(url).problems
    assert any("does not match its content hash" in p for p in problems)


def test_restore_refuses_a_copy_from_a_newer_schema(small_store: tuple[str, Settings], tmp_path: Path) -> None:
    url, _ = small_store
    path = Path(url.removeprefix("sqlite:///"))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.commit()
    conn.close()
    manifest = backup(url, tmp_path / "future")
    assert manifest.schema_revision == "ffff_from_the_future"
    target = tmp_path / "fresh" / "gateway.db"
    with pytest.raises(BackupError, match="newer schema"):
        restore(tmp_path / "future", f"sqlite:///{target}")
    assert not target.exists()


def test_restore_refuses_a_store_in_use_and_an_existing_one_without_replace(
        small_store: tuple[str, Settings], tmp_path: Path) -> None:
    url, settings = small_store
    backup(url, tmp_path / "copy")
    with pytest.raises(BackupError, match="--replace"):
        restore(tmp_path / "copy", url)
    with TestClient(create_app(settings)):  # a gateway serving the store
        with pytest.raises(BackupError, match="a gateway is using"):
            restore(tmp_path / "copy", url, replace=True)
    # Stopped: the restore goes ahead, and the store serves the backup's content.
    assert restore(tmp_path / "copy", url, replace=True).resources_by_type["Patient"] == 3
    assert verify_store(url).ok


def test_verify_live_store_against_a_manifest_on_either_database(database_url: str, fhir: FhirApi) -> None:
    # Works on PostgreSQL too (the database_url fixture runs both when GATEWAY_TEST_POSTGRES_URL is set).
    first = verify_store(database_url)
    assert first.ok, first.problems
    assert verify_store(database_url, first.manifest).ok
    fhir.create(_patient(9))
    changed = verify_store(database_url, first.manifest)
    assert not changed.ok
    assert any("Patient" in p for p in changed.problems)
    assert any("digest" in p for p in changed.problems)


def test_restore_refuses_a_store_a_command_line_import_is_writing(small_store: tuple[str, Settings],
                                                                  tmp_path: Path) -> None:
    url, _ = small_store
    backup(url, tmp_path / "copy")
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    now = time.time_ns() // 1000
    conn.execute("INSERT INTO import_runs (run_id, source, path, status, started, heartbeat, user_id, counts, files) "
                 "VALUES ('live', 'systmone', '/x', 'running', ?, ?, 'cli:systmone', '{}', '[]')", (now, now))
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="an import .* is running"):
        restore(tmp_path / "copy", url, replace=True)


def test_a_gateway_does_not_start_while_a_restore_holds_the_store(small_store: tuple[str, Settings]) -> None:
    from gateway.backup.in_use import StoreInUse

    url, settings = small_store
    with StoreInUse(url) as restoring:
        assert restoring.exclusive()
        with pytest.raises(RuntimeError, match="a restore is replacing the store"), TestClient(create_app(settings)):
            pass
    with TestClient(create_app(settings)) as client:  # once the restore is over it starts
        assert client.get("/readyz").status_code == 200
