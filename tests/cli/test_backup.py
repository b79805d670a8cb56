"""`gateway backup`, `gateway verify` and `gateway restore` as an operator runs them: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Gateway


def test_backup_verify_restore_round_trip(gateway: Gateway, database: Path, tmp_path: Path) -> None:
    done = gateway("backup", tmp_path / "nightly")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "nightly" / "manifest.json").read_text())
    assert manifest["schema_revision"] and manifest["file_sha256"]
    assert "backed up" in done.stderr

    checked = gateway("verify", tmp_path / "nightly")
    assert checked.returncode == 0, checked.stderr
    assert manifest["content_digest"] in checked.stderr.replace("\n", "")

    live = gateway("verify", "--against", tmp_path / "nightly" / "manifest.json")
    assert live.returncode == 0, live.stderr

    restored_db = tmp_path / "elsewhere" / "gateway.db"
    restored = gateway("restore", tmp_path / "nightly", database_path=restored_db)
    assert restored.returncode == 0, restored.stderr
    assert gateway("verify", database_path=restored_db).returncode == 0

    again = gateway("restore", tmp_path / "nightly", database_path=restored_db)
    assert again.returncode == 1 and "--replace" in again.stderr


def test_verify_exits_1_on_a_damaged_copy_and_2_on_a_missing_one(gateway: Gateway, database: Path,
                                                                 tmp_path: Path) -> None:
    assert gateway("backup", tmp_path / "copy").returncode == 0
    copy = tmp_path / "copy" / "gateway.db"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    damaged = gateway("verify", tmp_path / "copy")
    assert damaged.returncode == 1
    assert "checksum" in damaged.stderr
    assert gateway("verify", tmp_path / "nothing-here").returncode == 2
